//! The playground works without internet access: every file it loads comes from this server,
//! under a Content-Security-Policy that allows nothing else; in headless Chromium, with every
//! other host blocked, it logs in, loads the schema and runs a query.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use millennium::domain::Role;

use crate::support::factories::DEFAULT_PASSWORD;
use crate::support::{TestApp, UserFactory};

#[tokio::test]
async fn the_playground_is_served_by_this_server_alone() {
    let app = TestApp::spawn().await;
    let page = app.get("/graphiql").await;
    assert_eq!(page.status, StatusCode::OK);
    let policy = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("text");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    let html = page.body.as_str().expect("html");
    let sources: Vec<&str> = html
        .split(['"'])
        .filter(|piece| piece.starts_with('/') || piece.contains("://"))
        .collect();
    assert!(sources.len() >= 6, "{sources:?}");
    for source in sources {
        assert!(source.starts_with("/graphiql/"), "loads {source}");
        let asset = app.get(source).await;
        assert_eq!(asset.status, StatusCode::OK, "{source}");
        let content_type = asset.headers[header::CONTENT_TYPE].to_str().expect("text");
        assert!(
            content_type.starts_with("text/javascript") || content_type.starts_with("text/css"),
            "{source}: {content_type}"
        );
    }
    // Pinned versions: GraphiQL 3.8.3 with React 18.3.1, cached for good.
    let graphiql = app.get("/graphiql/graphiql-3.8.3.min.js").await;
    assert_eq!(graphiql.headers[header::CONTENT_ENCODING], "gzip");
    assert!(
        graphiql.headers[header::CACHE_CONTROL]
            .to_str()
            .expect("text")
            .contains("immutable")
    );
    let identity = app
        .send(
            Request::get("/graphiql/react-18.3.1.production.min.js")
                .header(header::ACCEPT_ENCODING, "identity")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert!(identity.headers.get(header::CONTENT_ENCODING).is_none());
    assert!(
        identity
            .body
            .as_str()
            .expect("text")
            .contains("react.production.min.js")
    );
    assert_eq!(
        app.get("/graphiql/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
}

/// What the browser test needs, or why it cannot run here.
fn browser_tools() -> Result<(PathBuf, PathBuf), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.exists() {
        return Err(format!(
            "no Chromium at {} (apt-get install chromium)",
            chromium.display()
        ));
    }
    let node_ok = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !node_ok {
        return Err("no node on PATH".into());
    }
    let driver = root.join("tests/graphiql/node_modules/playwright-core");
    if !driver.exists() {
        return Err("playwright-core is not installed (npm ci --prefix tests/graphiql)".into());
    }
    Ok((chromium, root.join("tests/graphiql/offline.mjs")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_playground_logs_in_and_runs_a_query_offline_in_chromium() {
    let (chromium, script) = match browser_tools() {
        Ok(tools) => tools,
        Err(reason) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("skipped: {reason}");
            return;
        }
        Err(reason) => panic!("CI must run the browser test: {reason}"),
    };
    let app = TestApp::spawn().await;
    let admin = UserFactory::new()
        .role(Role::Admin)
        .email("boss@example.org")
        .insert(&app)
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let address = listener.local_addr().expect("address");
    let router = app.router.clone();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });

    let screenshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/graphiql-offline.png");
    let output = tokio::process::Command::new("node")
        .arg(&script)
        .arg(format!("http://{address}"))
        .arg(&admin.email)
        .arg(DEFAULT_PASSWORD)
        .arg(&screenshot)
        .env("CHROMIUM", &chromium)
        .output()
        .await
        .expect("run node");
    server.abort();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("\"ok\":true"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(screenshot.exists());
    eprintln!("GraphiQL screenshot: {}", screenshot.display());
}

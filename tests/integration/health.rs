//! `GET /health` checks the database for real and follows it going away and coming back.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use millennium::embedded_pg::{EmbeddedOptions, EmbeddedPostgres, PgPrograms};

use crate::support::TestApp;
use crate::support::db::unique_name;

fn health_request() -> Request<Body> {
    Request::get("/health")
        .body(Body::empty())
        .expect("request")
}

#[tokio::test]
async fn health_reports_a_connected_database() {
    let app = TestApp::spawn().await;
    let response = app.send(health_request()).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["status"], "ok");
    assert_eq!(response.body["database"], "connected");
    assert!(
        response.body["timestamp"]
            .as_str()
            .is_some_and(|t| t.contains('T'))
    );
}

async fn start(options: EmbeddedOptions) -> EmbeddedPostgres {
    tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&options))
        .await
        .expect("join")
        .expect("start PostgreSQL")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_503_while_the_database_is_down_and_recovers_without_restart() {
    let programs = PgPrograms::discover(None).expect("PostgreSQL programs");
    let dir = std::env::temp_dir().join(unique_name("millennium-health-pg"));
    let options = EmbeddedOptions::persistent(dir.clone(), programs);
    let postgres = start(options.clone()).await;
    let port = postgres.port();
    let url = postgres.url("postgres");
    let app = TestApp::on_database("postgres".into(), &url, &[]).await;

    assert_eq!(app.send(health_request()).await.status, StatusCode::OK);

    tokio::task::spawn_blocking(move || postgres.stop())
        .await
        .expect("join")
        .expect("stop PostgreSQL");
    let down = tokio::time::timeout(Duration::from_secs(5), app.send(health_request()))
        .await
        .expect("/health must answer within 5 seconds while the database is down");
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.body["database"], "disconnected");

    let postgres = start(EmbeddedOptions {
        port: Some(port),
        ..options
    })
    .await;
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..50 {
        status = app.send(health_request()).await.status;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status,
        StatusCode::OK,
        "the pool did not heal after the database returned"
    );

    drop(app);
    tokio::task::spawn_blocking(move || postgres.stop())
        .await
        .expect("join")
        .expect("stop PostgreSQL");
    std::fs::remove_dir_all(&dir).expect("remove the test cluster");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_load_with_the_database_down_requests_answer_503_and_service_returns_by_itself() {
    use crate::support::UserFactory;
    use crate::support::factories::DEFAULT_PASSWORD;

    let programs = PgPrograms::discover(None).expect("PostgreSQL programs");
    let dir = std::env::temp_dir().join(unique_name("millennium-outage-pg"));
    let options = EmbeddedOptions::persistent(dir.clone(), programs);
    let postgres = start(options.clone()).await;
    let port = postgres.port();
    let url = postgres.url("postgres");
    let endpoint = millennium::db::Endpoint::parse(&url).expect("endpoint");
    millennium::db::migrations::run_pending(&endpoint)
        .await
        .expect("migrate");
    let app = TestApp::on_database(
        "postgres".into(),
        &url,
        &[
            ("DB_ACQUIRE_TIMEOUT_MS", "2000"),
            ("RATE_LIMIT_PER_MINUTE", "0"),
        ],
    )
    .await;
    let user = UserFactory::new().insert(&app).await;
    let session = app.login_user(user, DEFAULT_PASSWORD).await;
    let me = "{ me { id } }";
    app.gql(me).by(&session).send().await.data();

    tokio::task::spawn_blocking(move || postgres.stop())
        .await
        .expect("join")
        .expect("stop PostgreSQL");
    // 200 requests at once against a database that is gone: each answers 503 with the code,
    // none waits past the acquire timeout.
    let started = std::time::Instant::now();
    let requests = (0..200).map(|_| async {
        let sent = std::time::Instant::now();
        let answer = app.gql(me).by(&session).send().await;
        (answer.status(), answer.error_code(), sent.elapsed())
    });
    let answers = tokio::time::timeout(
        Duration::from_secs(5),
        futures_util::future::join_all(requests),
    )
    .await
    .expect("every request answers within the acquire timeout (2 s) and a margin");
    let slowest = answers.iter().map(|(_, _, took)| *took).max();
    eprintln!(
        "database down: {} requests answered in {:?}, the slowest in {slowest:?}",
        answers.len(),
        started.elapsed()
    );
    for (status, code, _) in &answers {
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(code, "SERVICE_UNAVAILABLE");
    }

    let postgres = start(EmbeddedOptions {
        port: Some(port),
        ..options
    })
    .await;
    let back = std::time::Instant::now();
    let mut served = false;
    while back.elapsed() < Duration::from_secs(5) {
        if app.gql(me).by(&session).send().await.status() == StatusCode::OK {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        served,
        "full service returns within 5 s of the database, without a restart"
    );
    eprintln!("service back {:?} after the database", back.elapsed());

    drop(app);
    tokio::task::spawn_blocking(move || postgres.stop())
        .await
        .expect("join")
        .expect("stop PostgreSQL");
    std::fs::remove_dir_all(&dir).expect("remove the test cluster");
}

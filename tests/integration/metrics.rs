//! `GET /metrics`: Prometheus text that Prometheus's own parser reads, whose values move with the
//! requests, logins and jobs that happen; served only with `METRICS_TOKEN` (when set) or to a
//! local client, and exempt from the rate limit. Slow statements are logged with their request
//! and operation, without their values, and counted.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use millennium::db::{self, PoolSettings, StatementCounter};
use millennium::domain::Role;
use millennium::jobs;
use serde_json::json;

use crate::support::app::{JWT_SECRET, RawResponse};
use crate::support::db::{server, unique_name};
use crate::support::factories::DEFAULT_PASSWORD;
use crate::support::process::{Running, free_port, millennium};
use crate::support::prometheus::{self, Samples};
use crate::support::{MemberFactory, TestApp, UnionFactory, UserFactory, http_client};

const TOKEN: &str = "scrape-token-0123456789abcdef";

/// `GET /metrics` as if from a connection at `peer` (none: no address), with `headers`.
async fn get_metrics(app: &TestApp, peer: Option<&str>, headers: &[(&str, &str)]) -> RawResponse {
    let mut request = Request::get("/metrics");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty()).expect("request");
    if let Some(peer) = peer {
        let ip = peer.parse().expect("an IP address");
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip, 40_000)));
    }
    app.send(request).await
}

/// The metrics as a local scraper gets them, parsed.
async fn scrape(app: &TestApp) -> Samples {
    let response = get_metrics(app, Some("127.0.0.1"), &[]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    prometheus::parse(&String::from_utf8_lossy(&response.bytes))
}

/// How much each sample moved between two scrapes.
struct Moves<'a> {
    before: &'a Samples,
    after: &'a Samples,
}

impl Moves<'_> {
    #[track_caller]
    fn by(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let (before, after) = (
            self.before.count(name, labels),
            self.after.count(name, labels),
        );
        assert!(after >= before, "{name} {labels:?} went down");
        after - before
    }
}

#[tokio::test]
async fn the_metrics_parse_and_move_with_requests_logins_and_jobs() {
    if !prometheus::parser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let officer = UserFactory::new()
        .email("metrics.officer@example.org")
        .insert(&app)
        .await;
    let before = scrape(&app).await;

    // A wrong password, a query, a query that fails, a batch of two (one anonymous), a request
    // refused as a whole (a token that is not valid), a plain route and the penalty job.
    let refused = app.login(&officer.email, "not-the-password").await;
    assert_eq!(refused.error_code(), "UNAUTHENTICATED");
    app.gql("query Whoami { me { id } }")
        .by(&admin)
        .send()
        .await
        .data();
    let missing = app
        .gql("query MissingLoan($id: ID!) { loan(id: $id) { id } }")
        .var("id", uuid::Uuid::new_v4().to_string())
        .by(&admin)
        .send()
        .await;
    assert_eq!(missing.error_code(), "NOT_FOUND");
    let batch = app
        .post_json(
            "/graphql",
            &json!([{ "query": "query Whoami { me { id } }" }, { "query": "{ me { email } }" }]),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.body);
    let stale = app
        .gql("query Whoami { me { id } }")
        .token("not-a-token")
        .send()
        .await;
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/health").await.status, StatusCode::OK);
    assert!(matches!(
        jobs::run_penalties_once(&app.state, "metrics-test").await,
        Ok(jobs::Outcome::Ran(_))
    ));

    let after = scrape(&app).await;
    let moved = Moves {
        before: &before,
        after: &after,
    };
    assert_eq!(
        moved.by(
            "millennium_login_failures_total",
            &[("reason", "WRONG_PASSWORD")]
        ),
        1
    );
    let operations = "millennium_graphql_operations_total";
    let whoami_ok = [("operation", "Whoami"), ("outcome", "ok")];
    assert_eq!(
        moved.by(operations, &whoami_ok),
        2,
        "once alone, once in the batch"
    );
    assert_eq!(
        moved.by(operations, &[("operation", "anonymous"), ("outcome", "ok")]),
        1
    );
    assert_eq!(
        moved.by(
            operations,
            &[("operation", "MissingLoan"), ("outcome", "NOT_FOUND")]
        ),
        1
    );
    assert_eq!(
        moved.by(
            "millennium_graphql_operation_duration_seconds_count",
            &whoami_ok
        ),
        2
    );
    let errors = "millennium_graphql_errors_total";
    assert_eq!(moved.by(errors, &[("code", "NOT_FOUND")]), 1);
    assert_eq!(
        moved.by(errors, &[("code", "UNAUTHENTICATED")]),
        2,
        "the wrong password and the refused token"
    );
    let requests = "millennium_http_requests_total";
    let graphql_200 = [("route", "/graphql"), ("status", "200")];
    assert_eq!(moved.by(requests, &graphql_200), 4);
    assert_eq!(
        moved.by(requests, &[("route", "/graphql"), ("status", "401")]),
        1
    );
    assert_eq!(
        moved.by(requests, &[("route", "/health"), ("status", "200")]),
        1
    );
    assert_eq!(
        moved.by(
            "millennium_http_request_duration_seconds_count",
            &graphql_200
        ),
        4
    );
    assert_eq!(
        moved.by(
            "millennium_sql_statements_per_request_count",
            &[("route", "/graphql")]
        ),
        5
    );
    assert!(moved.by("millennium_sql_statements_total", &[]) > 0);
    assert_eq!(
        moved.by(
            "millennium_job_runs_total",
            &[("job", "penalties"), ("outcome", "ran")]
        ),
        1
    );
    assert_eq!(after.count("millennium_db_pool_max_connections", &[]), 5);
    assert!(after.count("millennium_db_pool_connections", &[]) >= 1);
    assert_eq!(after.count("millennium_db_pool_waiting", &[]), 0);
    for (sample, kind) in [
        (
            "millennium_graphql_operation_duration_seconds_bucket",
            "histogram",
        ),
        ("millennium_sql_statements_per_request_bucket", "histogram"),
        ("millennium_graphql_operations_total", "counter"),
        ("millennium_db_pool_connections_in_use", "gauge"),
    ] {
        assert_eq!(after.kind_of(sample), Some(kind), "{sample}");
    }
}

#[tokio::test]
async fn every_statement_is_counted_for_the_request_that_sent_it() {
    if !prometheus::parser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let officer = app.login_as(Role::CreditOfficer).await;
    for name in ["Oja Oba", "Oja Tuntun"] {
        let union = UnionFactory::new(&officer.user)
            .name(name)
            .insert(&app)
            .await;
        MemberFactory::new(&union).insert(&app).await;
    }

    // One statement: the session behind the token.
    let before = scrape(&app).await;
    app.gql("{ __typename }").by(&admin).send().await.data();
    let after = scrape(&app).await;
    let moved = Moves {
        before: &before,
        after: &after,
    };
    let bucket = |le| [("route", "/graphql"), ("le", le)];
    assert_eq!(
        moved.by("millennium_sql_statements_per_request_bucket", &bucket("0")),
        0
    );
    assert_eq!(
        moved.by("millennium_sql_statements_per_request_bucket", &bucket("1")),
        1
    );
    assert_eq!(moved.by("millennium_sql_statements_total", &[]), 1);

    // Relations loaded by dataloaders, whose batches run in tasks of their own: their
    // statements count for the request too, so the requests' statements add up to all of them.
    let before = scrape(&app).await;
    let unions = app
        .gql(
            "query Unions { unions { nodes { name memberCount creditOfficer { email }
                members { nodes { firstName union { name } } } } } }",
        )
        .by(&admin)
        .send()
        .await;
    assert_eq!(
        unions.data()["unions"]["nodes"].as_array().map(Vec::len),
        Some(2)
    );
    let after = scrape(&app).await;
    let moved = Moves {
        before: &before,
        after: &after,
    };
    let total = moved.by("millennium_sql_statements_total", &[]);
    assert!(total > 2, "{total}");
    assert_eq!(
        moved.by(
            "millennium_sql_statements_per_request_sum",
            &[("route", "/graphql")]
        ),
        total
    );
}

#[tokio::test]
async fn a_lockout_is_counted_once_and_later_attempts_as_locked() {
    if !prometheus::parser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    let user = UserFactory::new()
        .email("locked.out@example.org")
        .insert(&app)
        .await;
    let before = scrape(&app).await;
    for _ in 0..5 {
        app.login(&user.email, "wrong-password").await;
    }
    let locked = app.login(&user.email, DEFAULT_PASSWORD).await;
    assert_eq!(locked.error_code(), "UNAUTHENTICATED");
    let after = scrape(&app).await;
    let moved = Moves {
        before: &before,
        after: &after,
    };
    assert_eq!(moved.by("millennium_account_lockouts_total", &[]), 1);
    let failures = "millennium_login_failures_total";
    assert_eq!(moved.by(failures, &[("reason", "WRONG_PASSWORD")]), 5);
    assert_eq!(moved.by(failures, &[("reason", "LOCKED")]), 1);
}

#[tokio::test]
async fn without_a_token_only_local_clients_get_the_metrics_and_never_a_rate_limit() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_PER_MINUTE", "2")]).await;
    for peer in ["127.0.0.1", "::1"] {
        let response = get_metrics(&app, Some(peer), &[]).await;
        assert_eq!(response.status, StatusCode::OK, "{peer}");
        assert_eq!(
            response.header("content-type").as_deref(),
            Some("text/plain; version=0.0.4; charset=utf-8")
        );
        assert!(
            String::from_utf8_lossy(&response.bytes)
                .contains("# TYPE millennium_sql_statements_total counter"),
            "{}",
            String::from_utf8_lossy(&response.bytes)
        );
    }
    for (peer, headers) in [
        (Some("10.0.0.7"), vec![]),
        (None, vec![]),
        (Some("127.0.0.1"), vec![("x-forwarded-for", "127.0.0.1")]),
        (Some("127.0.0.1"), vec![("forwarded", "for=203.0.113.9")]),
    ] {
        let response = get_metrics(&app, peer, &headers).await;
        assert_eq!(
            response.status,
            StatusCode::FORBIDDEN,
            "{peer:?} {headers:?}"
        );
        assert_eq!(
            response.body["errors"][0]["extensions"]["code"],
            "FORBIDDEN"
        );
        assert!(
            !String::from_utf8_lossy(&response.bytes).contains("millennium_"),
            "no metric leaks"
        );
    }

    // The general limit (2 a minute here) stops GraphQL, never the scraper.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            app.gql("{ __typename }")
                .sent_from("127.0.0.1")
                .send()
                .await
                .status(),
        );
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    for _ in 0..5 {
        assert_eq!(
            get_metrics(&app, Some("127.0.0.1"), &[]).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn with_a_token_only_its_bearer_gets_the_metrics() {
    let app = TestApp::spawn_with(&[("METRICS_TOKEN", TOKEN)]).await;
    let staff = app.login_as(Role::Admin).await;
    let bearer = |token: &str| format!("Bearer {token}");
    let cases = [
        (Some("10.0.0.7"), None),
        // Once a token is set, it is needed from this machine too.
        (Some("127.0.0.1"), None),
        (
            Some("10.0.0.7"),
            Some(bearer("scrape-token-0123456789abcdeX")),
        ),
        // A member of staff's access token is no metrics token.
        (Some("10.0.0.7"), Some(bearer(&staff.access_token))),
        (Some("10.0.0.7"), Some(format!("Basic {TOKEN}"))),
    ];
    for (peer, authorization) in &cases {
        let headers: Vec<(&str, &str)> = authorization
            .iter()
            .map(|value| (header::AUTHORIZATION.as_str(), value.as_str()))
            .collect();
        let response = get_metrics(&app, *peer, &headers).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{peer:?} {authorization:?}"
        );
        assert_eq!(
            response.body["errors"][0]["extensions"]["code"],
            "UNAUTHENTICATED"
        );
        let challenge = response.header("www-authenticate").unwrap_or_default();
        assert!(
            challenge.starts_with("Bearer realm=\"metrics\""),
            "{challenge}"
        );
        assert_eq!(
            challenge.contains("invalid_token"),
            authorization.is_some(),
            "{challenge}"
        );
        assert!(!String::from_utf8_lossy(&response.bytes).contains("millennium_"));
    }
    let token = bearer(TOKEN);
    for peer in [Some("10.0.0.7"), None] {
        let response = get_metrics(&app, peer, &[("authorization", &token)]).await;
        assert_eq!(response.status, StatusCode::OK, "{peer:?}");
        assert!(
            String::from_utf8_lossy(&response.bytes).contains("millennium_db_pool_connections "),
            "{}",
            String::from_utf8_lossy(&response.bytes)
        );
    }
}

/// Removes the terminal colour codes a log line may carry.
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[tokio::test]
async fn a_slow_statement_is_logged_with_its_request_and_operation_but_no_values() {
    let database = server().create_database().await;
    let url = server().url(&database);
    let data_dir = std::env::temp_dir().join(unique_name("millennium-slow-statements"));
    let data = data_dir.display().to_string();
    let port = free_port();
    let mut running = Running::start(millennium(&[
        ("DATABASE_URL", url.expose()),
        ("DATA_DIR", &data),
        ("JWT_SECRET", JWT_SECRET),
        ("PORT", &port.to_string()),
        ("SLOW_STATEMENT_MS", "0"),
        ("NO_COLOR", "1"),
    ]));
    running.wait_for("GraphiQL:");

    // The email is a bound value of the statements the login sends; it must never be logged.
    let needle = "needle-7f3a9c";
    let body = json!({
        "query": "mutation SignIn($email: String!, $password: String!) {
            login(email: $email, password: $password) { accessToken } }",
        "variables": { "email": format!("{needle}@example.org"), "password": "Whatever-123" },
    });
    let reply = http_client::send_with_headers(
        port,
        "POST",
        "/graphql",
        &[("x-request-id", "slow-statement-test-1")],
        Some(&body.to_string()),
    )
    .expect("POST /graphql");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("UNAUTHENTICATED"), "{}", reply.body);
    running.wait_for("operation=\"SignIn\"");

    let metrics = http_client::send(port, "GET", "/metrics", None).expect("GET /metrics");
    assert_eq!(metrics.status, 200, "{}", metrics.body);
    let slow: u64 = metrics
        .body
        .lines()
        .find_map(|line| line.strip_prefix("millennium_sql_slow_statements_total "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no slow-statement count:\n{}", metrics.body));

    std::thread::sleep(Duration::from_millis(200));
    let printed: Vec<String> = running
        .stop_with(nix::sys::signal::Signal::SIGTERM)
        .iter()
        .map(|line| plain(line))
        .collect();
    let logged: Vec<&String> = printed
        .iter()
        .filter(|line| line.contains("slow SQL statement") && line.contains("operation=\"SignIn\""))
        .collect();
    assert!(!logged.is_empty(), "{printed:#?}");
    assert!(slow >= u64::try_from(logged.len()).expect("count"));
    for line in &logged {
        assert!(line.contains("WARN"), "{line}");
        assert!(
            line.contains("request_id=\"slow-statement-test-1\""),
            "{line}"
        );
        assert!(line.contains("duration_ms="), "{line}");
        assert!(line.contains("sql=\""), "{line}");
    }
    assert!(
        logged.iter().any(|line| line.contains("login_history")),
        "the login's own statements: {logged:#?}"
    );
    assert!(
        !printed.iter().any(|line| line.contains(needle)),
        "a bound value reached the log: {printed:#?}"
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// A `MakeWriter` that keeps what a subscriber prints, for reading back in a test.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

#[derive(diesel::QueryableByName)]
struct Padded {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    #[allow(dead_code)]
    g: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[allow(dead_code)]
    pad: String,
}

/// A statement is timed to its last row: one whose first rows come at once and whose last row
/// comes late is slow, though the server took it (and began answering) at once.
#[tokio::test]
async fn a_statement_is_timed_until_its_last_row() {
    use diesel_async::RunQueryDsl;
    use millennium::db::instrument::Origin;

    let database = server().create_database().await;
    let url = server().url(&database);
    let statements = StatementCounter::default();
    let settings = PoolSettings {
        size: 1,
        acquire_timeout: Duration::from_secs(10),
        statement_timeout: Duration::from_secs(10),
        slow_statement: Duration::from_millis(250),
        schema: None,
        statement_cache: true,
        pooler: false,
    };
    let endpoint = db::Endpoint::parse(&url).expect("endpoint");
    let pool = db::build_pool(&endpoint, settings, &statements).expect("pool");
    let log = Captured::default();
    let _subscriber = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_writer(log.clone())
            .with_ansi(false)
            .finish(),
    );
    let mut conn = pool.get().await.expect("connection");
    let origin = Origin::request(Some("timed-to-the-last-row")).operation(Some("Rows"));

    // 2,000 rows of 200 bytes: the server sends them as they are made, a buffer at a time.
    let fast = "SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 2000) AS g";
    let rows: Vec<Padded> = origin
        .clone()
        .run(diesel::sql_query(fast).load(&mut conn))
        .await
        .expect("fast rows");
    assert_eq!(rows.len(), 2_000);
    assert_eq!(statements.slow(), 0, "{}", log.text());

    // The same rows, but the last one waits 0.4 s: its first rows have long arrived by then.
    let late = "SELECT g, repeat('x', 200) \
        || CASE WHEN g = 2000 THEN (SELECT '' FROM pg_sleep(0.4)) ELSE '' END AS pad \
        FROM generate_series(1, 2000) AS g";
    let rows: Vec<Padded> = origin
        .clone()
        .run(diesel::sql_query(late).load(&mut conn))
        .await
        .expect("late rows");
    assert_eq!(rows.len(), 2_000);
    assert_eq!(statements.slow(), 1, "{}", log.text());

    // A statement without rows is timed to its end as well.
    origin
        .run(diesel::sql_query("SELECT pg_sleep(0.3)").execute(&mut conn))
        .await
        .expect("sleep");
    assert_eq!(statements.slow(), 2, "{}", log.text());

    let printed = log.text();
    let lines: Vec<&str> = printed
        .lines()
        .filter(|line| line.contains("slow SQL statement"))
        .collect();
    assert_eq!(lines.len(), 2, "{printed}");
    assert!(lines[0].contains("pg_sleep(0.4)"), "{}", lines[0]);
    assert!(lines[1].contains("SELECT pg_sleep(0.3)"), "{}", lines[1]);
    for line in lines {
        assert!(line.contains("WARN"), "{line}");
        assert!(
            line.contains("request_id=\"timed-to-the-last-row\""),
            "{line}"
        );
        assert!(line.contains("operation=\"Rows\""), "{line}");
        let took: u64 = line
            .split("duration_ms=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|ms| ms.parse().ok())
            .unwrap_or_else(|| panic!("no duration: {line}"));
        assert!(took >= 250, "{line}");
    }
}

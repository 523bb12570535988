//! `GET /health` checks the database for real and follows it going away and coming back.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use millennium::config::Secret;
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

/// A PostgreSQL of the test's own, to stop and to start again on the same port.
struct OwnPostgres {
    dir: std::path::PathBuf,
    /// With the port of the first start.
    options: EmbeddedOptions,
    url: Secret,
    running: Option<EmbeddedPostgres>,
}

impl OwnPostgres {
    async fn start(name: &str) -> Self {
        let programs = PgPrograms::discover(None).expect("PostgreSQL programs");
        let dir = std::env::temp_dir().join(unique_name(name));
        let mut options = EmbeddedOptions::persistent(dir.clone(), programs);
        let running = Self::run(options.clone()).await;
        options.port = Some(running.port());
        Self {
            dir,
            options,
            url: running.url("postgres"),
            running: Some(running),
        }
    }

    async fn run(options: EmbeddedOptions) -> EmbeddedPostgres {
        tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&options))
            .await
            .expect("join")
            .expect("start PostgreSQL")
    }

    async fn stop(&mut self) {
        let running = self.running.take().expect("running");
        tokio::task::spawn_blocking(move || running.stop())
            .await
            .expect("join")
            .expect("stop PostgreSQL");
    }

    /// Starts it again, on the port it had.
    async fn restart(&mut self) {
        self.running = Some(Self::run(self.options.clone()).await);
    }

    async fn remove(mut self) {
        if self.running.is_some() {
            self.stop().await;
        }
        std::fs::remove_dir_all(&self.dir).expect("remove the test cluster");
    }
}

/// Asks `ok` every 100 ms for up to 5 s; how long it took to say yes, if it did.
async fn within_five_seconds<F: Future<Output = bool>>(
    mut ok: impl FnMut() -> F,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        if ok().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_503_while_the_database_is_down_and_recovers_without_restart() {
    let mut postgres = OwnPostgres::start("millennium-health-pg").await;
    let app = TestApp::on_database("postgres".into(), &postgres.url, &[]).await;

    assert_eq!(app.send(health_request()).await.status, StatusCode::OK);

    postgres.stop().await;
    let down = tokio::time::timeout(Duration::from_secs(5), app.send(health_request()))
        .await
        .expect("/health must answer within 5 seconds while the database is down");
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.body["database"], "disconnected");

    postgres.restart().await;
    let healed =
        within_five_seconds(|| async { app.send(health_request()).await.status == StatusCode::OK })
            .await;
    assert!(
        healed.is_some(),
        "the pool did not heal after the database returned"
    );

    drop(app);
    postgres.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_load_with_the_database_down_requests_answer_503_and_service_returns_by_itself() {
    use crate::support::UserFactory;
    use crate::support::factories::DEFAULT_PASSWORD;

    let mut postgres = OwnPostgres::start("millennium-outage-pg").await;
    let endpoint = millennium::db::Endpoint::parse(&postgres.url).expect("endpoint");
    millennium::db::migrations::run_pending(&endpoint)
        .await
        .expect("migrate");
    let app = TestApp::on_database(
        "postgres".into(),
        &postgres.url,
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

    postgres.stop().await;
    // 200 requests at once against a database that is gone: each answers 503 with the code,
    // none waits past the acquire timeout.
    let started = Instant::now();
    let requests = (0..200).map(|_| async {
        let sent = Instant::now();
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

    postgres.restart().await;
    let back = within_five_seconds(|| async {
        app.gql(me).by(&session).send().await.status() == StatusCode::OK
    })
    .await
    .expect("full service returns within 5 s of the database, without a restart");
    eprintln!("service back {back:?} after the database");

    drop(app);
    postgres.remove().await;
}

/// A connection PostgreSQL ends under a running statement (a restart, a failover, an operator's
/// `pg_terminate_backend`) answers 503 SERVICE_UNAVAILABLE, not a fault; the next request is
/// served on a new connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_ended_under_a_statement_answers_service_unavailable() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(millennium::domain::Role::Admin).await;
    let unions = "{ unions(first: 5) { nodes { id } } }";
    app.gql(unions).by(&admin).send().await.data();

    // The list waits on a lock the test holds; its backend is then terminated.
    let holder = crate::support::db::holding_lock(
        &app.database,
        "LOCK TABLE unions IN ACCESS EXCLUSIVE MODE",
    )
    .await;
    let terminate = async {
        let started = Instant::now();
        loop {
            let ended = holder
                .query_one(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                      WHERE datname = current_database() AND wait_event_type = 'Lock'",
                    &[],
                )
                .await
                .expect("terminate")
                .get::<_, i64>(0);
            if ended > 0 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the request never waited"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        holder.batch_execute("ROLLBACK").await.expect("unlock");
    };
    let (answer, ()) = tokio::join!(app.gql(unions).by(&admin).send(), terminate);
    assert_eq!(
        answer.error_code(),
        "SERVICE_UNAVAILABLE",
        "{}",
        answer.body()
    );

    let again = app.gql(unions).by(&admin).send().await;
    assert!(again.errors().is_empty(), "{}", again.body());
}

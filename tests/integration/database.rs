//! The database plumbing: write transactions survive serialization conflicts, and an exhausted
//! pool answers SERVICE_UNAVAILABLE instead of failing obscurely.

use axum::http::StatusCode;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use millennium::db::{self, schema::counters};
use millennium::domain::Role;
use millennium::services::ServiceError;
use scoped_futures::ScopedFutureExt;

use crate::support::TestApp;

/// Read-then-write increments conflict under SERIALIZABLE; the helper must retry them all home.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_serializable_increments_are_retried_until_all_land() {
    let app = TestApp::spawn_with(&[("DB_POOL_SIZE", "12")]).await;
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let pool = app.state.db.clone();
            tokio::spawn(async move {
                db::write_transaction(&pool, |conn| {
                    async move {
                        let value: i64 = counters::table
                            .find("loan_number")
                            .select(counters::value)
                            .first(conn)
                            .await?;
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                        diesel::update(counters::table.find("loan_number"))
                            .set(counters::value.eq(value + 1))
                            .execute(conn)
                            .await?;
                        Ok::<_, ServiceError>(())
                    }
                    .scope_boxed()
                })
                .await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("join").expect("every increment commits");
    }
    let value: i64 = counters::table
        .find("loan_number")
        .select(counters::value)
        .first(&mut app.conn().await)
        .await
        .expect("counter");
    assert_eq!(value, 12, "an increment was lost or doubled");
}

#[tokio::test]
async fn an_exhausted_pool_answers_service_unavailable() {
    let app = TestApp::spawn_with(&[("DB_POOL_SIZE", "1"), ("DB_ACQUIRE_TIMEOUT_MS", "200")]).await;
    let session = app.login_as(Role::Admin).await;
    let held = app.conn().await;

    // The token cannot be confirmed without a connection: 503, not 401.
    let response = app.gql("{ me { id } }").by(&session).send().await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.error_code(), "SERVICE_UNAVAILABLE");

    // An anonymous operation reaches its resolver and reports the same code.
    let login = app.login(&session.user.email, "whatever1A").await;
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(login.error_code(), "SERVICE_UNAVAILABLE");

    drop(held);
    let response = app.gql("{ me { id } }").by(&session).send().await;
    assert!(response.data()["me"]["id"].is_string());
}

#[tokio::test]
async fn the_statement_timeout_is_applied_to_every_connection() {
    let app = TestApp::spawn_with(&[("DB_STATEMENT_TIMEOUT_MS", "100")]).await;
    let err = diesel::sql_query("SELECT pg_sleep(2)")
        .execute(&mut app.conn().await)
        .await
        .expect_err("the statement outlives its timeout");
    assert!(err.to_string().contains("statement timeout"), "{err}");
    assert!(matches!(
        ServiceError::from(err),
        ServiceError::Unavailable(_)
    ));
}

#[derive(QueryableByName)]
struct SearchPath {
    #[diesel(sql_type = diesel::sql_types::Text)]
    search_path: String,
}

/// `schema=` and `statement_cache_size=0` of the original system's URLs reach every pooled
/// connection: its search path is the schema, and statements run without being kept prepared.
#[tokio::test]
async fn a_urls_schema_and_statement_cache_reach_every_connection() {
    let server = crate::support::db::server();
    let database = server.create_database().await;
    let url = server.url(&database);
    let read = db::url::ConnectionUrl::parse(&format!(
        "{}?schema=ledger%20book&statement_cache_size=0&connection_limit=2",
        url.expose()
    ))
    .expect("a URL of the original system");
    let settings = db::PoolSettings {
        size: read.pool_size.expect("connection_limit"),
        acquire_timeout: std::time::Duration::from_secs(10),
        statement_timeout: std::time::Duration::from_secs(10),
        slow_statement: std::time::Duration::from_secs(10),
        schema: read.schema.clone(),
        statement_cache: !read.no_statement_cache,
        pooler: false,
    };
    let pool = db::build_pool(
        &db::Endpoint::new(&read.target()).expect("endpoint"),
        settings,
        &db::StatementCounter::default(),
    )
    .expect("pool");
    let mut conn = pool.get().await.expect("a connection");
    diesel::sql_query("CREATE SCHEMA \"ledger book\"")
        .execute(&mut conn)
        .await
        .expect("schema");
    diesel::sql_query("CREATE TABLE entries (n integer)")
        .execute(&mut conn)
        .await
        .expect("a table in the search path's schema");
    for _ in 0..3 {
        let shown: SearchPath = diesel::sql_query("SHOW search_path")
            .get_result(&mut conn)
            .await
            .expect("search_path");
        assert_eq!(shown.search_path, "\"ledger book\"");
    }
    #[derive(QueryableByName)]
    struct Placed {
        #[diesel(sql_type = diesel::sql_types::Text)]
        schema: String,
    }
    let placed: Placed = diesel::sql_query(
        "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'entries'",
    )
    .get_result(&mut conn)
    .await
    .expect("the table");
    assert_eq!(placed.schema, "ledger book");

    // A query diesel would keep prepared leaves no prepared statement behind.
    for _ in 0..2 {
        let one: i32 = diesel::select(1_i32.into_sql::<diesel::sql_types::Integer>())
            .get_result(&mut conn)
            .await
            .expect("select");
        assert_eq!(one, 1);
    }
    let kept: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM pg_prepared_statements WHERE statement NOT LIKE '%pg_prepared_statements%')",
    ))
    .get_result(&mut conn)
    .await
    .expect("prepared statements");
    assert_eq!(kept, 0);
}

//! Reading what the service wrote, for assertions: audit rows, the login history, counts and
//! the database's own activity.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use millennium::db::audit_logs::AuditLog;
use millennium::db::schema::{audit_logs, user_login_history};

use super::TestApp;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The number a query answers in a column `n`, as `SELECT count(*) AS n FROM …`.
pub async fn count(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(&mut app.conn().await)
        .await
        .expect("count")
        .n
}

/// Waits until no other connection is busy in the app's database: a killed client's backend
/// has rolled back and gone.
pub async fn wait_for_quiet_database(app: &TestApp) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let busy = "SELECT count(*) AS n FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()
                   AND state <> 'idle'";
    while count(app, busy).await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "a killed client's session lingers"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The actions of the audit log, oldest first.
pub async fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_logs::table
        .select(audit_logs::action)
        .order((audit_logs::created_at.asc(), audit_logs::id.asc()))
        .load(&mut app.conn().await)
        .await
        .expect("audit rows")
}

/// How many rows the audit log holds.
pub async fn audit_count(app: &TestApp) -> i64 {
    audit_logs::table
        .count()
        .get_result(&mut app.conn().await)
        .await
        .expect("audit count")
}

/// Every audit row, oldest first.
pub async fn audit_rows(app: &TestApp) -> Vec<AuditLog> {
    audit_logs::table
        .select(AuditLog::as_select())
        .order((audit_logs::created_at.asc(), audit_logs::id.asc()))
        .load(&mut app.conn().await)
        .await
        .expect("audit rows")
}

/// The audit rows written for the request with this `x-request-id`, oldest first.
pub async fn audit_rows_of_request(app: &TestApp, request_id: &str) -> Vec<AuditLog> {
    audit_logs::table
        .filter(audit_logs::request_id.eq(request_id))
        .select(AuditLog::as_select())
        .order((audit_logs::created_at.asc(), audit_logs::id.asc()))
        .load(&mut app.conn().await)
        .await
        .expect("audit rows")
}

/// One row of the login history.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Attempt {
    pub success: bool,
    pub failure_reason: Option<String>,
    pub user_id: Option<uuid::Uuid>,
}

/// The login history of `email` (as stored), oldest first.
pub async fn login_history(app: &TestApp, email: &str) -> Vec<Attempt> {
    user_login_history::table
        .filter(user_login_history::email_tried.eq(email))
        .select((
            user_login_history::success,
            user_login_history::failure_reason,
            user_login_history::user_id,
        ))
        .order((
            user_login_history::login_at.asc(),
            user_login_history::id.asc(),
        ))
        .load(&mut app.conn().await)
        .await
        .expect("history rows")
}

/// How many attempts of `email` ended with `reason` (`None`: successes).
pub async fn attempts_with(app: &TestApp, email: &str, reason: Option<&str>) -> usize {
    login_history(app, email)
        .await
        .iter()
        .filter(|attempt| attempt.failure_reason.as_deref() == reason)
        .count()
}

//! The daily retention job: sessions ended 30 days ago, login attempts and audit rows past their
//! configured periods are deleted, once a day across instances, and counted in `/metrics`.

use diesel_async::RunQueryDsl;
use millennium::jobs::{self, RetentionRun};

use crate::support::records::count;
use crate::support::{TestApp, UserFactory};

/// Rows of every kind, some past their period and some not; the ones that differ by setting
/// are at 400 days (login attempts) and 1,000 days (audit rows).
async fn history(app: &TestApp) {
    let user = UserFactory::new().insert(app).await;
    let mut conn = app.conn().await;
    let sessions = [
        // Expired 40 days ago: deleted.
        (
            "now() - interval '70 days'",
            "now() - interval '40 days'",
            "NULL",
        ),
        // Revoked 31 days ago: deleted.
        (
            "now() - interval '35 days'",
            "now() + interval '5 days'",
            "now() - interval '31 days'",
        ),
        // Revoked 5 days ago: kept.
        (
            "now() - interval '6 days'",
            "now() + interval '20 days'",
            "now() - interval '5 days'",
        ),
        // Live: kept.
        ("now()", "now() + interval '30 days'", "NULL"),
    ];
    for (created, expires, revoked) in sessions {
        diesel::sql_query(format!(
            "INSERT INTO staff_sessions (user_id, family_id, refresh_token_hash, created_at, \
             last_used_at, expires_at, revoked_at) VALUES ('{}', gen_random_uuid(), \
             md5(random()::text), {created}, {created}, {expires}, {revoked})",
            user.id
        ))
        .execute(&mut conn)
        .await
        .expect("a session");
    }
    for age in [400, 10] {
        diesel::sql_query(format!(
            "INSERT INTO user_login_history (user_id, email_tried, login_at, success) \
             VALUES ('{}', 'x@example.org', now() - interval '{age} days', true)",
            user.id
        ))
        .execute(&mut conn)
        .await
        .expect("a login attempt");
    }
    for age in [1000, 10] {
        diesel::sql_query(format!(
            "INSERT INTO audit_logs (action, entity_name, created_at) \
             VALUES ('UPDATE', 'loans', now() - interval '{age} days')"
        ))
        .execute(&mut conn)
        .await
        .expect("an audit row");
    }
}

async fn rows(app: &TestApp, table: &str) -> i64 {
    count(app, &format!("SELECT count(*) AS n FROM {table}")).await
}

#[tokio::test]
async fn the_daily_retention_job_deletes_what_is_past_its_period_once_a_day() {
    let app = TestApp::spawn().await;
    history(&app).await;
    let (sessions, logins, audit) = (
        rows(&app, "staff_sessions").await,
        rows(&app, "user_login_history").await,
        rows(&app, "audit_logs").await,
    );

    let run = jobs::run_retention_once(&app.state, "one")
        .await
        .expect("the job")
        .expect("this instance runs it");
    assert_eq!(
        run,
        RetentionRun {
            sessions: 2,
            login_history: 1,
            audit_logs: 0,
        },
        "by default the audit trail is kept forever"
    );
    assert_eq!(rows(&app, "staff_sessions").await, sessions - 2);
    assert_eq!(rows(&app, "user_login_history").await, logins - 1);
    assert_eq!(rows(&app, "audit_logs").await, audit);
    assert_eq!(
        jobs::run_retention_once(&app.state, "two")
            .await
            .expect("the job"),
        None,
        "the day is done, on every instance"
    );
    let scrape = app.state.metrics.render(app.state.db.status().into());
    for line in [
        r#"millennium_retention_deleted_rows_total{table="staff_sessions"} 2"#,
        r#"millennium_retention_deleted_rows_total{table="user_login_history"} 1"#,
        r#"millennium_job_runs_total{job="retention",outcome="ran"} 1"#,
        r#"millennium_job_runs_total{job="retention",outcome="not_ours"} 1"#,
    ] {
        assert!(scrape.contains(line), "{line} in {scrape}");
    }
}

#[tokio::test]
async fn the_periods_are_configurable_and_zero_keeps_everything() {
    let app = TestApp::spawn_with(&[
        ("RETAIN_AUDIT_DAYS", "90"),
        ("RETAIN_LOGIN_HISTORY_DAYS", "0"),
    ])
    .await;
    history(&app).await;
    let run = jobs::run_retention_once(&app.state, "one")
        .await
        .expect("the job")
        .expect("this instance runs it");
    assert_eq!(
        run,
        RetentionRun {
            sessions: 2,
            login_history: 0,
            audit_logs: 1,
        }
    );
}

//! Two instances of the service on one database, as behind a load balancer: each with its own
//! pool, loaders and rate limiters, sharing only PostgreSQL.

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use millennium::clock::Clock;
use millennium::db;
use millennium::domain::Role;
use millennium::jobs::{self, Outcome};

use crate::penalties::{loan_with_penalties, set_graces};
use crate::support::db::{holding_lock, server};
use crate::support::factories::{DEFAULT_PASSWORD, UserFactory};
use crate::support::money::assert_invariants;
use crate::support::process::{Running, free_port, millennium};
use crate::support::records::{count, wait_for_quiet_database};
use crate::support::{Org, TestApp};

/// A second instance on `first`'s database.
async fn beside(first: &TestApp) -> TestApp {
    let url = server().url(&first.database);
    TestApp::on_database(first.database.clone(), &url, &[]).await
}

#[tokio::test]
async fn a_session_opened_on_one_instance_works_refreshes_and_ends_on_the_other() {
    let one = TestApp::spawn().await;
    let two = beside(&one).await;
    let officer = UserFactory::new().insert(&one).await;

    let session = one.login_user(officer, DEFAULT_PASSWORD).await;
    let me = two.gql("{ me { email } }").by(&session).send().await;
    assert_eq!(me.data()["me"]["email"], session.user.email.as_str());

    // Refreshed on the second: the first takes the new pair.
    let refreshed = two.refresh(&session.refresh_token).await;
    let pair = refreshed.data()["refreshSession"].clone();
    let access = pair["accessToken"].as_str().expect("access token");
    let refresh = pair["refreshToken"].as_str().expect("refresh token");
    let me = one.gql("{ me { email } }").token(access).send().await;
    assert_eq!(me.data()["me"]["email"], session.user.email.as_str());

    // Logged out on the first: the second refuses both tokens at once.
    let logout = one.gql("mutation { logout }").token(access).send().await;
    assert_eq!(logout.data()["logout"], true);
    let after = two.gql("{ me { email } }").token(access).send().await;
    assert_eq!(after.error_code(), "UNAUTHENTICATED", "{}", after.body());
    let after = two.refresh(refresh).await;
    assert_eq!(after.error_code(), "UNAUTHENTICATED", "{}", after.body());

    // A rotated refresh token used again on the other instance ends the session everywhere.
    let session = two.login_user(session.user, DEFAULT_PASSWORD).await;
    let refreshed = one.refresh(&session.refresh_token).await;
    let access = refreshed.data()["refreshSession"]["accessToken"]
        .as_str()
        .expect("access token")
        .to_owned();
    let reused = two.refresh(&session.refresh_token).await;
    assert_eq!(reused.error_code(), "UNAUTHENTICATED", "{}", reused.body());
    let after = one.gql("{ me { email } }").token(&access).send().await;
    assert_eq!(after.error_code(), "UNAUTHENTICATED", "{}", after.body());
}

#[tokio::test]
async fn a_deactivated_account_is_refused_by_every_instance() {
    let one = TestApp::spawn().await;
    let two = beside(&one).await;
    let admin = one.login_as(Role::Admin).await;
    let officer = UserFactory::new().insert(&one).await;
    let session = one.login_user(officer.clone(), DEFAULT_PASSWORD).await;
    two.gql("mutation($id: ID!) { setUserActive(id: $id, active: false) { id isActive } }")
        .var("id", officer.id.to_string())
        .by(&admin)
        .send()
        .await
        .data();
    let me = one.gql("{ me { email } }").by(&session).send().await;
    assert_eq!(me.error_code(), "UNAUTHENTICATED", "{}", me.body());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_racing_for_the_daily_jobs_run_each_once() {
    let one = TestApp::spawn().await;
    let two = beside(&one).await;
    // Both clocks say the same day; the first round runs each job once, later rounds none.
    for round in 0..3 {
        let (a, b) = tokio::join!(
            jobs::run_penalties_once(&one.state, "one"),
            jobs::run_penalties_once(&two.state, "two"),
        );
        let outcomes = [a.expect("job"), b.expect("job")];
        let ran = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Outcome::Ran(_)))
            .count();
        assert_eq!(ran, usize::from(round == 0), "round {round}: {outcomes:?}");
        let (a, b) = tokio::join!(
            jobs::run_cleanup_once(&one.state, "one"),
            jobs::run_cleanup_once(&two.state, "two"),
        );
        let swept = [a.expect("job").is_some(), b.expect("job").is_some()];
        let swept = swept.iter().filter(|swept| **swept).count();
        assert_eq!(swept, usize::from(round == 0), "round {round}");
    }
}

/// A real server process takes the day's penalty job and is killed with SIGKILL while posting
/// the charges (held up by a lock the test keeps on `loan_charges`): it leaves nothing half
/// done, its lease keeps other instances away until it runs out, and then another instance
/// posts the day's penalties exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_mid_job_leaves_nothing_and_another_completes_the_day() {
    let app = TestApp::spawn().await;
    // The process runs on the real clock: the loan was made twenty days ago, so that its ten
    // days ended ten days ago and today's job owes it penalties.
    app.clock.set(Utc::now() - TimeDelta::days(20));
    let org = Org::new(&app).await;
    set_graces(&app, &org, 0, 365).await;
    let (_loan, end) = loan_with_penalties(&app, &org).await;
    app.clock.set(Utc::now());
    let today = app.clock.now().date_naive();
    let lease = jobs::penalty_lease(today);

    // Nothing may be added to loan_charges while this transaction lasts.
    let blocker = holding_lock(&app.database, "LOCK TABLE loan_charges IN SHARE MODE").await;
    let url = server().url(&app.database);

    let data_dir = tempfile::tempdir().expect("data dir");
    let port = free_port().to_string();
    let mut command = millennium(&[
        ("DATABASE_URL", url.expose()),
        ("DATA_DIR", &data_dir.path().display().to_string()),
        ("JWT_SECRET", crate::support::app::JWT_SECRET),
        ("PORT", &port),
    ]);
    command.arg("serve");
    let mut process = Running::start(command);
    let pid = process.child.id();

    // Its scheduler runs at start: it takes today's lease and waits on the lock, mid-job.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mid_job = format!(
        "SELECT count(*) AS n FROM job_leases WHERE name = '{lease}' AND completed_at IS NULL
           AND holder LIKE '%:{pid}:%'
           AND EXISTS (SELECT 1 FROM pg_stat_activity
                       WHERE datname = current_database() AND wait_event_type = 'Lock')"
    );
    while count(&app, &mid_job).await == 0 {
        process.drain();
        assert!(
            Instant::now() < deadline,
            "the process never took the lease and waited on the lock:\n{}",
            process.seen.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    process.kill_now();
    blocker.batch_execute("ROLLBACK").await.expect("unlock");

    // Its backend finds the client gone and rolls back: no charge was posted.
    wait_for_quiet_database(&app).await;
    let charges = "SELECT count(*) AS n FROM loan_charges WHERE kind = 'PENALTY'";
    assert_eq!(count(&app, charges).await, 0, "the killed job left charges");

    // Its lease still holds: another instance leaves the day alone.
    assert_eq!(
        jobs::run_penalties_once(&app.state, "two")
            .await
            .expect("job"),
        Outcome::NotOurs
    );
    // A quarter of an hour later the lease has run out (the penalty tests move the clock past
    // an expiry; here the row is aged, as the real clock will not wait): the other instance
    // posts the day's penalties, once.
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE job_leases SET expires_at = now() - interval '1 second' WHERE name = '{lease}'"
        )),
        &mut *app.conn().await,
    )
    .await
    .expect("age the lease");
    let Outcome::Ran(run) = jobs::run_penalties_once(&app.state, "two")
        .await
        .expect("job")
    else {
        panic!("the lease ran out: another instance runs the job")
    };
    let owed = (today - end).num_days();
    assert!(owed >= 9, "ten days past the end: {owed}");
    assert_eq!(i64::try_from(run.charges_posted).expect("count"), owed);
    assert_eq!(count(&app, charges).await, owed);
    assert!(
        db::job_leases::is_completed(&mut *app.conn().await, &lease)
            .await
            .expect("lease")
    );
    assert_eq!(
        jobs::run_penalties_once(&app.state, "three")
            .await
            .expect("job"),
        Outcome::NotOurs,
        "the day is done"
    );
    assert_invariants(&app).await;
}

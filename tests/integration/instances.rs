//! Two instances of the service on one database, as behind a load balancer: each with its own
//! pool, loaders and rate limiters, sharing only PostgreSQL.

use millennium::domain::Role;
use millennium::jobs::{self, Outcome};

use crate::support::TestApp;
use crate::support::factories::{DEFAULT_PASSWORD, UserFactory};

/// A second instance on `first`'s database.
async fn beside(first: &TestApp) -> TestApp {
    let url = crate::support::db::server().url(&first.database);
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

//! The first administrator of an empty database.

use millennium::domain::Role;
use millennium::services::staff::{self, Bootstrap};

use crate::support::{TestApp, UserFactory};

#[tokio::test]
async fn admin_email_and_password_create_the_first_admin_once() {
    let app = TestApp::spawn_with(&[
        ("ADMIN_EMAIL", "Founder@Example.org"),
        ("ADMIN_PASSWORD", "Genesis2026"),
    ])
    .await;
    let outcome = staff::bootstrap_first_admin(&app.state)
        .await
        .expect("bootstrap");
    assert!(
        matches!(outcome, Bootstrap::Created { ref email } if email == "founder@example.org"),
        "{outcome:?}"
    );
    let login = app.login("founder@example.org", "Genesis2026").await;
    assert_eq!(login.data()["login"]["user"]["role"], "ADMIN");

    let again = staff::bootstrap_first_admin(&app.state)
        .await
        .expect("bootstrap");
    assert!(matches!(again, Bootstrap::HasStaff), "{again:?}");
}

#[tokio::test]
async fn development_without_settings_generates_a_login_once() {
    let app = TestApp::spawn().await;
    let Bootstrap::Generated { email, password } = staff::bootstrap_first_admin(&app.state)
        .await
        .expect("bootstrap")
    else {
        panic!("expected a generated administrator");
    };
    assert_eq!(email, staff::DEVELOPMENT_ADMIN_EMAIL);
    let login = app.login(&email, password.expose()).await;
    assert_eq!(login.data()["login"]["user"]["role"], "ADMIN");
    assert!(matches!(
        staff::bootstrap_first_admin(&app.state)
            .await
            .expect("bootstrap"),
        Bootstrap::HasStaff
    ));
}

#[tokio::test]
async fn nothing_is_generated_when_staff_exist_or_in_production() {
    let app = TestApp::spawn().await;
    UserFactory::new().role(Role::Supervisor).insert(&app).await;
    assert!(matches!(
        staff::bootstrap_first_admin(&app.state)
            .await
            .expect("bootstrap"),
        Bootstrap::HasStaff
    ));

    let production = TestApp::spawn_with(&[
        ("APP_ENV", "production"),
        ("DATABASE_URL", "postgres://unused/db"),
    ])
    .await;
    assert!(matches!(
        staff::bootstrap_first_admin(&production.state)
            .await
            .expect("bootstrap"),
        Bootstrap::NoAdmin
    ));
}

#[tokio::test]
async fn a_weak_bootstrap_password_is_refused_and_nothing_is_created() {
    let app = TestApp::spawn_with(&[
        ("ADMIN_EMAIL", "founder@example.org"),
        ("ADMIN_PASSWORD", "weak"),
    ])
    .await;
    let err = staff::bootstrap_first_admin(&app.state)
        .await
        .expect_err("weak password");
    assert!(err.to_string().contains("at least 8 characters"), "{err}");
    assert_eq!(
        app.login("founder@example.org", "weak").await.error_code(),
        "UNAUTHENTICATED"
    );
}

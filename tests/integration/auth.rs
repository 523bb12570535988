//! Authentication through the API: login, lockout, refresh rotation and reuse, logout, the
//! session limit, password change, and what a bearer token must be to be accepted.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use millennium::clock::Clock;
use millennium::db::schema::users;
use millennium::domain::Role;
use serde_json::json;

use crate::support::factories::DEFAULT_PASSWORD;
use crate::support::records::{self, audit_actions};
use crate::support::{TestApp, UserFactory};

const ME: &str = "{ me { id email role fullName isActive } }";

/// The history of `email` as (success, failure reason, user id).
async fn login_history(
    app: &TestApp,
    email: &str,
) -> Vec<(bool, Option<String>, Option<uuid::Uuid>)> {
    records::login_history(app, email)
        .await
        .into_iter()
        .map(|attempt| (attempt.success, attempt.failure_reason, attempt.user_id))
        .collect()
}

#[tokio::test]
async fn login_returns_a_session_and_me_answers_with_its_token() {
    let app = TestApp::spawn().await;
    let user = UserFactory::new()
        .role(Role::Supervisor)
        .email("Grace.Eze@Example.org")
        .insert(&app)
        .await;
    assert_eq!(user.email, "grace.eze@example.org");

    // The email is matched case-insensitively and trimmed.
    let response = app
        .login("  GRACE.EZE@example.org ", DEFAULT_PASSWORD)
        .await;
    let payload = &response.data()["login"];
    assert_eq!(payload["user"]["email"], "grace.eze@example.org");
    assert_eq!(payload["user"]["role"], "SUPERVISOR");
    let access = payload["accessToken"].as_str().expect("access token");
    assert_eq!(access.split('.').count(), 3);
    let expires = chrono::DateTime::parse_from_rfc3339(
        payload["accessTokenExpiresAt"].as_str().expect("expiry"),
    )
    .expect("RFC 3339");
    let lifetime = expires.with_timezone(&Utc) - app.clock.now();
    assert!(
        lifetime <= TimeDelta::minutes(15) && lifetime > TimeDelta::minutes(14),
        "{lifetime}"
    );

    let me = app.gql(ME).token(access).send().await;
    assert_eq!(me.data()["me"]["email"], "grace.eze@example.org");
    assert_eq!(me.data()["me"]["fullName"], "Ada Okafor");

    assert_eq!(
        login_history(&app, "grace.eze@example.org").await,
        vec![(true, None, Some(user.id.0))]
    );
    assert_eq!(audit_actions(&app).await, vec!["LOGIN"]);
    let (count, last_login): (i32, Option<chrono::DateTime<Utc>>) = users::table
        .find(user.id)
        .select((users::login_count, users::last_login_at))
        .first(&mut app.conn().await)
        .await
        .expect("user");
    assert_eq!(count, 1);
    assert!(last_login.is_some());
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let user = UserFactory::new().insert(&app).await;

    let wrong_password = app.login(&user.email, "Wrong-Password1").await;
    let unknown_email = app.login("nobody@example.org", "Wrong-Password1").await;
    assert_eq!(wrong_password.error_code(), "UNAUTHENTICATED");
    assert_eq!(wrong_password.errors(), unknown_email.errors());
    assert_eq!(wrong_password.error_message(), "Invalid email or password.");

    assert_eq!(
        login_history(&app, &user.email).await,
        vec![(false, Some("WRONG_PASSWORD".into()), Some(user.id.0))]
    );
    assert_eq!(
        login_history(&app, "nobody@example.org").await,
        vec![(false, Some("UNKNOWN_EMAIL".into()), None)]
    );
    assert!(
        audit_actions(&app).await.is_empty(),
        "a single failure is not a lockout"
    );
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_until_the_lock_ends() {
    let app = TestApp::spawn().await;
    let user = UserFactory::new().insert(&app).await;

    for attempt in 1..=4 {
        let response = app.login(&user.email, "Wrong-Password1").await;
        assert_eq!(
            response.error_code(),
            "UNAUTHENTICATED",
            "attempt {attempt}"
        );
        assert!(
            response.errors()[0]["extensions"]["reason"].is_null(),
            "attempt {attempt}"
        );
        app.clock.advance(TimeDelta::minutes(1));
    }
    let fifth = app.login(&user.email, "Wrong-Password1").await;
    assert_eq!(fifth.error_code(), "UNAUTHENTICATED");
    assert_eq!(fifth.errors()[0]["extensions"]["reason"], "ACCOUNT_LOCKED");

    // The right password is refused while the lock lasts.
    app.clock.advance(TimeDelta::minutes(14));
    let locked = app.login(&user.email, DEFAULT_PASSWORD).await;
    assert_eq!(locked.errors()[0]["extensions"]["reason"], "ACCOUNT_LOCKED");
    let locked_until: Option<chrono::DateTime<Utc>> = users::table
        .find(user.id)
        .select(users::locked_until)
        .first(&mut app.conn().await)
        .await
        .expect("user");
    assert!(locked_until.is_some_and(|until| until > app.clock.now()));
    assert_eq!(audit_actions(&app).await, vec!["ACCOUNT_LOCKED"]);

    app.clock.advance(TimeDelta::minutes(2));
    let response = app.login(&user.email, DEFAULT_PASSWORD).await;
    assert_eq!(
        response.data()["login"]["user"]["email"],
        user.email.as_str()
    );
    let reasons: Vec<Option<String>> = login_history(&app, &user.email)
        .await
        .into_iter()
        .map(|row| row.1)
        .collect();
    assert_eq!(
        reasons
            .iter()
            .filter(|r| r.as_deref() == Some("WRONG_PASSWORD"))
            .count(),
        5
    );
    assert_eq!(
        reasons
            .iter()
            .filter(|r| r.as_deref() == Some("LOCKED"))
            .count(),
        1
    );
    assert_eq!(reasons.last(), Some(&None));
}

#[tokio::test]
async fn an_unknown_email_locks_in_the_same_way() {
    let app = TestApp::spawn().await;
    let mut last = None;
    for _ in 0..5 {
        last = Some(app.login("ghost@example.org", "Wrong-Password1").await);
    }
    let ghost_locked = last.expect("five attempts");
    assert_eq!(
        ghost_locked.errors()[0]["extensions"]["reason"],
        "ACCOUNT_LOCKED"
    );
    let known = UserFactory::new().insert(&app).await;
    let mut last = None;
    for _ in 0..5 {
        last = Some(app.login(&known.email, "Wrong-Password1").await);
    }
    let known_locked = last.expect("five attempts");
    let mut ghost = app
        .login("ghost@example.org", "Wrong-Password1")
        .await
        .errors()[0]
        .clone();
    let mut real = known_locked.errors()[0].clone();
    ghost["extensions"]["lockedUntil"] = json!(null);
    real["extensions"]["lockedUntil"] = json!(null);
    assert_eq!(ghost, real);
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_refresh_token_revokes_the_family() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::CreditOfficer).await;

    let first = app.refresh(&session.refresh_token).await;
    let rotated = &first.data()["refreshSession"];
    let newer_refresh = rotated["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    let newer_access = rotated["accessToken"]
        .as_str()
        .expect("access token")
        .to_owned();
    assert_ne!(newer_refresh, session.refresh_token);
    assert_eq!(
        app.gql(ME).token(&newer_access).send().await.data()["me"]["id"],
        session.user.id.to_string()
    );

    // The old refresh token is used a second time: both it and the newer one stop working.
    let reuse = app.refresh(&session.refresh_token).await;
    assert_eq!(reuse.error_code(), "UNAUTHENTICATED");
    let newer = app.refresh(&newer_refresh).await;
    assert_eq!(newer.error_code(), "UNAUTHENTICATED");
    assert_eq!(
        app.gql(ME).token(&newer_access).send().await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.gql(ME).by(&session).send().await.status(),
        StatusCode::UNAUTHORIZED
    );

    let actions = audit_actions(&app).await;
    assert_eq!(
        actions,
        vec!["LOGIN", "SESSION_REFRESHED", "REFRESH_TOKEN_REUSED"]
    );
}

#[tokio::test]
async fn an_unknown_refresh_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.refresh("not-a-token").await.error_code(),
        "UNAUTHENTICATED"
    );
}

fn with_bearer(query: &str, authorization: &str) -> Request<Body> {
    Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, authorization)
        .body(Body::from(json!({ "query": query }).to_string()))
        .expect("request")
}

#[tokio::test]
async fn tampered_unsigned_and_foreign_tokens_get_http_401() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::Admin).await;
    assert_eq!(
        app.gql(ME).by(&session).send().await.status(),
        StatusCode::OK
    );

    let parts: Vec<&str> = session.access_token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("payload"))
            .expect("claims");

    // Tampered: another subject, the original signature.
    claims["sub"] = json!(uuid::Uuid::new_v4());
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    // Unsigned: `alg: none`.
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{none_header}.{}.", parts[1]);
    // Signed with another key.
    let foreign = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &serde_json::from_slice::<serde_json::Value>(
            &URL_SAFE_NO_PAD.decode(parts[1]).expect("payload"),
        )
        .expect("claims"),
        &jsonwebtoken::EncodingKey::from_secret(b"some-other-secret-some-other-secret!"),
    )
    .expect("encode");

    for (what, authorization) in [
        ("tampered", format!("Bearer {tampered}")),
        ("alg none", format!("Bearer {unsigned}")),
        ("foreign key", format!("Bearer {foreign}")),
        ("garbage", "Bearer garbage".to_owned()),
        ("not bearer", format!("Token {}", session.access_token)),
    ] {
        let response = app.send(with_bearer(ME, &authorization)).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(
            response.body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{what}"
        );
        assert!(
            response.headers.contains_key(header::WWW_AUTHENTICATE),
            "{what}"
        );
    }
}

#[tokio::test]
async fn an_expired_access_token_gets_401_but_the_session_can_be_refreshed() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::CreditOfficer).await;
    app.clock.advance(TimeDelta::minutes(16));
    assert_eq!(
        app.gql(ME).by(&session).send().await.status(),
        StatusCode::UNAUTHORIZED
    );

    let refreshed = app.refresh(&session.refresh_token).await;
    let access = refreshed.data()["refreshSession"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(
        app.gql(ME).token(&access).send().await.status(),
        StatusCode::OK
    );

    app.clock.advance(TimeDelta::days(31));
    let late = refreshed.data()["refreshSession"]["refreshToken"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(app.refresh(&late).await.error_code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn session_mutations_ignore_a_stale_bearer_token() {
    let app = TestApp::spawn().await;
    let user = UserFactory::new().insert(&app).await;
    let response = app
        .gql("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { refreshToken } }")
        .var("e", user.email.as_str())
        .var("p", DEFAULT_PASSWORD)
        .token("expired.or.garbage")
        .send()
        .await;
    assert!(response.data()["login"]["refreshToken"].is_string());
}

#[tokio::test]
async fn logout_ends_the_session_and_its_refresh_token() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::Supervisor).await;
    let response = app.gql("mutation { logout }").by(&session).send().await;
    assert_eq!(response.data()["logout"], true);
    assert_eq!(
        app.gql(ME).by(&session).send().await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.refresh(&session.refresh_token).await.error_code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(audit_actions(&app).await, vec!["LOGIN", "LOGOUT"]);
}

#[tokio::test]
async fn a_fourth_login_revokes_the_oldest_session() {
    let app = TestApp::spawn().await;
    let user = UserFactory::new().insert(&app).await;
    let mut sessions = Vec::new();
    for _ in 0..4 {
        sessions.push(app.login_user(user.clone(), DEFAULT_PASSWORD).await);
        app.clock.advance(TimeDelta::seconds(10));
    }
    assert_eq!(
        app.gql(ME).by(&sessions[0]).send().await.status(),
        StatusCode::UNAUTHORIZED
    );
    for session in &sessions[1..] {
        assert_eq!(
            app.gql(ME).by(session).send().await.status(),
            StatusCode::OK
        );
    }
    let listed = app
        .gql("{ mySessions { id current createdAt lastUsedAt expiresAt } }")
        .by(&sessions[3])
        .send()
        .await;
    let listed = listed.data()["mySessions"]
        .as_array()
        .expect("list")
        .clone();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed.iter().filter(|s| s["current"] == true).count(), 1);
    assert_eq!(
        listed[2]["current"], true,
        "oldest first, the current one last"
    );
}

#[tokio::test]
async fn logging_out_other_sessions_and_revoking_one() {
    let app = TestApp::spawn().await;
    let user = UserFactory::new().insert(&app).await;
    let a = app.login_user(user.clone(), DEFAULT_PASSWORD).await;
    let b = app.login_user(user.clone(), DEFAULT_PASSWORD).await;
    let c = app.login_user(user.clone(), DEFAULT_PASSWORD).await;

    let ended = app
        .gql("mutation { logoutOtherSessions }")
        .by(&c)
        .send()
        .await;
    assert_eq!(ended.data()["logoutOtherSessions"], 2);
    assert_eq!(
        app.gql(ME).by(&a).send().await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.gql(ME).by(&b).send().await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.gql(ME).by(&c).send().await.status(), StatusCode::OK);

    let d = app.login_user(user.clone(), DEFAULT_PASSWORD).await;
    let listed = app.gql("{ mySessions { id current } }").by(&c).send().await;
    let other = listed.data()["mySessions"]
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["current"] == false)
        .expect("the other session")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let revoke = "mutation($id: ID!) { revokeSession(id: $id) }";
    let revoked = app
        .gql(revoke)
        .var("id", other.as_str())
        .by(&c)
        .send()
        .await;
    assert_eq!(revoked.data()["revokeSession"], true);
    assert_eq!(
        app.gql(ME).by(&d).send().await.status(),
        StatusCode::UNAUTHORIZED
    );

    let again = app
        .gql(revoke)
        .var("id", other.as_str())
        .by(&c)
        .send()
        .await;
    assert_eq!(again.error_code(), "NOT_FOUND");
    let malformed = app.gql(revoke).var("id", "not-an-id").by(&c).send().await;
    assert_eq!(malformed.error_code(), "BAD_USER_INPUT");
    assert_eq!(malformed.error_field().as_deref(), Some("id"));

    // Someone else's session is not found either.
    let stranger = app.login_as(Role::Admin).await;
    let listed = app.gql("{ mySessions { id } }").by(&stranger).send().await;
    let stranger_session = listed.data()["mySessions"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let foreign = app
        .gql(revoke)
        .var("id", stranger_session.as_str())
        .by(&c)
        .send()
        .await;
    assert_eq!(foreign.error_code(), "NOT_FOUND");
    assert_eq!(
        app.gql(ME).by(&stranger).send().await.status(),
        StatusCode::OK
    );
}

const CHANGE_PASSWORD: &str = "mutation($current: String!, $new: String!) { changePassword(currentPassword: $current, newPassword: $new) }";

#[tokio::test]
async fn changing_the_password_checks_both_and_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    let user = UserFactory::new().insert(&app).await;
    let other = app.login_user(user.clone(), DEFAULT_PASSWORD).await;
    let current = app.login_user(user.clone(), DEFAULT_PASSWORD).await;

    let wrong = app
        .gql(CHANGE_PASSWORD)
        .var("current", "Nope12345")
        .var("new", "Better2027")
        .by(&current)
        .send()
        .await;
    assert_eq!(wrong.error_code(), "BAD_USER_INPUT");
    assert_eq!(wrong.error_field().as_deref(), Some("currentPassword"));

    let weak = app
        .gql(CHANGE_PASSWORD)
        .var("current", DEFAULT_PASSWORD)
        .var("new", "short")
        .by(&current)
        .send()
        .await;
    assert_eq!(weak.error_code(), "BAD_USER_INPUT");
    assert_eq!(weak.error_field().as_deref(), Some("newPassword"));
    assert_eq!(
        app.gql(ME).by(&other).send().await.status(),
        StatusCode::OK,
        "nothing changed"
    );

    let changed = app
        .gql(CHANGE_PASSWORD)
        .var("current", DEFAULT_PASSWORD)
        .var("new", "Better2027")
        .by(&current)
        .send()
        .await;
    assert_eq!(changed.data()["changePassword"], true);
    assert_eq!(
        app.gql(ME).by(&other).send().await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.gql(ME).by(&current).send().await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.login(&user.email, DEFAULT_PASSWORD).await.error_code(),
        "UNAUTHENTICATED"
    );
    assert!(app.login(&user.email, "Better2027").await.data()["login"]["accessToken"].is_string());
    assert!(
        audit_actions(&app)
            .await
            .contains(&"PASSWORD_CHANGED".to_owned())
    );
}

#[tokio::test]
async fn a_deactivated_account_loses_its_sessions_and_cannot_log_in() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::CreditOfficer).await;
    diesel::update(users::table.find(session.user.id))
        .set(users::is_active.eq(false))
        .execute(&mut app.conn().await)
        .await
        .expect("deactivate");
    // Confirmed on the very next request, without logging in again.
    assert_eq!(
        app.gql(ME).by(&session).send().await.status(),
        StatusCode::UNAUTHORIZED
    );
    let login = app.login(&session.user.email, DEFAULT_PASSWORD).await;
    assert_eq!(login.error_code(), "UNAUTHENTICATED");
    assert!(login.error_message().contains("deactivated"));
    assert_eq!(
        app.refresh(&session.refresh_token).await.error_code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn an_account_created_inactive_cannot_log_in_even_with_its_password() {
    let app = TestApp::spawn().await;
    let user = UserFactory::new()
        .password("Dormant2026")
        .inactive()
        .insert(&app)
        .await;
    let response = app.login(&user.email, "Dormant2026").await;
    assert!(response.error_message().contains("deactivated"));
    assert_eq!(
        login_history(&app, &user.email).await,
        vec![(false, Some("INACTIVE".into()), Some(user.id.0))]
    );
    // With a wrong password the answer reveals nothing.
    assert_eq!(
        app.login(&user.email, "Wrong2026x").await.error_message(),
        "Invalid email or password."
    );
}

#[tokio::test]
async fn me_shows_an_officers_supervisor() {
    let app = TestApp::spawn().await;
    let supervisor = UserFactory::new().role(Role::Supervisor).insert(&app).await;
    let officer = UserFactory::new()
        .supervisor(supervisor.id)
        .insert(&app)
        .await;
    let session = app.login_user(officer, DEFAULT_PASSWORD).await;
    let me = app
        .gql("{ me { role supervisorId } }")
        .by(&session)
        .send()
        .await;
    assert_eq!(me.data()["me"]["role"], "CREDIT_OFFICER");
    assert_eq!(me.data()["me"]["supervisorId"], supervisor.id.to_string());
}

#[tokio::test]
async fn protected_fields_need_a_login() {
    let app = TestApp::spawn().await;
    let response = app.gql(ME).send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.error_code(), "UNAUTHENTICATED");
    assert_eq!(
        app.gql("mutation { logout }").send().await.error_code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn the_actor_is_confirmed_with_one_database_read() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::Admin).await;
    let before = app.statements();
    let response = app.gql("{ __typename }").by(&session).send().await;
    assert_eq!(response.data()["__typename"], "QueryRoot");
    assert_eq!(app.statements() - before, 1);

    let before = app.statements();
    app.gql("{ __typename }").send().await.data();
    assert_eq!(
        app.statements() - before,
        0,
        "anonymous requests do not touch the database"
    );
}

/// Found by `tests/bench/fuzz.sh`: a blank email reached the throttle table's CHECK
/// constraint and answered INTERNAL_SERVER_ERROR.
#[tokio::test]
async fn a_blank_email_is_bad_input_not_a_server_error() {
    let app = TestApp::spawn().await;
    for email in ["", "   "] {
        let answer = app.login(email, "whatever").await;
        assert_eq!(answer.error_code(), "BAD_USER_INPUT", "{email:?}");
        assert_eq!(answer.error_field().as_deref(), Some("email"));
    }
}

//! Staff imported from the original system keep its bcrypt hashes (bcryptjs: `$2a$`, `$2b$`,
//! `$2y$`): they log in with them, the first login replaces the hash with Argon2id, and the
//! lockout, login history and audit trail treat them exactly as Argon2id accounts.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use millennium::auth::passwords::{Passwords, needs_rehash};
use millennium::clock::Clock;
use millennium::config::Secret;
use millennium::db::{self, schema::users, users::User};
use millennium::domain::UserId;
use serde_json::{Value, json};

use crate::support::factories::DEFAULT_PASSWORD;
use crate::support::records::{self, audit_actions};
use crate::support::{TestApp, UserFactory};

/// `DEFAULT_PASSWORD` as bcryptjs 2.4.3 hashed it at cost 10 (the original system's setting).
const BCRYPTJS_2A_COST_10: &str = "$2a$10$H.dru1vd8liy4Qq/FOZAHeC76hZu/Ejgq23Lybwy.eNPoGnNjzP22";
/// `DEFAULT_PASSWORD` as bcryptjs 3.0.3 hashed it at cost 10.
const BCRYPTJS_2B_COST_10: &str = "$2b$10$W.zhT974BqX3i7SXLDeCwOpdfsGGBq22djs.E7CCeYyqbjIPVkvbe";

/// What `Passwords::hash` writes today.
const ARGON2ID_PREFIX: &str = "$argon2id$v=19$m=19456,t=2,p=1$";

/// A bcrypt hash of `password` at cost 4 (the fastest), written with `version`'s prefix.
fn bcrypt_hash(password: &str, version: bcrypt::Version) -> String {
    bcrypt::hash_with_result(password, 4)
        .expect("bcrypt")
        .format_for_version(version)
}

/// The hashes an importer may store for `DEFAULT_PASSWORD`.
fn legacy_hashes() -> Vec<String> {
    vec![
        bcrypt_hash(DEFAULT_PASSWORD, bcrypt::Version::TwoA),
        bcrypt_hash(DEFAULT_PASSWORD, bcrypt::Version::TwoB),
        bcrypt_hash(DEFAULT_PASSWORD, bcrypt::Version::TwoY),
        BCRYPTJS_2A_COST_10.to_owned(),
        BCRYPTJS_2B_COST_10.to_owned(),
    ]
}

/// Stores `hash` as the user's password hash, as the importer does.
async fn set_hash(app: &TestApp, user: UserId, hash: &str) {
    diesel::update(users::table.find(user))
        .set(users::password_hash.eq(hash))
        .execute(&mut app.conn().await)
        .await
        .expect("set the hash");
}

async fn stored_hash(app: &TestApp, user: UserId) -> String {
    users::table
        .find(user)
        .select(users::password_hash)
        .first(&mut app.conn().await)
        .await
        .expect("user")
}

/// A factory user (password `DEFAULT_PASSWORD`) whose hash is then replaced by `hash`.
async fn imported_user(app: &TestApp, hash: &str) -> User {
    let user = UserFactory::new().insert(app).await;
    set_hash(app, user.id, hash).await;
    user
}

/// The history of `email` as (success, failure reason), oldest first.
async fn history(app: &TestApp, email: &str) -> Vec<(bool, Option<String>)> {
    records::login_history(app, email)
        .await
        .into_iter()
        .map(|attempt| (attempt.success, attempt.failure_reason))
        .collect()
}

/// The counters the lockout keeps on the user's row.
async fn lockout_counters(app: &TestApp, user: UserId) -> (i32, Option<DateTime<Utc>>) {
    users::table
        .find(user)
        .select((users::failed_login_count, users::locked_until))
        .first(&mut app.conn().await)
        .await
        .expect("user")
}

/// The first error of a response, its moment-dependent `lockedUntil` blanked.
fn first_error(response: &crate::support::app::GqlResponse) -> Value {
    let mut error = response.errors()[0].clone();
    if error["extensions"].get("lockedUntil").is_some() {
        error["extensions"]["lockedUntil"] = json!(null);
    }
    error
}

#[tokio::test]
async fn a_bcrypt_account_logs_in_and_its_hash_becomes_argon2id() {
    let app = TestApp::spawn().await;
    let checker = Passwords::new(1);
    for hash in legacy_hashes() {
        let user = imported_user(&app, &hash).await;

        let first = app.login(&user.email, DEFAULT_PASSWORD).await;
        assert_eq!(
            first.data()["login"]["user"]["email"],
            user.email.as_str(),
            "{hash}"
        );
        assert!(first.data()["login"]["accessToken"].is_string(), "{hash}");
        let upgraded = stored_hash(&app, user.id).await;
        assert!(upgraded.starts_with(ARGON2ID_PREFIX), "{hash} → {upgraded}");
        assert!(!needs_rehash(&upgraded));
        assert!(
            checker
                .verify(&Secret::new(DEFAULT_PASSWORD), Some(&upgraded))
                .await
                .expect("verify"),
            "the new hash is of the same password"
        );

        // The next login checks the Argon2id hash, and leaves it as it is.
        let second = app.login(&user.email, DEFAULT_PASSWORD).await;
        assert!(second.data()["login"]["accessToken"].is_string(), "{hash}");
        assert_eq!(stored_hash(&app, user.id).await, upgraded);
        assert_eq!(
            app.login(&user.email, "Harvest2027").await.error_message(),
            "Invalid email or password."
        );
        assert_eq!(
            history(&app, &user.email).await,
            vec![
                (true, None),
                (true, None),
                (false, Some("WRONG_PASSWORD".into()))
            ]
        );
    }
    // Two logins of each account, audited as any login: no password change, nothing more.
    assert_eq!(
        audit_actions(&app).await,
        vec!["LOGIN"; 2 * legacy_hashes().len()]
    );
}

#[tokio::test]
async fn the_upgrade_is_invisible_in_the_login_and_its_audit_row() {
    let app = TestApp::spawn().await;
    let argon = UserFactory::new().insert(&app).await;
    let legacy = imported_user(&app, BCRYPTJS_2A_COST_10).await;

    let mut logins = Vec::new();
    for user in [&argon, &legacy] {
        let request_id = format!("login-{}", user.id.0);
        let response = app
            .gql(
                "mutation($email: String!, $password: String!) {
                    login(email: $email, password: $password) { user { email loginCount } }
                }",
            )
            .var("email", user.email.as_str())
            .var("password", DEFAULT_PASSWORD)
            .header("x-request-id", &request_id)
            .send()
            .await;
        assert_eq!(response.data()["login"]["user"]["loginCount"], 1);
        let rows = records::audit_rows_of_request(&app, &request_id).await;
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.actor_user_id, Some(user.id));
        assert_eq!(row.entity_id, Some(user.id.0));
        let metadata = row.metadata.clone().expect("metadata");
        let keys: Vec<&String> = metadata.as_object().expect("object").keys().collect();
        logins.push((
            row.action.as_str(),
            row.entity_name.clone(),
            row.before.clone(),
            row.after.clone(),
            keys.into_iter().cloned().collect::<Vec<_>>(),
            metadata["sessionsEnded"].clone(),
        ));
    }
    assert_eq!(logins[0], logins[1]);
    assert!(
        stored_hash(&app, legacy.id)
            .await
            .starts_with(ARGON2ID_PREFIX)
    );
}

#[tokio::test]
async fn wrong_passwords_lock_a_bcrypt_account_exactly_as_an_argon2id_one() {
    let app = TestApp::spawn().await;
    let argon = UserFactory::new().insert(&app).await;
    let legacy = imported_user(&app, &bcrypt_hash(DEFAULT_PASSWORD, bcrypt::Version::TwoB)).await;

    // Five failures in fifteen minutes lock, as in `auth::five_wrong_passwords_lock_…`.
    for attempt in 1..=5 {
        let argon_answer = app.login(&argon.email, "Wrong-Password1").await;
        let legacy_answer = app.login(&legacy.email, "Wrong-Password1").await;
        assert_eq!(legacy_answer.error_code(), "UNAUTHENTICATED", "{attempt}");
        assert_eq!(
            first_error(&legacy_answer),
            first_error(&argon_answer),
            "attempt {attempt}"
        );
        let locked = legacy_answer.errors()[0]["extensions"]["reason"] == "ACCOUNT_LOCKED";
        assert_eq!(locked, attempt == 5, "attempt {attempt}");
        app.clock.advance(TimeDelta::minutes(1));
    }
    let (argon_failures, argon_until) = lockout_counters(&app, argon.id).await;
    let (legacy_failures, legacy_until) = lockout_counters(&app, legacy.id).await;
    assert_eq!((legacy_failures, argon_failures), (5, 5));
    assert!(legacy_until.is_some_and(|until| until > app.clock.now()));
    assert!(argon_until.is_some_and(|until| until > app.clock.now()));

    // The right password is refused while the lock lasts, and the hash stays bcrypt.
    app.clock.advance(TimeDelta::minutes(10));
    let argon_locked = app.login(&argon.email, DEFAULT_PASSWORD).await;
    let legacy_locked = app.login(&legacy.email, DEFAULT_PASSWORD).await;
    assert_eq!(
        legacy_locked.errors()[0]["extensions"]["reason"],
        "ACCOUNT_LOCKED"
    );
    assert_eq!(first_error(&legacy_locked), first_error(&argon_locked));
    assert!(stored_hash(&app, legacy.id).await.starts_with("$2b$04$"));

    // Each lock was announced once, in the same words.
    let locks: Vec<(Option<uuid::Uuid>, Value)> = records::audit_rows(&app)
        .await
        .into_iter()
        .filter(|row| row.action.as_str() == "ACCOUNT_LOCKED")
        .map(|row| {
            let mut metadata = row.metadata.clone().expect("metadata");
            metadata["email"] = json!(null);
            metadata["lockedUntil"] = json!(null);
            (row.entity_id, metadata)
        })
        .collect();
    assert_eq!(locks.len(), 2);
    assert_eq!(locks[0].0, Some(argon.id.0));
    assert_eq!(locks[1].0, Some(legacy.id.0));
    assert_eq!(locks[0].1, locks[1].1);

    // Once the lock ends the right password works, and only then is the hash upgraded.
    app.clock.advance(TimeDelta::minutes(6));
    assert!(app.login(&argon.email, DEFAULT_PASSWORD).await.data()["login"].is_object());
    assert!(app.login(&legacy.email, DEFAULT_PASSWORD).await.data()["login"].is_object());
    assert!(
        stored_hash(&app, legacy.id)
            .await
            .starts_with(ARGON2ID_PREFIX)
    );
    assert_eq!(lockout_counters(&app, legacy.id).await, (0, None));
    let expected: Vec<(bool, Option<String>)> =
        std::iter::repeat_n((false, Some("WRONG_PASSWORD".to_owned())), 5)
            .chain([(false, Some("LOCKED".to_owned())), (true, None)])
            .collect();
    assert_eq!(history(&app, &legacy.email).await, expected);
    assert_eq!(history(&app, &argon.email).await, expected);
}

#[tokio::test]
async fn an_inactive_or_deleted_bcrypt_account_cannot_log_in() {
    let app = TestApp::spawn().await;
    let hash = bcrypt_hash(DEFAULT_PASSWORD, bcrypt::Version::TwoA);

    let inactive = UserFactory::new().inactive().insert(&app).await;
    set_hash(&app, inactive.id, &hash).await;
    let response = app.login(&inactive.email, DEFAULT_PASSWORD).await;
    assert_eq!(response.error_code(), "UNAUTHENTICATED");
    assert!(response.error_message().contains("deactivated"));
    assert_eq!(
        history(&app, &inactive.email).await,
        vec![(false, Some("INACTIVE".into()))]
    );
    assert_eq!(stored_hash(&app, inactive.id).await, hash);

    let deleted = imported_user(&app, &hash).await;
    diesel::update(users::table.find(deleted.id))
        .set(users::deleted_at.eq(Some(app.clock.now())))
        .execute(&mut app.conn().await)
        .await
        .expect("soft-delete");
    let response = app.login(&deleted.email, DEFAULT_PASSWORD).await;
    let unknown = app.login("nobody@example.org", DEFAULT_PASSWORD).await;
    assert_eq!(response.error_message(), "Invalid email or password.");
    assert_eq!(response.errors(), unknown.errors());
    let attempts = records::login_history(&app, &deleted.email).await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].failure_reason.as_deref(), Some("UNKNOWN_EMAIL"));
    assert_eq!(attempts[0].user_id, None);
    assert_eq!(stored_hash(&app, deleted.id).await, hash);
    assert!(audit_actions(&app).await.is_empty());
}

#[tokio::test]
async fn a_malformed_bcrypt_hash_is_an_ordinary_wrong_password() {
    let app = TestApp::spawn().await;
    let good = bcrypt_hash(DEFAULT_PASSWORD, bcrypt::Version::TwoB);
    let malformed = [
        "$2b$10$notAHash".to_owned(),
        format!("{good}!"),
        good.replacen("$04$", "$31$", 1),
        good.replacen("$04$", "$xy$", 1),
        format!("{}!!", &good[..58]),
    ];
    for (i, hash) in malformed.iter().enumerate() {
        let user = imported_user(&app, hash).await;
        let response = app.login(&user.email, DEFAULT_PASSWORD).await;
        let unknown = app
            .login(&format!("nobody-{i}@example.org"), DEFAULT_PASSWORD)
            .await;
        assert_eq!(response.status(), axum::http::StatusCode::OK, "{hash}");
        assert_eq!(response.error_code(), "UNAUTHENTICATED", "{hash}");
        assert_eq!(response.errors(), unknown.errors(), "{hash}");
        assert_eq!(
            history(&app, &user.email).await,
            vec![(false, Some("WRONG_PASSWORD".into()))],
            "{hash}"
        );
        assert_eq!(stored_hash(&app, user.id).await, *hash);
    }
}

#[tokio::test]
async fn an_upgrade_never_overwrites_a_password_changed_meanwhile() {
    let app = TestApp::spawn().await;
    let user = imported_user(&app, BCRYPTJS_2A_COST_10).await;
    let mut conn = app.conn().await;
    // The hash the login checked is no longer the stored one: nothing is replaced.
    let replaced =
        db::users::upgrade_password_hash(&mut conn, user.id, "$2b$10$stale", "$argon2id$new")
            .await
            .expect("upgrade");
    assert!(!replaced);
    assert_eq!(stored_hash(&app, user.id).await, BCRYPTJS_2A_COST_10);
}

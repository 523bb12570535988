//! Factories for test data, inserted straight into the test's database.

use millennium::auth::passwords::Passwords;
use millennium::config::Secret;
use millennium::db::{self, users::User};
use millennium::domain::{Role, UserId};
use tokio::sync::OnceCell;

use super::app::TestApp;

/// The password of every factory user unless set otherwise.
pub const DEFAULT_PASSWORD: &str = "Harvest2026";

/// Hashing is slow on purpose; the default password is hashed once per run.
async fn default_password_hash() -> &'static str {
    static HASH: OnceCell<String> = OnceCell::const_new();
    HASH.get_or_init(|| async {
        Passwords::new(1)
            .hash(&Secret::new(DEFAULT_PASSWORD))
            .await
            .expect("hash the default password")
    })
    .await
}

pub struct UserFactory {
    email: Option<String>,
    password: Option<String>,
    role: Role,
    active: bool,
    supervisor_id: Option<UserId>,
    first_name: String,
    last_name: String,
}

impl UserFactory {
    pub fn new() -> Self {
        Self {
            email: None,
            password: None,
            role: Role::CreditOfficer,
            active: true,
            supervisor_id: None,
            first_name: "Ada".into(),
            last_name: "Okafor".into(),
        }
    }

    pub fn role(mut self, role: Role) -> Self {
        self.role = role;
        self
    }

    pub fn email(mut self, email: &str) -> Self {
        self.email = Some(email.to_owned());
        self
    }

    pub fn password(mut self, password: &str) -> Self {
        self.password = Some(password.to_owned());
        self
    }

    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }

    pub fn supervisor(mut self, supervisor: UserId) -> Self {
        self.supervisor_id = Some(supervisor);
        self
    }

    pub async fn insert(self, app: &TestApp) -> User {
        let email = self
            .email
            .map(|email| millennium::domain::email::normalize(&email).expect("a valid email"))
            .unwrap_or_else(|| {
                format!(
                    "staff-{}@example.org",
                    &uuid::Uuid::new_v4().simple().to_string()[..12]
                )
            });
        let hash = match &self.password {
            None => default_password_hash().await.to_owned(),
            Some(password) => app
                .state
                .passwords
                .hash(&Secret::new(password.clone()))
                .await
                .expect("hash"),
        };
        let now = app.state.clock.now();
        let mut conn = app.conn().await;
        db::users::insert(
            &mut conn,
            &db::users::NewUser {
                email: &email,
                password_hash: &hash,
                role: self.role,
                is_active: self.active,
                supervisor_id: self.supervisor_id,
                first_name: &self.first_name,
                last_name: &self.last_name,
                phone: None,
                created_at: now,
                updated_at: now,
            },
        )
        .await
        .expect("insert user")
    }
}

//! Staff accounts: creating them (the command line's `admin create`, the first administrator of
//! an empty database), with the rules of SPEC 4.

use rand::distr::{Alphanumeric, SampleString};
use scoped_futures::ScopedFutureExt;
use serde_json::json;

use super::RequestMeta;
use super::audit::{self, AuditEvent};
use super::error::{ServiceError, ServiceResult};
use crate::config::{AppEnv, Secret};
use crate::db::{self, users::User};
use crate::domain::audit::{AuditAction, ENTITY_USER};
use crate::domain::{Role, UserId, email, password_policy};
use crate::state::AppState;

/// The email of the administrator generated on a development machine's first start.
pub const DEVELOPMENT_ADMIN_EMAIL: &str = "admin@localhost";

/// A staff account to create.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub email: String,
    pub password: Secret,
    pub role: Role,
    pub first_name: String,
    pub last_name: String,
    pub supervisor_id: Option<UserId>,
}

impl NewStaff {
    pub fn admin(email: impl Into<String>, password: Secret) -> Self {
        Self {
            email: email.into(),
            password,
            role: Role::Admin,
            first_name: "System".into(),
            last_name: "Administrator".into(),
            supervisor_id: None,
        }
    }
}

/// What the first start did about the first administrator.
#[derive(Debug)]
pub enum Bootstrap {
    /// The database already has staff; nothing was done.
    HasStaff,
    /// `ADMIN_EMAIL`/`ADMIN_PASSWORD` created the first administrator.
    Created { email: String },
    /// Development without `ADMIN_EMAIL`: an administrator with a random password, to be shown
    /// once.
    Generated { email: String, password: Secret },
    /// Production without `ADMIN_EMAIL`: nobody can log in until `millennium admin create`.
    NoAdmin,
}

/// Creates the first administrator when the database holds no staff at all.
pub async fn bootstrap_first_admin(state: &AppState) -> ServiceResult<Bootstrap> {
    let (new, generated) = match (&state.config.auth.bootstrap_admin, state.config.env) {
        (Some(admin), _) => (NewStaff::admin(&admin.email, admin.password.clone()), false),
        (None, AppEnv::Development) => (
            NewStaff::admin(DEVELOPMENT_ADMIN_EMAIL, generate_password()),
            true,
        ),
        (None, AppEnv::Production) => {
            let mut conn = state.db.get().await?;
            return Ok(if db::users::any_exist(&mut conn).await? {
                Bootstrap::HasStaff
            } else {
                Bootstrap::NoAdmin
            });
        }
    };
    let meta = RequestMeta {
        request_id: Some("bootstrap".into()),
        ..RequestMeta::default()
    };
    match create(state, &meta, None, &new, OnlyIfEmpty(true)).await? {
        None => Ok(Bootstrap::HasStaff),
        Some(user) if generated => Ok(Bootstrap::Generated {
            email: user.email,
            password: new.password,
        }),
        Some(user) => Ok(Bootstrap::Created { email: user.email }),
    }
}

/// Creates a staff account on behalf of `actor` (`None`: the system or the command line).
pub async fn create_staff(
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<UserId>,
    new: &NewStaff,
) -> ServiceResult<User> {
    create(state, meta, actor, new, OnlyIfEmpty(false))
        .await?
        .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("staff creation skipped")))
}

/// Whether to create the account only on a database without staff.
#[derive(Debug, Clone, Copy)]
struct OnlyIfEmpty(bool);

async fn create(
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<UserId>,
    new: &NewStaff,
    only_if_empty: OnlyIfEmpty,
) -> ServiceResult<Option<User>> {
    let email = email::normalize(&new.email)
        .map_err(|err| ServiceError::bad_input("email", err.to_string()))?;
    let first_name = required("firstName", &new.first_name)?;
    let last_name = required("lastName", &new.last_name)?;
    password_policy::check(new.password.expose())
        .map_err(|err| ServiceError::bad_input("password", err.to_string()))?;
    let hash = state.passwords.hash(&new.password).await?;
    let now = state.clock.now();
    let (email, hash) = (email.as_str(), hash.as_str());
    super::transaction(state, |conn| {
        async move {
            if only_if_empty.0 && db::users::any_exist(conn).await? {
                return Ok(None);
            }
            let user = db::users::insert(
                conn,
                &db::users::NewUser {
                    email,
                    password_hash: hash,
                    role: new.role,
                    is_active: true,
                    supervisor_id: new.supervisor_id,
                    first_name,
                    last_name,
                    phone: None,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
            let event = AuditEvent::new(AuditAction::UserCreated, ENTITY_USER, Some(user.id.0))
                .after(json!({
                    "email": user.email,
                    "role": user.role.as_str(),
                    "firstName": user.first_name,
                    "lastName": user.last_name,
                    "supervisorId": user.supervisor_id,
                }));
            audit::record(conn, meta, actor, &event, now).await?;
            Ok(Some(user))
        }
        .scope_boxed()
    })
    .await
}

fn required<'a>(field: &str, value: &'a str) -> ServiceResult<&'a str> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        Err(ServiceError::bad_input(field, "This field is required."))
    } else {
        Ok(trimmed)
    }
}

/// A random password that satisfies the policy.
pub fn generate_password() -> Secret {
    loop {
        let candidate = Alphanumeric.sample_string(&mut rand::rng(), 20);
        if password_policy::check(&candidate).is_ok() {
            return Secret::new(candidate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_satisfy_the_policy_and_differ() {
        let a = generate_password();
        let b = generate_password();
        assert!(password_policy::check(a.expose()).is_ok());
        assert_ne!(a.expose(), b.expose());
    }
}

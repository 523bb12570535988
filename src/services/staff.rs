//! Staff accounts: creating them (the command line's `admin create`, the first administrator of
//! an empty database), with the rules of SPEC 4.

use rand::distr::{Alphanumeric, SampleString};
use scoped_futures::ScopedFutureExt;

use super::RequestMeta;
use super::audit::{self, AuditEvent};
use super::error::{ServiceError, ServiceResult};
use crate::config::{AppEnv, Secret};
use crate::db::{self, users::User};
use crate::domain::audit::{AuditAction, ENTITY_USER};
use crate::domain::permissions::Scope;
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
    pub phone: Option<String>,
    pub address: Option<String>,
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
            phone: None,
            address: None,
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
    let staff = prepare(state, new).await?;
    let now = state.clock.now();
    super::transaction(state, |conn| {
        let staff = &staff;
        async move {
            if only_if_empty.0 && db::users::any_exist(conn).await? {
                return Ok(None);
            }
            insert(conn, meta, actor, staff, now).await.map(Some)
        }
        .scope_boxed()
    })
    .await
}

/// A staff account checked and with its password hashed, ready for [`insert`].
#[derive(Clone)]
pub struct PreparedStaff {
    email: String,
    hash: String,
    role: Role,
    first_name: String,
    last_name: String,
    phone: Option<String>,
    address: Option<String>,
    /// May be set after preparing (an officer's supervisor created in the same transaction).
    pub supervisor_id: Option<UserId>,
}

/// Checks `new` (email, names, password policy) and hashes its password: the slow part, kept
/// out of any transaction.
pub async fn prepare(state: &AppState, new: &NewStaff) -> ServiceResult<PreparedStaff> {
    // Checked before the slow hash, so that a bad input costs nothing.
    email::normalize(&new.email)
        .map_err(|err| ServiceError::bad_input("email", err.to_string()))?;
    required("firstName", &new.first_name)?;
    required("lastName", &new.last_name)?;
    password_policy::check(new.password.expose())
        .map_err(|err| ServiceError::bad_input("password", err.to_string()))?;
    let hash = state.passwords.hash(&new.password).await?;
    prepare_with_hash(new, hash)
}

/// [`prepare`] with the password already hashed, for many accounts that share one password
/// hashed once (`seed demo`): the caller vouches that `hash` is `new.password`'s hash.
pub fn prepare_with_hash(new: &NewStaff, hash: String) -> ServiceResult<PreparedStaff> {
    let email = email::normalize(&new.email)
        .map_err(|err| ServiceError::bad_input("email", err.to_string()))?;
    let first_name = required("firstName", &new.first_name)?.to_owned();
    let last_name = required("lastName", &new.last_name)?.to_owned();
    password_policy::check(new.password.expose())
        .map_err(|err| ServiceError::bad_input("password", err.to_string()))?;
    Ok(PreparedStaff {
        email,
        hash,
        role: new.role,
        first_name,
        last_name,
        phone: new.phone.clone(),
        address: new.address.clone(),
        supervisor_id: new.supervisor_id,
    })
}

/// Creates a prepared account in the caller's transaction, with its audit row by `actor`
/// (`None`: the system): the supervisor must be valid and the email free among live accounts.
pub async fn insert(
    conn: &mut db::DbConn,
    meta: &RequestMeta,
    actor: Option<UserId>,
    staff: &PreparedStaff,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<User> {
    if let Some(supervisor) = staff.supervisor_id {
        check_supervisor(conn, staff.role, None, supervisor).await?;
    }
    if db::users::email_taken(conn, &staff.email, None).await? {
        return Err(ServiceError::Conflict {
            field: Some("email".into()),
            message: "A staff member with this email already exists.".into(),
        });
    }
    let user = db::users::insert(
        conn,
        &db::users::NewUser {
            email: &staff.email,
            password_hash: &staff.hash,
            role: staff.role,
            is_active: true,
            supervisor_id: staff.supervisor_id,
            first_name: &staff.first_name,
            last_name: &staff.last_name,
            phone: staff.phone.as_deref(),
            address: staff.address.as_deref(),
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    let event = AuditEvent::new(AuditAction::UserCreated, ENTITY_USER, Some(user.id.0))
        .after(audit::snapshot(&user));
    audit::record(conn, meta, actor, &event, now).await?;
    Ok(user)
}

/// The supervisor given to a staff member of `role` (`user`, when it exists already): only a
/// credit officer has one, and it is a live, active SUPERVISOR or ADMIN other than themself.
pub async fn check_supervisor(
    conn: &mut db::DbConn,
    role: Role,
    user: Option<UserId>,
    supervisor_id: UserId,
) -> ServiceResult<()> {
    if role != Role::CreditOfficer {
        return Err(ServiceError::bad_input(
            "supervisorId",
            "Only credit officers have a supervisor.",
        ));
    }
    if user == Some(supervisor_id) {
        return Err(ServiceError::bad_input(
            "supervisorId",
            "A staff member cannot be their own supervisor.",
        ));
    }
    let supervisor = db::users::find(conn, supervisor_id, Scope::All, false)
        .await?
        .filter(|supervisor| supervisor.is_active)
        .ok_or_else(|| {
            ServiceError::bad_input("supervisorId", "No active supervisor with this id.")
        })?;
    if !matches!(supervisor.role, Role::Supervisor | Role::Admin) {
        return Err(ServiceError::bad_input(
            "supervisorId",
            "A supervisor must be a SUPERVISOR or an ADMIN.",
        ));
    }
    Ok(())
}

/// A staff account can be deleted only once nobody depends on it: no live credit officers under
/// it and no live unions managed by it. The error names what blocks it.
pub fn check_deletable(officers: i64, unions: i64) -> Result<(), String> {
    use crate::domain::unions::plural;
    let mut blockers = Vec::new();
    if officers > 0 {
        blockers.push(format!(
            "supervises {}",
            plural(officers, "credit officer", "credit officers")
        ));
    }
    if unions > 0 {
        blockers.push(format!("manages {}", plural(unions, "union", "unions")));
    }
    if blockers.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "This account still {}; reassign them first.",
            blockers.join(" and ")
        ))
    }
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

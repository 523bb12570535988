//! Staff accounts on behalf of staff: reading them in scope; creating (a supervisor's new
//! officer becomes theirs), editing, activating, resetting passwords, deleting and restoring —
//! each change in one transaction with its audit row. Deactivating or deleting ends the
//! account's sessions in the same transaction.

use chrono::{DateTime, Utc};
use scoped_futures::ScopedFutureExt;

use super::audit;
use super::staff::{self, NewStaff};
use super::{Caller, ServiceError, ServiceResult, check, optional, required};
use crate::config::Secret;
use crate::db::page::{Page, Paged};
use crate::db::users::{User, UserChanges, UserFilter, UserOrderField};
use crate::db::{self, DbConn, Direction, Listing};
use crate::domain::audit::{AuditAction, ENTITY_USER};
use crate::domain::permissions::{self, Scope};
use crate::domain::sessions::RevokeReason;
use crate::domain::{Role, UserId, email, password_policy};
use crate::state::AppState;

const WHAT: &str = "User";

fn not_found() -> ServiceError {
    ServiceError::NotFound("User not found.".into())
}

/// A member of staff by id, if visible to the caller.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    include_deleted: bool,
) -> ServiceResult<User> {
    let include_deleted = caller.include_deleted(include_deleted)?;
    let mut conn = state.db.get().await?;
    db::users::find(&mut conn, id, caller.scope(), include_deleted)
        .await?
        .ok_or_else(not_found)
}

/// A page of the staff visible to the caller.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: &UserFilter,
    order: (UserOrderField, Direction),
    listing: Listing,
    page: Page,
) -> ServiceResult<Paged<User>> {
    caller.include_deleted(listing.include_deleted)?;
    let mut conn = state.db.get().await?;
    Ok(db::users::list(&mut conn, filter, order, caller.scope(), listing, page).await?)
}

/// A new staff account as requested by a member of staff.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub email: String,
    pub password: Secret,
    pub role: Role,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub supervisor_id: Option<UserId>,
}

/// Creates a staff account: ADMIN any role (with any supervisor for an officer); SUPERVISOR a
/// credit officer, who becomes theirs.
pub async fn create(state: &AppState, caller: &Caller, input: &UserInput) -> ServiceResult<User> {
    let new = new_staff(caller, input)?;
    staff::create_staff(state, &caller.meta, Some(caller.actor.user_id), &new).await
}

/// The account `caller` may create from `input`: the role within their rights, and the
/// supervisor a supervisor's officer gets.
pub fn new_staff(caller: &Caller, input: &UserInput) -> ServiceResult<NewStaff> {
    check(
        permissions::can_create_user(&caller.actor, input.role),
        WHAT,
    )?;
    let supervisor_id = match caller.actor.role {
        Role::Supervisor => {
            if input
                .supervisor_id
                .is_some_and(|id| id != caller.actor.user_id)
            {
                return Err(ServiceError::bad_input(
                    "supervisorId",
                    "A supervisor's new credit officer is their own; leave supervisorId out.",
                ));
            }
            Some(caller.actor.user_id)
        }
        _ => input.supervisor_id,
    };
    Ok(NewStaff {
        email: input.email.clone(),
        password: input.password.clone(),
        role: input.role,
        first_name: input.first_name.clone(),
        last_name: input.last_name.clone(),
        phone: optional(input.phone.as_deref()),
        address: optional(input.address.as_deref()),
        supervisor_id,
    })
}

/// Changes to a staff account; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub email: Option<String>,
    pub role: Option<Role>,
    pub supervisor_id: Option<Option<UserId>>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub profile_image: Option<Option<String>>,
}

async fn load_for_change(
    conn: &mut DbConn,
    caller: &Caller,
    id: UserId,
    include_deleted: bool,
) -> ServiceResult<User> {
    db::users::find_for_update(conn, id, caller.scope(), include_deleted)
        .await?
        .ok_or_else(not_found)
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    update: &UserUpdate,
) -> ServiceResult<User> {
    let email = update
        .email
        .as_deref()
        .map(|raw| {
            email::normalize(raw).map_err(|err| ServiceError::bad_input("email", err.to_string()))
        })
        .transpose()?;
    let first_name = update
        .first_name
        .as_deref()
        .map(|name| required("firstName", name))
        .transpose()?;
    let last_name = update
        .last_name
        .as_deref()
        .map(|name| required("lastName", name))
        .transpose()?;
    let text = |value: &Option<Option<String>>| value.as_ref().map(|v| optional(v.as_deref()));
    let (phone, address, profile_image) = (
        text(&update.phone),
        text(&update.address),
        text(&update.profile_image),
    );
    let now = state.clock.now();
    super::transaction(state, |conn| {
        let (email, first_name, last_name) = (&email, &first_name, &last_name);
        let (phone, address, profile_image) = (&phone, &address, &profile_image);
        async move {
            let before = load_for_change(conn, caller, id, false).await?;
            let role = update.role.unwrap_or(before.role);
            let supervisor_id = update.supervisor_id.unwrap_or(before.supervisor_id);
            let structural = role != before.role || supervisor_id != before.supervisor_id;
            check(
                permissions::can_edit_user(&caller.actor, id, before.supervisor_id, structural),
                WHAT,
            )?;
            if role != before.role {
                check_role_change(conn, caller, &before, role).await?;
            }
            if role != Role::CreditOfficer && update.supervisor_id.flatten().is_some() {
                return Err(ServiceError::bad_input(
                    "supervisorId",
                    "Only credit officers have a supervisor.",
                ));
            }
            let supervisor_id = supervisor_id.filter(|_| role == Role::CreditOfficer);
            if let Some(supervisor) = supervisor_id
                && supervisor_id != before.supervisor_id
            {
                staff::check_supervisor(conn, role, Some(id), supervisor).await?;
            }
            let changes = UserChanges {
                email: email.as_deref(),
                role: Some(role),
                supervisor_id: Some(supervisor_id),
                first_name: first_name.as_deref(),
                last_name: last_name.as_deref(),
                phone: phone.as_ref().map(Option::as_deref),
                address: address.as_ref().map(Option::as_deref),
                profile_image: profile_image.as_ref().map(Option::as_deref),
                updated_at: Some(now),
                ..UserChanges::default()
            };
            if let Some(email) = email.as_deref()
                && db::users::email_taken(conn, email, Some(id)).await?
            {
                return Err(ServiceError::Conflict {
                    field: Some("email".into()),
                    message: "A staff member with this email already exists.".into(),
                });
            }
            let after = db::users::update(conn, id, &changes).await?;
            audit::change(
                conn,
                caller,
                AuditAction::UserUpdated,
                ENTITY_USER,
                id.0,
                Some(&before),
                Some(&after),
                now,
            )
            .await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

/// A role change must not strand what depends on the old role: a supervisor's officers, an
/// officer's unions, or the last active administrator.
async fn check_role_change(
    conn: &mut DbConn,
    caller: &Caller,
    before: &User,
    role: Role,
) -> ServiceResult<()> {
    if before.id == caller.actor.user_id {
        return Err(ServiceError::Forbidden(
            "You cannot change your own role.".into(),
        ));
    }
    match before.role {
        Role::Supervisor => {
            let officers = db::users::count_live_officers_of(conn, before.id).await?;
            if officers > 0 && role == Role::CreditOfficer {
                return Err(ServiceError::conflict(format!(
                    "This supervisor still has {}; give them another supervisor first.",
                    crate::domain::unions::plural(officers, "credit officer", "credit officers")
                )));
            }
        }
        Role::CreditOfficer => {
            let unions = db::unions::count_live_of_officer(conn, before.id).await?;
            if unions > 0 {
                return Err(ServiceError::conflict(format!(
                    "This credit officer still manages {}; reassign them first.",
                    crate::domain::unions::plural(unions, "union", "unions")
                )));
            }
        }
        Role::Admin => check_not_last_admin(conn, before).await?,
    }
    Ok(())
}

async fn check_not_last_admin(conn: &mut DbConn, user: &User) -> ServiceResult<()> {
    if user.role != Role::Admin || !user.is_active {
        return Ok(());
    }
    let admins = db::users::lock_active_admins(conn).await?;
    if admins.iter().all(|admin| *admin == user.id) {
        return Err(ServiceError::conflict(
            "This is the last active administrator; make another administrator first.",
        ));
    }
    Ok(())
}

async fn revoke_sessions(
    conn: &mut DbConn,
    id: UserId,
    now: DateTime<Utc>,
) -> ServiceResult<usize> {
    Ok(
        db::sessions::revoke_all_for_user_except(
            conn,
            id,
            None,
            RevokeReason::AccountDisabled,
            now,
        )
        .await?,
    )
}

/// Activates or deactivates an account; deactivating ends its sessions.
pub async fn set_active(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    active: bool,
) -> ServiceResult<User> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let before = load_for_change(conn, caller, id, false).await?;
            check(
                permissions::can_manage_account(&caller.actor, id, before.supervisor_id),
                WHAT,
            )?;
            if !active {
                check_not_last_admin(conn, &before).await?;
            }
            let after = db::users::update(
                conn,
                id,
                &UserChanges {
                    is_active: Some(active),
                    updated_at: Some(now),
                    ..UserChanges::default()
                },
            )
            .await?;
            let ended = if active {
                0
            } else {
                revoke_sessions(conn, id, now).await?
            };
            let action = if active {
                AuditAction::UserActivated
            } else {
                AuditAction::UserDeactivated
            };
            let event = audit::AuditEvent::new(action, ENTITY_USER, Some(id.0))
                .before(audit::snapshot(&before))
                .after(audit::snapshot(&after))
                .metadata(serde_json::json!({ "sessionsEnded": ended }));
            audit::record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

/// Sets a new password for another account (ADMIN, or the officer's SUPERVISOR) and ends its
/// sessions.
pub async fn reset_password(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    password: &Secret,
) -> ServiceResult<User> {
    password_policy::check(password.expose())
        .map_err(|err| ServiceError::bad_input("newPassword", err.to_string()))?;
    // Decide before hashing, so that a refused reset costs no hashing.
    {
        let mut conn = state.db.get().await?;
        let user = db::users::find(&mut conn, id, caller.scope(), false)
            .await?
            .ok_or_else(not_found)?;
        check(
            permissions::can_manage_account(&caller.actor, id, user.supervisor_id),
            WHAT,
        )?;
    }
    let hash = state.passwords.hash(password).await?;
    let now = state.clock.now();
    super::transaction(state, |conn| {
        let hash = hash.as_str();
        async move {
            let before = load_for_change(conn, caller, id, false).await?;
            check(
                permissions::can_manage_account(&caller.actor, id, before.supervisor_id),
                WHAT,
            )?;
            db::users::set_password_hash(conn, id, hash, now).await?;
            let ended = db::sessions::revoke_all_for_user_except(
                conn,
                id,
                None,
                RevokeReason::PasswordChanged,
                now,
            )
            .await?;
            let event =
                audit::AuditEvent::new(AuditAction::UserPasswordReset, ENTITY_USER, Some(id.0))
                    .metadata(serde_json::json!({ "sessionsEnded": ended }));
            audit::record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await?;
            Ok(before)
        }
        .scope_boxed()
    })
    .await
}

/// Soft-deletes an account (ADMIN) that no longer supervises officers or manages unions, and
/// ends its sessions.
pub async fn delete(state: &AppState, caller: &Caller, id: UserId) -> ServiceResult<User> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let before = load_for_change(conn, caller, id, false).await?;
            check(permissions::can_delete_user(&caller.actor, id), WHAT)?;
            check_not_last_admin(conn, &before).await?;
            let officers = db::users::count_live_officers_of(conn, id).await?;
            let unions = db::unions::count_live_of_officer(conn, id).await?;
            staff::check_deletable(officers, unions).map_err(ServiceError::conflict)?;
            let after = db::users::update(
                conn,
                id,
                &UserChanges {
                    deleted_at: Some(Some(now)),
                    updated_at: Some(now),
                    ..UserChanges::default()
                },
            )
            .await?;
            let ended = revoke_sessions(conn, id, now).await?;
            let event = audit::AuditEvent::new(AuditAction::UserDeleted, ENTITY_USER, Some(id.0))
                .before(audit::snapshot(&before))
                .after(audit::snapshot(&after))
                .metadata(serde_json::json!({ "sessionsEnded": ended }));
            audit::record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

/// Restores a deleted account (ADMIN), unless a live account took its email meanwhile.
pub async fn restore(state: &AppState, caller: &Caller, id: UserId) -> ServiceResult<User> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            check(permissions::can_access_deleted(&caller.actor), WHAT)?;
            let before = db::users::find_for_update(conn, id, Scope::All, true)
                .await?
                .ok_or_else(not_found)?;
            if before.deleted_at.is_none() {
                return Err(ServiceError::conflict("This account is not deleted."));
            }
            if db::users::email_taken(conn, &before.email, Some(id)).await? {
                return Err(ServiceError::Conflict {
                    field: Some("email".into()),
                    message: "Another live account uses this email now; change it first.".into(),
                });
            }
            let after = db::users::update(
                conn,
                id,
                &UserChanges {
                    deleted_at: Some(None),
                    updated_at: Some(now),
                    ..UserChanges::default()
                },
            )
            .await?;
            audit::change(
                conn,
                caller,
                AuditAction::UserRestored,
                ENTITY_USER,
                id.0,
                Some(&before),
                Some(&after),
                now,
            )
            .await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

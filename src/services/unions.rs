//! Unions: reading them in scope, and creating, editing, reassigning, deleting and restoring
//! them — each change in one transaction with its audit row.

use chrono::{DateTime, Utc};
use scoped_futures::ScopedFutureExt;

use super::audit;
use super::{Caller, ServiceError, ServiceResult, check, optional, required};
use crate::db::page::{Page, Paged};
use crate::db::rollups::Loans;
use crate::db::unions::{NewUnion, Union, UnionChanges, UnionFilter, UnionOrderField};
use crate::db::{self, DbConn, Direction, Listing};
use crate::domain::audit::{AuditAction, ENTITY_UNION};
use crate::domain::permissions::{self, Owner, Scope};
use crate::domain::{Role, UnionId, UserId, unions as rules};
use crate::state::AppState;

const WHAT: &str = "Union";

fn not_found() -> ServiceError {
    ServiceError::NotFound("Union not found.".into())
}

/// A union by id, in the caller's scope.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    id: UnionId,
    include_deleted: bool,
) -> ServiceResult<Union> {
    let include_deleted = caller.include_deleted(include_deleted)?;
    let mut conn = state.db.get().await?;
    db::unions::find(&mut conn, id, caller.scope(), include_deleted)
        .await?
        .ok_or_else(not_found)
}

/// A page of the unions in the caller's scope.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: &UnionFilter,
    order: (UnionOrderField, Direction),
    listing: Listing,
    page: Page,
) -> ServiceResult<Paged<Union>> {
    caller.include_deleted(listing.include_deleted)?;
    let mut conn = state.db.get().await?;
    Ok(db::unions::list(&mut conn, filter, order, caller.scope(), listing, page).await?)
}

/// A new union.
#[derive(Debug, Clone)]
pub struct UnionInput {
    pub name: String,
    pub location: Option<String>,
    pub address: Option<String>,
    pub credit_officer_id: UserId,
}

/// Changes to a union's details; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UnionUpdate {
    pub name: Option<String>,
    pub location: Option<Option<String>>,
    pub address: Option<Option<String>>,
}

/// The officer a union is given: a live, active credit officer the caller can see, as the
/// owner the union will have.
pub(crate) async fn officer_owner(
    conn: &mut DbConn,
    scope: Scope,
    officer_id: UserId,
    field: &str,
) -> ServiceResult<Owner> {
    let officer = db::users::find(conn, officer_id, scope, false)
        .await?
        .ok_or_else(|| ServiceError::bad_input(field, "No credit officer with this id."))?;
    if officer.role != Role::CreditOfficer {
        return Err(ServiceError::bad_input(
            field,
            "A union is managed by a credit officer; this user is not one.",
        ));
    }
    if !officer.is_active {
        return Err(ServiceError::bad_input(
            field,
            "This credit officer's account is deactivated.",
        ));
    }
    Ok(Owner {
        officer_id: officer.id,
        officer_supervisor_id: officer.supervisor_id,
    })
}

/// Where a union sits: its officer and that officer's supervisor.
pub async fn owner_of(conn: &mut DbConn, union: &Union) -> ServiceResult<Owner> {
    let officer = db::users::find(conn, union.credit_officer_id, Scope::All, true)
        .await?
        .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("union without its officer")))?;
    Ok(Owner {
        officer_id: officer.id,
        officer_supervisor_id: officer.supervisor_id,
    })
}

/// Loads a union in the caller's scope for a change, locked until the transaction ends.
async fn load_for_change(
    conn: &mut DbConn,
    caller: &Caller,
    id: UnionId,
    include_deleted: bool,
) -> ServiceResult<(Union, Owner)> {
    let union = db::unions::find_for_update(conn, id, caller.scope(), include_deleted)
        .await?
        .ok_or_else(not_found)?;
    let owner = owner_of(conn, &union).await?;
    Ok((union, owner))
}

pub async fn create(state: &AppState, caller: &Caller, input: &UnionInput) -> ServiceResult<Union> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        create_in(conn, caller, input, now).scope_boxed()
    })
    .await
}

/// [`create`] in the caller's transaction.
pub async fn create_in(
    conn: &mut DbConn,
    caller: &Caller,
    input: &UnionInput,
    now: DateTime<Utc>,
) -> ServiceResult<Union> {
    let name = required("name", &input.name)?;
    let location = optional(input.location.as_deref());
    let address = optional(input.address.as_deref());
    check(permissions::can_create_unions(&caller.actor), WHAT)?;
    let owner = officer_owner(
        conn,
        caller.scope(),
        input.credit_officer_id,
        "creditOfficerId",
    )
    .await?;
    check(permissions::can_create_union(&caller.actor, &owner), WHAT)?;
    let union = db::unions::insert(
        conn,
        &NewUnion {
            name: &name,
            location: location.as_deref(),
            address: address.as_deref(),
            credit_officer_id: owner.officer_id,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    audit::change(
        conn,
        caller,
        AuditAction::UnionCreated,
        ENTITY_UNION,
        union.id.0,
        None::<&Union>,
        Some(&union),
        now,
    )
    .await?;
    Ok(union)
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: UnionId,
    update: &UnionUpdate,
) -> ServiceResult<Union> {
    let name = update
        .name
        .as_deref()
        .map(|name| required("name", name))
        .transpose()?;
    let location = update
        .location
        .as_ref()
        .map(|value| optional(value.as_deref()));
    let address = update
        .address
        .as_ref()
        .map(|value| optional(value.as_deref()));
    let now = state.clock.now();
    super::transaction(state, |conn| {
        let (name, location, address) = (&name, &location, &address);
        async move {
            let (before, owner) = load_for_change(conn, caller, id, false).await?;
            check(permissions::can_edit_union(&caller.actor, &owner), WHAT)?;
            let changes = UnionChanges {
                name: name.as_deref(),
                location: location.as_ref().map(Option::as_deref),
                address: address.as_ref().map(Option::as_deref),
                updated_at: Some(now),
                ..UnionChanges::default()
            };
            let after = db::unions::update(conn, id, &changes).await?;
            audit::change(
                conn,
                caller,
                AuditAction::UnionUpdated,
                ENTITY_UNION,
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

/// Gives a union another credit officer (ADMIN): a history row, and the union's open loans
/// follow, in one transaction.
pub async fn reassign(
    state: &AppState,
    caller: &Caller,
    id: UnionId,
    officer_id: UserId,
    reason: Option<&str>,
) -> ServiceResult<Union> {
    let reason = optional(reason);
    let now = state.clock.now();
    super::transaction(state, |conn| {
        let reason = reason.as_deref();
        async move {
            // The union's loans before the union: the order in which a change to a loan locks
            // them (see `db::daily_figures`).
            db::loans::lock_of_union(conn, id).await?;
            let (before, _) = load_for_change(conn, caller, id, false).await?;
            check(permissions::can_reassign(&caller.actor), WHAT)?;
            let owner = officer_owner(conn, caller.scope(), officer_id, "creditOfficerId").await?;
            if owner.officer_id == before.credit_officer_id {
                return Err(ServiceError::bad_input(
                    "creditOfficerId",
                    "The union is already managed by this credit officer.",
                ));
            }
            let figures = db::rollups::track(conn, Loans::OfUnion(id)).await?;
            let after = db::unions::update(
                conn,
                id,
                &UnionChanges {
                    credit_officer_id: Some(officer_id),
                    updated_at: Some(now),
                    ..UnionChanges::default()
                },
            )
            .await?;
            figures.settle(conn).await?;
            let history = db::assignments::insert_union_assignment(
                conn,
                &db::assignments::NewUnionAssignment {
                    union_id: id,
                    old_officer_id: Some(before.credit_officer_id),
                    new_officer_id: officer_id,
                    changed_by_user_id: caller.actor.user_id,
                    reason,
                    changed_at: now,
                    created_at: now,
                },
            )
            .await?;
            let loans_moved = db::loans::reassign_open_of_union(conn, id, officer_id, now).await?;
            let event =
                audit::AuditEvent::new(AuditAction::UnionReassigned, ENTITY_UNION, Some(id.0))
                    .before(audit::snapshot(&before))
                    .after(audit::snapshot(&after))
                    .metadata(serde_json::json!({
                        "reason": reason,
                        "historyId": history.id,
                        "openLoansReassigned": loans_moved,
                    }));
            audit::record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

/// Soft-deletes a union without live members or open loans.
pub async fn delete(state: &AppState, caller: &Caller, id: UnionId) -> ServiceResult<Union> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let (before, owner) = load_for_change(conn, caller, id, false).await?;
            check(
                permissions::can_delete_in_union(&caller.actor, &owner),
                WHAT,
            )?;
            let members = db::union_members::count_live_in_union(conn, id).await?;
            let open_loans = db::loans::count_open_of_union(conn, id).await?;
            rules::check_deletable(members, open_loans).map_err(ServiceError::conflict)?;
            let after = set_deleted(conn, id, Some(now), now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::UnionDeleted,
                ENTITY_UNION,
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

/// Restores a deleted union (ADMIN).
pub async fn restore(state: &AppState, caller: &Caller, id: UnionId) -> ServiceResult<Union> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            check(permissions::can_access_deleted(&caller.actor), WHAT)?;
            let (before, _) = load_for_change(conn, caller, id, true).await?;
            if before.deleted_at.is_none() {
                return Err(ServiceError::conflict("This union is not deleted."));
            }
            let after = set_deleted(conn, id, None, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::UnionRestored,
                ENTITY_UNION,
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

async fn set_deleted(
    conn: &mut DbConn,
    id: UnionId,
    deleted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ServiceResult<Union> {
    Ok(db::unions::update(
        conn,
        id,
        &UnionChanges {
            deleted_at: Some(deleted_at),
            updated_at: Some(now),
            ..UnionChanges::default()
        },
    )
    .await?)
}

//! Union members: reading them in scope; registering, editing, verifying, moving, deleting and
//! restoring them — each change in one transaction with its audit row.

use chrono::{DateTime, NaiveDate, Utc};
use scoped_futures::ScopedFutureExt;

use super::audit;
use super::{Caller, ServiceError, ServiceResult, check, optional, required};
use crate::db::page::{Page, Paged};
use crate::db::rollups::Loans;
use crate::db::union_members::{
    MemberDetails, MemberFilter, MemberOrderField, NewUnionMember, UnionMember,
};
use crate::db::{self, DbConn, Direction, Listing};
use crate::domain::audit::{AuditAction, ENTITY_UNION_MEMBER};
use crate::domain::members::{self as rules, Gender, MaritalStatus};
use crate::domain::permissions::{self, Owner};
use crate::domain::{UnionId, UnionMemberId, email};
use crate::state::AppState;

const WHAT: &str = "Union member";

fn not_found() -> ServiceError {
    ServiceError::NotFound("Union member not found.".into())
}

/// A member by id, in the caller's scope.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    id: UnionMemberId,
    include_deleted: bool,
) -> ServiceResult<UnionMember> {
    let include_deleted = caller.include_deleted(include_deleted)?;
    let mut conn = state.db.get().await?;
    db::union_members::find(&mut conn, id, caller.scope(), include_deleted)
        .await?
        .ok_or_else(not_found)
}

/// A page of the members in the caller's scope.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: &MemberFilter,
    order: (MemberOrderField, Direction),
    listing: Listing,
    page: Page,
) -> ServiceResult<Paged<UnionMember>> {
    caller.include_deleted(listing.include_deleted)?;
    let mut conn = state.db.get().await?;
    Ok(db::union_members::list(&mut conn, filter, order, caller.scope(), listing, page).await?)
}

/// A member's details as entered; `None` in an update leaves a field as it is, and an optional
/// field given as `Some(None)` is cleared.
#[derive(Debug, Clone, Default)]
pub struct MemberFields {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub date_of_birth: Option<Option<NaiveDate>>,
    pub gender: Option<Option<Gender>>,
    pub marital_status: Option<Option<MaritalStatus>>,
    pub profession: Option<Option<String>>,
    pub company: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub state: Option<Option<String>>,
    pub country: Option<Option<String>>,
    pub zip_code: Option<Option<String>>,
    pub note: Option<Option<String>>,
    pub profile_image: Option<Option<String>>,
}

fn text(value: &Option<Option<String>>, current: &Option<String>) -> Option<String> {
    match value {
        Some(value) => optional(value.as_deref()),
        None => current.clone(),
    }
}

impl MemberFields {
    /// `current` with these fields applied, checked: names required, email normalised, at
    /// least sixteen years old on `today`.
    fn apply(&self, current: &MemberDetails, today: NaiveDate) -> ServiceResult<MemberDetails> {
        let first_name = match &self.first_name {
            Some(name) => required("firstName", name)?,
            None => current.first_name.clone(),
        };
        let last_name = match &self.last_name {
            Some(name) => required("lastName", name)?,
            None => current.last_name.clone(),
        };
        let email = match &self.email {
            Some(value) => optional(value.as_deref())
                .map(|raw| {
                    email::normalize(&raw)
                        .map_err(|err| ServiceError::bad_input("email", err.to_string()))
                })
                .transpose()?,
            None => current.email.clone(),
        };
        let date_of_birth = self.date_of_birth.unwrap_or(current.date_of_birth);
        if let Some(birth) = date_of_birth
            && !rules::old_enough(birth, today)
        {
            return Err(ServiceError::bad_input(
                "dateOfBirth",
                format!(
                    "A member must be at least {} years old.",
                    rules::MINIMUM_AGE
                ),
            ));
        }
        Ok(MemberDetails {
            first_name,
            last_name,
            phone: text(&self.phone, &current.phone),
            email,
            address: text(&self.address, &current.address),
            date_of_birth,
            gender: self.gender.unwrap_or(current.gender),
            marital_status: self.marital_status.unwrap_or(current.marital_status),
            profession: text(&self.profession, &current.profession),
            company: text(&self.company, &current.company),
            city: text(&self.city, &current.city),
            state: text(&self.state, &current.state),
            country: text(&self.country, &current.country),
            zip_code: text(&self.zip_code, &current.zip_code),
            note: text(&self.note, &current.note),
            profile_image: text(&self.profile_image, &current.profile_image),
        })
    }
}

/// A new member of `union_id`.
#[derive(Debug, Clone)]
pub struct MemberInput {
    pub union_id: UnionId,
    pub fields: MemberFields,
    pub is_verified: Option<bool>,
}

async fn email_free(
    conn: &mut DbConn,
    details: &MemberDetails,
    except: Option<UnionMemberId>,
) -> ServiceResult<()> {
    if let Some(email) = &details.email
        && db::union_members::email_taken(conn, email, except).await?
    {
        return Err(ServiceError::Conflict {
            field: Some("email".into()),
            message: "A member with this email already exists.".into(),
        });
    }
    Ok(())
}

/// The union a member is put in: visible to the caller, live; with its owner.
async fn target_union(
    conn: &mut DbConn,
    caller: &Caller,
    union_id: UnionId,
) -> ServiceResult<(db::unions::Union, Owner)> {
    let union = db::unions::find(conn, union_id, caller.scope(), false)
        .await?
        .ok_or_else(|| ServiceError::bad_input("unionId", "No union with this id."))?;
    let owner = super::unions::owner_of(conn, &union).await?;
    Ok((union, owner))
}

async fn load_for_change(
    conn: &mut DbConn,
    caller: &Caller,
    id: UnionMemberId,
    include_deleted: bool,
) -> ServiceResult<(UnionMember, Owner)> {
    let member = db::union_members::find_for_update(conn, id, caller.scope(), include_deleted)
        .await?
        .ok_or_else(not_found)?;
    let union = db::unions::find(conn, member.union_id, permissions::Scope::All, true)
        .await?
        .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("member without its union")))?;
    let owner = super::unions::owner_of(conn, &union).await?;
    Ok((member, owner))
}

/// The checked details of a new member from `input` (names required, email normalised, old
/// enough on `today`), for writers that insert many members at once (`seed demo`); the email is
/// not checked against the database.
pub fn new_details(input: &MemberInput, today: NaiveDate) -> ServiceResult<MemberDetails> {
    let mut fields = input.fields.clone();
    fields.first_name.get_or_insert_with(String::new);
    fields.last_name.get_or_insert_with(String::new);
    fields.apply(&MemberDetails::default(), today)
}

pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: &MemberInput,
) -> ServiceResult<UnionMember> {
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
    input: &MemberInput,
    now: DateTime<Utc>,
) -> ServiceResult<UnionMember> {
    let blank = MemberDetails::default();
    let mut fields = input.fields.clone();
    fields.first_name.get_or_insert_with(String::new);
    fields.last_name.get_or_insert_with(String::new);
    let details = fields.apply(&blank, now.date_naive())?;
    let (union, owner) = target_union(conn, caller, input.union_id).await?;
    check(permissions::can_edit_member(&caller.actor, &owner), WHAT)?;
    email_free(conn, &details, None).await?;
    let number = db::counters::next(conn, db::counters::MEMBER_CODE, now).await?;
    let code = rules::code(number).map_err(ServiceError::conflict)?;
    let member = db::union_members::insert(
        conn,
        &NewUnionMember {
            code: &code,
            details,
            is_verified: input.is_verified.unwrap_or(true),
            union_id: union.id,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    audit::change(
        conn,
        caller,
        AuditAction::MemberCreated,
        ENTITY_UNION_MEMBER,
        member.id.0,
        None::<&UnionMember>,
        Some(&member),
        now,
    )
    .await?;
    Ok(member)
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: UnionMemberId,
    fields: &MemberFields,
) -> ServiceResult<UnionMember> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let (before, owner) = load_for_change(conn, caller, id, false).await?;
            check(permissions::can_edit_member(&caller.actor, &owner), WHAT)?;
            let details = fields.apply(&MemberDetails::from(&before), now.date_naive())?;
            email_free(conn, &details, Some(id)).await?;
            let after = db::union_members::update_details(conn, id, &details, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::MemberUpdated,
                ENTITY_UNION_MEMBER,
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

pub async fn set_verified(
    state: &AppState,
    caller: &Caller,
    id: UnionMemberId,
    verified: bool,
) -> ServiceResult<UnionMember> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let (before, owner) = load_for_change(conn, caller, id, false).await?;
            check(permissions::can_verify_member(&caller.actor, &owner), WHAT)?;
            let after = db::union_members::set_verified(conn, id, verified, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::MemberVerificationChanged,
                ENTITY_UNION_MEMBER,
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

/// Moves a member to another union (ADMIN): a history row with old and new union and officer,
/// and the member's open loans follow, in one transaction.
pub async fn move_to(
    state: &AppState,
    caller: &Caller,
    id: UnionMemberId,
    union_id: UnionId,
    reason: Option<&str>,
) -> ServiceResult<UnionMember> {
    let reason = optional(reason);
    let now = state.clock.now();
    super::transaction(state, |conn| {
        let reason = reason.as_deref();
        async move {
            let (before, old_owner) = load_for_change(conn, caller, id, false).await?;
            check(permissions::can_reassign(&caller.actor), WHAT)?;
            let (union, new_owner) = target_union(conn, caller, union_id).await?;
            if union.id == before.union_id {
                return Err(ServiceError::bad_input(
                    "unionId",
                    "The member is already in this union.",
                ));
            }
            let figures = db::rollups::track(conn, Loans::OfMember(id)).await?;
            let after = db::union_members::set_union(conn, id, union.id, now).await?;
            let history = db::assignments::insert_member_reassignment(
                conn,
                &db::assignments::NewMemberReassignment {
                    union_member_id: id,
                    old_union_id: before.union_id,
                    new_union_id: union.id,
                    old_officer_id: Some(old_owner.officer_id),
                    new_officer_id: new_owner.officer_id,
                    changed_by_user_id: caller.actor.user_id,
                    reason,
                    changed_at: now,
                    created_at: now,
                },
            )
            .await?;
            let loans_moved =
                db::loans::move_open_of_member(conn, id, union.id, new_owner.officer_id, now)
                    .await?;
            figures.settle(conn).await?;
            let event =
                audit::AuditEvent::new(AuditAction::MemberMoved, ENTITY_UNION_MEMBER, Some(id.0))
                    .before(audit::snapshot(&before))
                    .after(audit::snapshot(&after))
                    .metadata(serde_json::json!({
                        "reason": reason,
                        "historyId": history.id,
                        "openLoansMoved": loans_moved,
                    }));
            audit::record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

/// Soft-deletes a member without an open loan.
pub async fn delete(
    state: &AppState,
    caller: &Caller,
    id: UnionMemberId,
) -> ServiceResult<UnionMember> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let (before, owner) = load_for_change(conn, caller, id, false).await?;
            check(
                permissions::can_delete_in_union(&caller.actor, &owner),
                WHAT,
            )?;
            let open_loans = db::loans::count_open_of_member(conn, id).await?;
            rules::check_deletable(open_loans).map_err(ServiceError::conflict)?;
            let after = db::union_members::set_deleted(conn, id, Some(now), now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::MemberDeleted,
                ENTITY_UNION_MEMBER,
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

/// Restores a deleted member (ADMIN); refused while another live member holds its email or its
/// union is deleted.
pub async fn restore(
    state: &AppState,
    caller: &Caller,
    id: UnionMemberId,
) -> ServiceResult<UnionMember> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            check(permissions::can_access_deleted(&caller.actor), WHAT)?;
            let (before, _) = load_for_change(conn, caller, id, true).await?;
            if before.deleted_at.is_none() {
                return Err(ServiceError::conflict("This member is not deleted."));
            }
            if db::unions::find(conn, before.union_id, caller.scope(), false)
                .await?
                .is_none()
            {
                return Err(ServiceError::conflict(
                    "The member's union is deleted; restore the union first.",
                ));
            }
            email_free(conn, &MemberDetails::from(&before), Some(id)).await?;
            let after = db::union_members::set_deleted(conn, id, None, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::MemberRestored,
                ENTITY_UNION_MEMBER,
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

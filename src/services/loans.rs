//! Loans through their lifecycle (SPEC 5.1): applications, drafts and — by an administrator —
//! loans approved and disbursed at creation; submission, approval, rejection, cancellation,
//! disbursement, write-off, deletion and restoration. Each change runs in one transaction that
//! locks the loan's row, with its audit row; the schedule comes from `domain::schedule`.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use scoped_futures::ScopedFutureExt;

use super::audit;
use super::{Caller, ServiceError, ServiceResult, check, optional};
use crate::db::loans::{Loan, LoanChanges, LoanFilter, NewLoan};
use crate::db::page::{Page, Paged};
use crate::db::rollups::Loans;
use crate::db::schedule_items::{ScheduleItem, ScheduleItemFilter};
use crate::db::{self, DbConn, Listing};
use crate::domain::audit::{AuditAction, ENTITY_LOAN};
use crate::domain::loans::{self as rules, Bounds, Transition};
use crate::domain::permissions::{self, Owner, Scope};
use crate::domain::schedule::{self, Installment, Terms};
use crate::domain::{LoanId, LoanStatus, LoanTypeId, Role, UnionMemberId, UserId, money};
use crate::state::AppState;

const WHAT: &str = "Loan";

fn not_found() -> ServiceError {
    ServiceError::NotFound("Loan not found.".into())
}

/// A loan by id, in the caller's scope.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    id: LoanId,
    include_deleted: bool,
) -> ServiceResult<Loan> {
    let include_deleted = caller.include_deleted(include_deleted)?;
    let mut conn = state.db.get().await?;
    db::loans::find(&mut conn, id, caller.scope(), include_deleted)
        .await?
        .ok_or_else(not_found)
}

/// A loan by number (`LN00000042`), in the caller's scope.
pub async fn get_by_number(state: &AppState, caller: &Caller, number: &str) -> ServiceResult<Loan> {
    let mut conn = state.db.get().await?;
    db::loans::find_by_number(&mut conn, number.trim(), caller.scope())
        .await?
        .ok_or_else(not_found)
}

/// A page of the loans in the caller's scope, newest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: &LoanFilter,
    listing: Listing,
    page: Page,
) -> ServiceResult<Paged<Loan>> {
    caller.include_deleted(listing.include_deleted)?;
    let mut conn = state.db.get().await?;
    Ok(db::loans::list(&mut conn, filter, caller.scope(), listing, page).await?)
}

/// A new loan as asked for.
#[derive(Debug, Clone)]
pub struct LoanInput {
    pub union_member_id: UnionMemberId,
    pub loan_type_id: LoanTypeId,
    pub principal_amount: Decimal,
    pub term_count: i32,
    /// Defaults to today.
    pub start_date: Option<NaiveDate>,
    /// Defaults to the product's.
    pub processing_fee_amount: Option<Decimal>,
    /// Defaults to the product's.
    pub penalty_fee_per_day_amount: Option<Decimal>,
    /// The officer in charge: required from an administrator; others' loans go to the union's
    /// officer.
    pub credit_officer_id: Option<UserId>,
    pub notes: Option<String>,
    /// A draft instead of an application (or, for an administrator, of an active loan).
    pub as_draft: bool,
}

/// Where a loan sits: the officer of its union and that officer's supervisor.
pub(crate) async fn owner_of(conn: &mut DbConn, loan: &Loan) -> ServiceResult<Owner> {
    owner_of_union(conn, loan.union_id).await
}

/// The loan's union owner (officer and that officer's supervisor).
async fn owner_of_union(
    conn: &mut DbConn,
    union_id: crate::domain::UnionId,
) -> ServiceResult<Owner> {
    let union = db::unions::find(conn, union_id, Scope::All, true)
        .await?
        .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("loan without its union")))?;
    super::unions::owner_of(conn, &union).await
}

async fn load_for_change(
    conn: &mut DbConn,
    caller: &Caller,
    id: LoanId,
    include_deleted: bool,
) -> ServiceResult<(Loan, Owner)> {
    let loan = db::loans::find_for_update(conn, id, caller.scope(), include_deleted)
        .await?
        .ok_or_else(not_found)?;
    let owner = owner_of_union(conn, loan.union_id).await?;
    Ok((loan, owner))
}

fn amount(field: &str, value: Decimal) -> ServiceResult<Decimal> {
    money::check_amount(value).map_err(|reason| ServiceError::bad_input(field, reason))?;
    Ok(money::round(value))
}

/// The schedule of `terms`, or why it cannot be made (a bad input).
fn build_schedule(terms: &Terms) -> ServiceResult<Vec<Installment>> {
    let items = schedule::schedule(terms)
        .map_err(|err| ServiceError::bad_input("termCount", err.to_string()))?;
    for item in &items {
        amount("principalAmount", item.total_due)?;
    }
    Ok(items)
}

fn end_date(items: &[Installment]) -> ServiceResult<NaiveDate> {
    items
        .last()
        .map(|item| item.due_date)
        .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("empty schedule")))
}

/// The instant a loan disbursed on `day` is recorded at: now if that is today, otherwise the
/// start of that day.
fn disbursement_instant(day: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    if day == now.date_naive() {
        now
    } else {
        day.and_time(NaiveTime::MIN).and_utc()
    }
}

pub async fn create(state: &AppState, caller: &Caller, input: &LoanInput) -> ServiceResult<Loan> {
    let principal = amount("principalAmount", input.principal_amount)?;
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let member = db::union_members::find(conn, input.union_member_id, caller.scope(), false)
                .await?
                .ok_or_else(|| ServiceError::bad_input("unionMemberId", "No member with this id."))?;
            let owner = owner_of_union(conn, member.union_id).await?;
            check(permissions::can_create_loan(&caller.actor, &owner), WHAT)?;
            let product = db::loan_types::find(conn, input.loan_type_id, false)
                .await?
                .filter(|product| product.is_active)
                .ok_or_else(|| {
                    ServiceError::bad_input("loanTypeId", "No active loan product with this id.")
                })?;
            rules::check_fits(
                &Bounds {
                    min_amount: product.min_amount,
                    max_amount: product.max_amount,
                    min_term: product.min_term,
                    max_term: product.max_term,
                },
                principal,
                input.term_count,
            )
            .map_err(|(field, message)| ServiceError::bad_input(field, message))?;
            if let Some(open) = db::loans::open_of_member(conn, member.id).await? {
                return Err(ServiceError::Conflict {
                    field: Some("unionMemberId".into()),
                    message: format!(
                        "This member already has an open loan, {} ({}); close it before opening another.",
                        open.loan_number,
                        open.status.as_str()
                    ),
                });
            }
            let officer = match (caller.actor.role, input.credit_officer_id) {
                (Role::Admin, Some(officer)) => {
                    super::unions::officer_owner(conn, Scope::All, officer, "creditOfficerId")
                        .await?
                        .officer_id
                }
                (Role::Admin, None) => {
                    return Err(ServiceError::bad_input(
                        "creditOfficerId",
                        "An administrator names the credit officer in charge of the loan.",
                    ));
                }
                _ => owner.officer_id,
            };
            let start_date = input.start_date.unwrap_or(now.date_naive());
            let items = build_schedule(&Terms {
                principal,
                term_count: u32::try_from(input.term_count).unwrap_or(0),
                term_unit: product.term_unit,
                interest_rate: product.interest_rate,
                interest_method: product.interest_method,
                start_date,
            })?;
            let (status, approved) = match (caller.actor.role, input.as_draft) {
                (_, true) => (LoanStatus::Draft, false),
                (Role::Admin, false) => (LoanStatus::Active, true),
                (_, false) => (LoanStatus::PendingApproval, false),
            };
            let settings = db::settings::get(conn).await?;
            let number = db::counters::next(conn, db::counters::LOAN_NUMBER, now).await?;
            let loan_number = rules::number(number).map_err(ServiceError::conflict)?;
            let notes = optional(input.notes.as_deref());
            let loan = db::loans::insert(
                conn,
                &NewLoan {
                    loan_number: &loan_number,
                    union_member_id: member.id,
                    union_id: member.union_id,
                    loan_type_id: product.id,
                    principal_amount: principal,
                    currency_code: &settings.currency,
                    term_count: input.term_count,
                    term_unit: product.term_unit,
                    interest_rate: product.interest_rate,
                    interest_method: product.interest_method,
                    start_date,
                    end_date: end_date(&items)?,
                    processing_fee_amount: amount(
                        "processingFeeAmount",
                        input
                            .processing_fee_amount
                            .unwrap_or(product.default_processing_fee),
                    )?,
                    processing_fee_collected: approved,
                    penalty_fee_per_day_amount: amount(
                        "penaltyFeePerDayAmount",
                        input
                            .penalty_fee_per_day_amount
                            .unwrap_or(product.default_penalty_fee_per_day),
                    )?,
                    status,
                    created_by_user_id: caller.actor.user_id,
                    assigned_officer_id: officer,
                    approved_by_user_id: approved.then_some(caller.actor.user_id),
                    approved_at: approved.then_some(now),
                    disbursed_at: approved.then(|| disbursement_instant(start_date, now)),
                    notes: notes.as_deref(),
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
            db::schedule_items::insert_schedule(conn, loan.id, &items, now).await?;
            db::rollups::add_new(conn, Loans::one(loan.id)).await?;
            audit::change(
                conn,
                caller,
                AuditAction::LoanCreated,
                ENTITY_LOAN,
                loan.id.0,
                None::<&Loan>,
                Some(&loan),
                now,
            )
            .await?;
            Ok(loan)
        }
        .scope_boxed()
    })
    .await
}

/// Changes to a loan's terms; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct LoanUpdate {
    pub principal_amount: Option<Decimal>,
    pub term_count: Option<i32>,
    pub start_date: Option<NaiveDate>,
    pub processing_fee_amount: Option<Decimal>,
    pub penalty_fee_per_day_amount: Option<Decimal>,
    /// `Some(None)` clears the notes.
    pub notes: Option<Option<String>>,
}

impl LoanUpdate {
    /// Whether the schedule must be rebuilt.
    fn reschedules(&self, loan: &Loan) -> bool {
        self.principal_amount
            .is_some_and(|principal| money::round(principal) != loan.principal_amount)
            || self
                .term_count
                .is_some_and(|terms| terms != loan.term_count)
            || self
                .start_date
                .is_some_and(|start| start != loan.start_date)
    }
}

/// The schedule terms of `loan` with another principal, term count and start date.
fn terms_of(loan: &Loan, principal: Decimal, term_count: i32, start_date: NaiveDate) -> Terms {
    Terms {
        principal,
        term_count: u32::try_from(term_count).unwrap_or(0),
        term_unit: loan.term_unit,
        interest_rate: loan.interest_rate,
        interest_method: loan.interest_method,
        start_date,
    }
}

/// Refuses a new schedule for a disbursed loan that is smaller than what was already paid to it.
async fn check_covers_payments(
    conn: &mut DbConn,
    loan: &Loan,
    items: &[Installment],
) -> ServiceResult<()> {
    let paid: Decimal = db::repayments::of_loan(conn, loan.id)
        .await?
        .iter()
        .filter(|repayment| repayment.reversed_at.is_none())
        .map(|repayment| repayment.amount)
        .sum();
    let charges: Decimal = db::charges::payable_of_loan(conn, loan.id)
        .await?
        .iter()
        .map(|charge| charge.amount)
        .sum();
    let scheduled: Decimal = items.iter().map(|item| item.total_due).sum();
    if paid > scheduled + charges {
        return Err(ServiceError::bad_input(
            "principalAmount",
            format!(
                "The new schedule totals {scheduled} (with {charges} of charges), less than the {paid} already paid on this loan."
            ),
        ));
    }
    Ok(())
}

/// Edits a loan's terms: a credit officer while it is a draft or pending approval, an
/// administrator until it ends. Before disbursement the schedule is rebuilt; on an ACTIVE or
/// DEFAULTED loan the change is a reschedule: the schedule is rebuilt and the repayments
/// re-played over it, refused when the new schedule is smaller than what was already paid.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: LoanId,
    input: &LoanUpdate,
) -> ServiceResult<Loan> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let (before, owner) = load_for_change(conn, caller, id, false).await?;
            check(
                permissions::can_edit_loan_terms(&caller.actor, &owner, before.status),
                WHAT,
            )?;
            let figures = db::rollups::track(conn, Loans::one(id)).await?;
            let disbursed = matches!(before.status, LoanStatus::Active | LoanStatus::Defaulted);
            let principal = match input.principal_amount {
                Some(value) => amount("principalAmount", value)?,
                None => before.principal_amount,
            };
            let term_count = input.term_count.unwrap_or(before.term_count);
            let start_date = input.start_date.unwrap_or(before.start_date);
            if disbursed
                && let Some(disbursed_at) = before.disbursed_at
                && start_date < disbursed_at.date_naive()
            {
                return Err(ServiceError::bad_input(
                    "startDate",
                    "A disbursed loan cannot start before its disbursement.",
                ));
            }
            let product = db::loan_types::find(conn, before.loan_type_id, true)
                .await?
                .ok_or_else(|| {
                    ServiceError::internal(anyhow::anyhow!("loan without its product"))
                })?;
            rules::check_fits(
                &Bounds {
                    min_amount: product.min_amount,
                    max_amount: product.max_amount,
                    min_term: product.min_term,
                    max_term: product.max_term,
                },
                principal,
                term_count,
            )
            .map_err(|(field, message)| ServiceError::bad_input(field, message))?;
            let mut changes = LoanChanges {
                updated_at: Some(now),
                ..LoanChanges::default()
            };
            if let Some(fee) = input.processing_fee_amount {
                if before.processing_fee_collected {
                    return Err(ServiceError::bad_input(
                        "processingFeeAmount",
                        "The processing fee was collected at approval; it cannot change now.",
                    ));
                }
                changes.processing_fee_amount = Some(amount("processingFeeAmount", fee)?);
            }
            if let Some(fee) = input.penalty_fee_per_day_amount {
                changes.penalty_fee_per_day_amount = Some(amount("penaltyFeePerDayAmount", fee)?);
            }
            let notes = input.notes.as_ref().map(|notes| optional(notes.as_deref()));
            changes.notes = notes.as_ref().map(Option::as_deref);
            let rescheduled = input.reschedules(&before);
            if rescheduled {
                let items = build_schedule(&terms_of(&before, principal, term_count, start_date))?;
                if disbursed {
                    check_covers_payments(conn, &before, &items).await?;
                }
                // Allocations point at the old installments: the re-play writes them again.
                db::repayments::delete_allocations_of_loan(conn, id).await?;
                db::schedule_items::delete_schedule(conn, id).await?;
                db::schedule_items::insert_schedule(conn, id, &items, now).await?;
                changes.principal_amount = Some(principal);
                changes.term_count = Some(term_count);
                changes.start_date = Some(start_date);
                changes.end_date = Some(end_date(&items)?);
            }
            let updated = db::loans::update(conn, id, &changes).await?;
            if rescheduled && disbursed {
                super::repayments::replay(conn, &updated, now)
                    .await
                    .map_err(|err| match err {
                        super::repayments::Replay::Overpaid(_) => ServiceError::bad_input(
                            "principalAmount",
                            "The new schedule is smaller than what was already paid on this loan.",
                        ),
                        super::repayments::Replay::Failed(err) => err,
                    })?;
            }
            figures.settle(conn).await?;
            let after = db::loans::find(conn, id, Scope::All, false)
                .await?
                .ok_or_else(not_found)?;
            let action = if rescheduled && disbursed {
                AuditAction::LoanRescheduled
            } else {
                AuditAction::LoanUpdated
            };
            audit::change(
                conn,
                caller,
                action,
                ENTITY_LOAN,
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

/// How a lifecycle step is recorded on the loan.
struct Step<'a> {
    transition: Transition,
    action: AuditAction,
    reason: Option<&'a str>,
    disbursed_on: Option<NaiveDate>,
}

fn decide(
    caller: &Caller,
    loan: &Loan,
    owner: &Owner,
    transition: Transition,
) -> ServiceResult<()> {
    let decision = match transition {
        Transition::Submit => permissions::can_submit_loan(&caller.actor, owner),
        Transition::Cancel if loan.status == LoanStatus::Draft => {
            permissions::can_edit_loan_terms(&caller.actor, owner, loan.status)
        }
        Transition::WriteOff => permissions::can_correct_money(&caller.actor, owner),
        Transition::Approve | Transition::Reject | Transition::Cancel | Transition::Disburse => {
            permissions::can_decide_loan(&caller.actor, owner)
        }
    };
    check(decision, WHAT)
}

async fn step(
    state: &AppState,
    caller: &Caller,
    id: LoanId,
    step: Step<'_>,
) -> ServiceResult<Loan> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        let step = &step;
        async move {
            let (before, owner) = load_for_change(conn, caller, id, false).await?;
            decide(caller, &before, &owner, step.transition)?;
            let status = step
                .transition
                .apply(before.status)
                .map_err(ServiceError::conflict)?;
            let figures = db::rollups::track(conn, Loans::one(id)).await?;
            let mut changes = LoanChanges {
                status: Some(status),
                updated_at: Some(now),
                ..LoanChanges::default()
            };
            match step.transition {
                Transition::Approve => {
                    changes.approved_by_user_id = Some(Some(caller.actor.user_id));
                    changes.approved_at = Some(Some(now));
                    changes.processing_fee_collected = Some(true);
                }
                Transition::Reject | Transition::Cancel | Transition::WriteOff => {
                    changes.status_reason = Some(step.reason);
                    changes.closed_at = Some(Some(now));
                }
                Transition::Disburse => {
                    let day = step.disbursed_on.unwrap_or(now.date_naive());
                    if day > now.date_naive() {
                        return Err(ServiceError::bad_input(
                            "disbursedAt",
                            "A loan cannot be disbursed in the future.",
                        ));
                    }
                    if day != before.start_date {
                        // The start moves to the disbursement, and the schedule with it.
                        let items = build_schedule(&terms_of(
                            &before,
                            before.principal_amount,
                            before.term_count,
                            day,
                        ))?;
                        db::schedule_items::delete_schedule(conn, id).await?;
                        db::schedule_items::insert_schedule(conn, id, &items, now).await?;
                        changes.start_date = Some(day);
                        changes.end_date = Some(end_date(&items)?);
                    }
                    changes.disbursed_at = Some(Some(disbursement_instant(day, now)));
                }
                Transition::Submit => {}
            }
            let after = db::loans::update(conn, id, &changes).await?;
            figures.settle(conn).await?;
            let mut event = audit::AuditEvent::new(step.action, ENTITY_LOAN, Some(id.0))
                .before(audit::snapshot(&before))
                .after(audit::snapshot(&after));
            if let Some(reason) = step.reason {
                event = event.metadata(serde_json::json!({ "reason": reason }));
            }
            audit::record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

fn reason(value: &str) -> ServiceResult<String> {
    super::required("reason", value)
}

pub async fn submit(state: &AppState, caller: &Caller, id: LoanId) -> ServiceResult<Loan> {
    let submit = Step {
        transition: Transition::Submit,
        action: AuditAction::LoanSubmitted,
        reason: None,
        disbursed_on: None,
    };
    step(state, caller, id, submit).await
}

pub async fn approve(
    state: &AppState,
    caller: &Caller,
    id: LoanId,
    note: Option<&str>,
) -> ServiceResult<Loan> {
    let note = optional(note);
    let approve = Step {
        transition: Transition::Approve,
        action: AuditAction::LoanApproved,
        reason: note.as_deref(),
        disbursed_on: None,
    };
    step(state, caller, id, approve).await
}

pub async fn reject(
    state: &AppState,
    caller: &Caller,
    id: LoanId,
    why: &str,
) -> ServiceResult<Loan> {
    let why = reason(why)?;
    let reject = Step {
        transition: Transition::Reject,
        action: AuditAction::LoanRejected,
        reason: Some(&why),
        disbursed_on: None,
    };
    step(state, caller, id, reject).await
}

pub async fn cancel(
    state: &AppState,
    caller: &Caller,
    id: LoanId,
    why: &str,
) -> ServiceResult<Loan> {
    let why = reason(why)?;
    let cancel = Step {
        transition: Transition::Cancel,
        action: AuditAction::LoanCanceled,
        reason: Some(&why),
        disbursed_on: None,
    };
    step(state, caller, id, cancel).await
}

pub async fn disburse(
    state: &AppState,
    caller: &Caller,
    id: LoanId,
    disbursed_at: Option<DateTime<Utc>>,
) -> ServiceResult<Loan> {
    let disburse = Step {
        transition: Transition::Disburse,
        action: AuditAction::LoanDisbursed,
        reason: None,
        disbursed_on: disbursed_at.map(|at| at.date_naive()),
    };
    step(state, caller, id, disburse).await
}

pub async fn write_off(
    state: &AppState,
    caller: &Caller,
    id: LoanId,
    why: &str,
) -> ServiceResult<Loan> {
    let why = reason(why)?;
    let write_off = Step {
        transition: Transition::WriteOff,
        action: AuditAction::LoanWrittenOff,
        reason: Some(&why),
        disbursed_on: None,
    };
    step(state, caller, id, write_off).await
}

/// Soft-deletes a loan without live repayments (administrators and the officer's supervisor).
pub async fn delete(state: &AppState, caller: &Caller, id: LoanId) -> ServiceResult<Loan> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let (before, owner) = load_for_change(conn, caller, id, false).await?;
            check(permissions::can_decide_loan(&caller.actor, &owner), WHAT)?;
            let repayments = db::loans::count_live_repayments(conn, id).await?;
            if repayments > 0 {
                return Err(ServiceError::conflict(format!(
                    "This loan has {}; reverse them first or write the loan off.",
                    crate::domain::unions::plural(repayments, "live repayment", "live repayments")
                )));
            }
            let after = set_deleted(conn, id, Some(now), now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::LoanDeleted,
                ENTITY_LOAN,
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

/// Restores a deleted loan (administrators); refused while the member has another open loan.
pub async fn restore(state: &AppState, caller: &Caller, id: LoanId) -> ServiceResult<Loan> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            check(permissions::can_access_deleted(&caller.actor), WHAT)?;
            let (before, _) = load_for_change(conn, caller, id, true).await?;
            if before.deleted_at.is_none() {
                return Err(ServiceError::conflict("This loan is not deleted."));
            }
            if before.status.is_open()
                && let Some(open) = db::loans::open_of_member(conn, before.union_member_id).await?
            {
                return Err(ServiceError::conflict(format!(
                    "The member has another open loan, {}; close it first.",
                    open.loan_number
                )));
            }
            let after = set_deleted(conn, id, None, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::LoanRestored,
                ENTITY_LOAN,
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
    id: LoanId,
    deleted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ServiceResult<Loan> {
    let figures = db::rollups::track(conn, Loans::one(id)).await?;
    let loan = db::loans::update(
        conn,
        id,
        &LoanChanges {
            deleted_at: Some(deleted_at),
            updated_at: Some(now),
            ..LoanChanges::default()
        },
    )
    .await?;
    figures.settle(conn).await?;
    Ok(loan)
}

/// A page of the installments of live loans in scope that pass `filter` (statuses as of
/// today), soonest due first.
pub async fn schedule_items(
    state: &AppState,
    caller: &Caller,
    filter: &ScheduleItemFilter,
    want_total: bool,
    page: Page,
) -> ServiceResult<Paged<ScheduleItem>> {
    let today = state.clock.now().date_naive();
    let mut conn = state.db.get().await?;
    Ok(
        db::schedule_items::list(&mut conn, filter, caller.scope(), today, want_total, page)
            .await?,
    )
}

/// The loans in scope that pass `filter`, counted and summed per status over the whole list.
pub async fn aggregate(
    state: &AppState,
    caller: &Caller,
    filter: &LoanFilter,
    include_deleted: bool,
) -> ServiceResult<Vec<(crate::domain::LoanStatus, i64, db::loans::LoanSums)>> {
    caller.include_deleted(include_deleted)?;
    let listing = Listing {
        include_deleted,
        want_total: false,
    };
    let mut conn = state.db.get().await?;
    Ok(db::loans::aggregate(&mut conn, filter, caller.scope(), listing).await?)
}

/// The installments of live loans in scope that pass `filter`, counted and summed per status
/// as of today over the whole list.
pub async fn schedule_item_aggregate(
    state: &AppState,
    caller: &Caller,
    filter: &ScheduleItemFilter,
) -> ServiceResult<
    Vec<(
        crate::domain::schedule::ScheduleStatus,
        i64,
        db::schedule_items::ItemSums,
    )>,
> {
    let today = state.clock.now().date_naive();
    let mut conn = state.db.get().await?;
    Ok(db::schedule_items::aggregate(&mut conn, filter, caller.scope(), today).await?)
}

//! Repayments (SPEC 5.3): recording one (checked, idempotent, never more than is owed) and
//! reversing one, each followed by a re-play of the loan — every live repayment allocated again
//! from scratch in `paidAt` order by `domain::allocation` — in one transaction that locks the
//! loan's row first, so concurrent payments on a loan queue and none is lost or counted twice.
//!
//! Everything a money operation reads or writes belongs to the loan whose row it holds, so these
//! transactions run READ COMMITTED under that lock ([`super::locking_transaction`]): payments on
//! different loans never wait for or conflict with each other, where SERIALIZABLE's predicate
//! locks on shared index pages made them fail one another under load. A database that runs
//! only SERIALIZABLE (CockroachDB) still gets the retries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use scoped_futures::ScopedFutureExt;

use super::audit;
use super::{Caller, ServiceError, ServiceResult, check, optional, required};
use crate::db::loans::{Loan, LoanChanges};
use crate::db::page::{Page, Paged};
use crate::db::repayments::{NewAllocation, NewRepayment, Repayment, RepaymentFilter};
use crate::db::rollups::Loans;
use crate::db::{self, DbConn};
use crate::domain::allocation::{
    self, ChargeDue, InstallmentDue, Overpayment, PaymentMethod, Target,
};
use crate::domain::audit::{AuditAction, ENTITY_REPAYMENT};
use crate::domain::permissions;
use crate::domain::schedule::status_on;
use crate::domain::{
    ChargeId, LoanId, LoanStatus, RepaymentId, ScheduleItemId, loans as rules, money,
};
use crate::state::AppState;

const WHAT: &str = "Repayment";

/// A repayment as recorded by staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepaymentInput {
    pub loan_id: LoanId,
    pub amount: Decimal,
    /// Defaults to now; may be in the past (not before disbursement), never in the future.
    pub paid_at: Option<DateTime<Utc>>,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub notes: Option<String>,
    /// The same key with the same input returns the first repayment and records nothing.
    pub idempotency_key: String,
}

/// Whether a repayment already recorded with the key is the same payment.
fn same_payment(existing: &Repayment, input: &RepaymentInput, paid_at: DateTime<Utc>) -> bool {
    existing.loan_id == input.loan_id
        && existing.amount == money::round(input.amount)
        && existing.method == input.method
        && existing.reference.as_deref() == optional(input.reference.as_deref()).as_deref()
        && (input.paid_at.is_none() || existing.paid_at == paid_at)
}

pub async fn record(
    state: &AppState,
    caller: &Caller,
    input: &RepaymentInput,
) -> ServiceResult<Repayment> {
    money::check_amount(input.amount)
        .map_err(|reason| ServiceError::bad_input("amount", reason))?;
    if input.amount <= Decimal::ZERO {
        return Err(ServiceError::bad_input(
            "amount",
            "A repayment is more than zero.",
        ));
    }
    let key = required("idempotencyKey", &input.idempotency_key)?;
    let now = state.clock.now();
    let paid_at = input.paid_at.unwrap_or(now);
    if paid_at > now {
        return Err(ServiceError::bad_input(
            "paidAt",
            "A repayment cannot be dated in the future.",
        ));
    }
    super::locking_transaction(state, |conn| {
        let key = key.as_str();
        async move {
            let loan = db::loans::find_for_update(conn, input.loan_id, caller.scope(), false)
                .await?
                .ok_or_else(|| ServiceError::bad_input("loanId", "No loan with this id."))?;
            if let Some(existing) = db::repayments::find_by_key(conn, key).await? {
                return if same_payment(&existing, input, paid_at) {
                    Ok(existing)
                } else {
                    Err(ServiceError::Conflict {
                        field: Some("idempotencyKey".into()),
                        message: "This idempotency key was already used for a different repayment."
                            .into(),
                    })
                };
            }
            let owner = super::loans::owner_of(conn, &loan).await?;
            check(
                permissions::can_record_repayment(&caller.actor, &owner),
                WHAT,
            )?;
            if !matches!(loan.status, LoanStatus::Active | LoanStatus::Defaulted) {
                return Err(ServiceError::conflict(format!(
                    "Repayments are taken on ACTIVE or DEFAULTED loans; this one is {}.",
                    loan.status.as_str()
                )));
            }
            if loan
                .disbursed_at
                .is_some_and(|disbursed| paid_at.date_naive() < disbursed.date_naive())
            {
                return Err(ServiceError::bad_input(
                    "paidAt",
                    "A repayment cannot be dated before the loan was disbursed.",
                ));
            }
            let book = Book::load(conn, &loan).await?;
            let owed = book.owed();
            if money::round(input.amount) > owed {
                return Err(ServiceError::bad_input(
                    "amount",
                    format!(
                        "The payment is more than is owed; the most that can be paid is {owed}."
                    ),
                ));
            }
            let reference = optional(input.reference.as_deref());
            let notes = optional(input.notes.as_deref());
            let figures = db::rollups::track(conn, Loans::one(loan.id)).await?;
            let repayment = db::repayments::insert(
                conn,
                &NewRepayment {
                    loan_id: loan.id,
                    received_by_user_id: caller.actor.user_id,
                    amount: money::round(input.amount),
                    currency_code: &loan.currency_code,
                    paid_at,
                    method: input.method,
                    reference: reference.as_deref(),
                    notes: notes.as_deref(),
                    idempotency_key: key,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
            // A backdated payment comes before penalties charged after its date: the re-play
            // can find it too large even when the total owed is not.
            let latest = book.last_paid_at.is_none_or(|last| paid_at >= last);
            let outcome = if latest {
                let payment = allocation::Payment {
                    key: repayment.id,
                    date: paid_at.date_naive(),
                    amount: repayment.amount,
                };
                allocate_latest(conn, &loan, book, payment, now).await
            } else {
                replay_book(conn, &loan, book, now).await
            };
            outcome.map_err(|err| match err {
                Replay::Overpaid(overpayment) => {
                    ServiceError::bad_input("amount", overpayment.to_string())
                }
                Replay::Failed(err) => err,
            })?;
            figures.settle(conn).await?;
            let event = audit::AuditEvent::new(
                AuditAction::RepaymentRecorded,
                ENTITY_REPAYMENT,
                Some(repayment.id.0),
            )
            .after(audit::snapshot(&repayment));
            audit::record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await?;
            Ok(repayment)
        }
        .scope_boxed()
    })
    .await
}

/// What a loan owes, as the last re-play left it: its installments and payable charges, read
/// once for both the check of a payment and its re-play.
pub(crate) struct Book {
    items: Vec<db::schedule_items::ScheduleItem>,
    charges: Vec<db::charges::Charge>,
    /// When the latest live repayment was paid.
    last_paid_at: Option<DateTime<Utc>>,
}

impl Book {
    /// The book of `loan`, whose row the caller holds.
    pub(crate) async fn load(conn: &mut DbConn, loan: &Loan) -> ServiceResult<Self> {
        Ok(Self {
            items: db::schedule_items::of_loan(conn, loan.id).await?,
            charges: db::charges::payable_of_loan(conn, loan.id).await?,
            last_paid_at: db::repayments::last_paid_at(conn, loan.id).await?,
        })
    }

    /// What is owed now: unpaid installments and charges.
    fn owed(&self) -> Decimal {
        let installments: Decimal = self
            .items
            .iter()
            .map(|item| item.total_due - item.paid_amount)
            .sum();
        let penalties: Decimal = self
            .charges
            .iter()
            .map(|charge| charge.amount - charge.paid_amount)
            .sum();
        installments + penalties
    }
}

/// Reverses a repayment (administrators): it stays visible as reversed, the loan is re-played
/// without it, and its status follows.
pub async fn reverse(
    state: &AppState,
    caller: &Caller,
    id: RepaymentId,
    reason: &str,
) -> ServiceResult<Repayment> {
    let reason = required("reason", reason)?;
    let now = state.clock.now();
    super::locking_transaction(state, |conn| {
        let reason = reason.as_str();
        async move {
            let found = db::repayments::find_for_update(conn, id).await?;
            let not_found = || ServiceError::NotFound("Repayment not found.".into());
            let before = found.ok_or_else(not_found)?;
            let loan = db::loans::find_for_update(conn, before.loan_id, caller.scope(), false)
                .await?
                .ok_or_else(not_found)?;
            let owner = super::loans::owner_of(conn, &loan).await?;
            check(permissions::can_correct_money(&caller.actor, &owner), WHAT)?;
            if before.reversed_at.is_some() {
                return Err(ServiceError::conflict(
                    "This repayment is already reversed.",
                ));
            }
            let figures = db::rollups::track(conn, Loans::one(loan.id)).await?;
            let after =
                db::repayments::mark_reversed(conn, id, caller.actor.user_id, reason, now).await?;
            replay(conn, &loan, now)
                .await
                .map_err(Replay::into_service)?;
            figures.settle(conn).await?;
            let event = audit::AuditEvent::new(
                AuditAction::RepaymentReversed,
                ENTITY_REPAYMENT,
                Some(id.0),
            )
            .before(audit::snapshot(&before))
            .after(audit::snapshot(&after))
            .metadata(serde_json::json!({ "reason": reason }));
            audit::record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

/// Why a re-play failed.
pub(crate) enum Replay {
    /// A payment no longer fits what is owed.
    Overpaid(Overpayment),
    Failed(ServiceError),
}

impl Replay {
    pub(crate) fn into_service(self) -> ServiceError {
        match self {
            Self::Overpaid(overpayment) => ServiceError::conflict(overpayment.to_string()),
            Self::Failed(err) => err,
        }
    }
}

impl From<diesel::result::Error> for Replay {
    fn from(err: diesel::result::Error) -> Self {
        Self::Failed(err.into())
    }
}

/// Allocates every live repayment of `loan` again from scratch, writes the allocations, the
/// installments' and charges' paid amounts, and the loan's status. The loan's row is locked by
/// the caller.
pub(crate) async fn replay(
    conn: &mut DbConn,
    loan: &Loan,
    now: DateTime<Utc>,
) -> Result<(), Replay> {
    let book = Book::load(conn, loan).await.map_err(Replay::Failed)?;
    replay_book(conn, loan, book, now).await
}

/// [`replay`] on its own: the daily figures follow what it changes.
pub(crate) async fn replay_alone(
    conn: &mut DbConn,
    loan: &Loan,
    now: DateTime<Utc>,
) -> Result<(), Replay> {
    let figures = db::rollups::track(conn, Loans::one(loan.id)).await?;
    replay(conn, loan, now).await?;
    figures.settle(conn).await?;
    Ok(())
}

/// [`replay`] over the loan's `book`, already read under the loan's lock.
async fn replay_book(
    conn: &mut DbConn,
    loan: &Loan,
    book: Book,
    now: DateTime<Utc>,
) -> Result<(), Replay> {
    let settings = db::settings::get(conn).await?;
    let payments: Vec<allocation::Payment<RepaymentId>> = db::repayments::of_loan(conn, loan.id)
        .await?
        .into_iter()
        .filter(|repayment| repayment.reversed_at.is_none())
        .map(|repayment| allocation::Payment {
            key: repayment.id,
            date: repayment.paid_at.date_naive(),
            amount: repayment.amount,
        })
        .collect();
    let dues: Vec<_> = book
        .items
        .iter()
        .map(|item| InstallmentDue {
            key: item.id,
            fee: item.fee_due,
            interest: item.interest_due,
            principal: item.principal_due,
        })
        .collect();
    let charge_dues: Vec<_> = book
        .charges
        .iter()
        .map(|charge| ChargeDue {
            key: charge.id,
            date: charge.charge_date,
            amount: charge.amount,
        })
        .collect();
    let replayed = allocation::replay(&payments, settings.allocation_order, dues, charge_dues)
        .map_err(Replay::Overpaid)?;
    db::repayments::delete_allocations_of_loan(conn, loan.id).await?;
    write(conn, loan, book, &settings, Paid::default(), replayed, now).await
}

/// Allocates a payment dated on or after every other live payment of the loan (the usual
/// case) over what the last re-play left unpaid. A re-play would allocate every earlier payment
/// as it already is, so only the new payment's allocations are written — the same rows as a
/// full re-play, without rewriting the loan's history.
async fn allocate_latest(
    conn: &mut DbConn,
    loan: &Loan,
    book: Book,
    payment: allocation::Payment<RepaymentId>,
    now: DateTime<Utc>,
) -> Result<(), Replay> {
    let settings = db::settings::get(conn).await?;
    let mut dues: Vec<_> = book
        .items
        .iter()
        .map(|item| {
            InstallmentDue {
                key: item.id,
                fee: item.fee_due,
                interest: item.interest_due,
                principal: item.principal_due,
            }
            .after_paying(item.paid_amount)
        })
        .collect();
    let mut charge_dues: Vec<_> = book
        .charges
        .iter()
        .map(|charge| ChargeDue {
            key: charge.id,
            date: charge.charge_date,
            amount: charge.amount - charge.paid_amount,
        })
        .collect();
    let allocations = allocation::allocate(
        payment.amount,
        payment.date,
        settings.allocation_order,
        &mut dues,
        &mut charge_dues,
    )
    .map_err(Replay::Overpaid)?;
    let already = Paid {
        items: book
            .items
            .iter()
            .map(|item| (item.id, item.paid_amount))
            .collect(),
        charges: book
            .charges
            .iter()
            .map(|charge| (charge.id, charge.paid_amount))
            .collect(),
    };
    write(
        conn,
        loan,
        book,
        &settings,
        already,
        vec![(payment.key, allocations)],
        now,
    )
    .await
}

/// What was paid to installments and charges before the allocations being written.
#[derive(Default)]
struct Paid {
    items: HashMap<ScheduleItemId, Decimal>,
    charges: HashMap<ChargeId, Decimal>,
}

/// Writes `allocated` (on top of `paid`), the installments' and charges' paid amounts and
/// statuses as of today, and the loan's status.
async fn write(
    conn: &mut DbConn,
    loan: &Loan,
    book: Book,
    settings: &db::settings::CompanySettings,
    paid: Paid,
    allocated: Vec<allocation::Replayed<RepaymentId, ScheduleItemId, ChargeId>>,
    now: DateTime<Utc>,
) -> Result<(), Replay> {
    let Book { items, charges, .. } = book;
    let Paid {
        items: mut paid_items,
        charges: mut paid_charges,
    } = paid;
    let mut rows = Vec::new();
    for (repayment, allocations) in allocated {
        for part in allocations {
            let (schedule_item_id, charge_id) = match part.target {
                Target::Installment(item) => {
                    *paid_items.entry(item).or_default() += part.amount();
                    (Some(item), None)
                }
                Target::Charge(charge) => {
                    *paid_charges.entry(charge).or_default() += part.amount();
                    (None, Some(charge))
                }
            };
            rows.push(NewAllocation {
                repayment_id: repayment,
                schedule_item_id,
                charge_id,
                principal_amount: part.principal,
                interest_amount: part.interest,
                fee_amount: part.fee,
                penalty_amount: part.penalty,
                amount: part.amount(),
                created_at: now,
            });
        }
    }
    db::repayments::insert_allocations(conn, &rows).await?;

    let today = now.date_naive();
    let mut outstanding = Decimal::ZERO;
    let mut oldest_unpaid = None;
    for item in &items {
        let paid = paid_items.get(&item.id).copied().unwrap_or_default();
        outstanding += item.total_due - paid;
        if paid < item.total_due {
            oldest_unpaid = oldest_unpaid
                .min(Some(item.due_date))
                .or(Some(item.due_date));
        }
        let status = status_on(item.due_date, item.total_due, paid, today);
        let closed_at = (paid >= item.total_due).then(|| item.closed_at.unwrap_or(now));
        if paid != item.paid_amount || status != item.status || closed_at != item.closed_at {
            db::schedule_items::set_paid(conn, item.id, paid, status, closed_at, now).await?;
        }
    }
    for charge in &charges {
        let paid = paid_charges.get(&charge.id).copied().unwrap_or_default();
        outstanding += charge.amount - paid;
        if paid != charge.paid_amount {
            db::charges::set_paid(conn, charge.id, paid, now).await?;
        }
    }
    let grace = u32::try_from(settings.default_grace_days).unwrap_or(0);
    let status =
        rules::status_after_payments(loan.status, outstanding, loan.end_date, grace, today);
    let facts_changed =
        outstanding != loan.outstanding_amount || oldest_unpaid != loan.oldest_unpaid_due_date;
    if status != loan.status || facts_changed {
        let moved = status != loan.status;
        let closed_at = (status == LoanStatus::Completed).then_some(now);
        db::loans::update(
            conn,
            loan.id,
            &LoanChanges {
                status: moved.then_some(status),
                closed_at: moved.then_some(closed_at),
                updated_at: moved.then_some(now),
                outstanding_amount: Some(outstanding),
                oldest_unpaid_due_date: Some(oldest_unpaid),
                ..LoanChanges::default()
            },
        )
        .await?;
    }
    Ok(())
}

/// A repayment by id, if its loan is in the caller's scope.
pub async fn get(state: &AppState, caller: &Caller, id: RepaymentId) -> ServiceResult<Repayment> {
    let mut conn = state.db.get().await?;
    let not_found = || ServiceError::NotFound("Repayment not found.".into());
    let repayment = db::repayments::find(&mut conn, id)
        .await?
        .ok_or_else(not_found)?;
    db::loans::find(&mut conn, repayment.loan_id, caller.scope(), true)
        .await?
        .ok_or_else(not_found)?;
    Ok(repayment)
}

/// A loan's repayments, reversed ones included, in `paidAt` order (the loan in scope).
pub async fn of_loan(
    state: &AppState,
    caller: &Caller,
    loan: LoanId,
) -> ServiceResult<Vec<Repayment>> {
    let mut conn = state.db.get().await?;
    if db::loans::find(&mut conn, loan, caller.scope(), true)
        .await?
        .is_none()
    {
        return Err(ServiceError::NotFound("Loan not found.".into()));
    }
    Ok(db::repayments::of_loan(&mut conn, loan).await?)
}

/// A page of the repayments of live loans in scope that pass `filter`, latest paid first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: &RepaymentFilter,
    want_total: bool,
    page: Page,
) -> ServiceResult<Paged<Repayment>> {
    let mut conn = state.db.get().await?;
    Ok(db::repayments::list(&mut conn, filter, caller.scope(), want_total, page).await?)
}

/// The repayments of live loans in scope that pass `filter`, counted and summed apart for
/// live and reversed ones (`true`) over the whole list.
pub async fn aggregate(
    state: &AppState,
    caller: &Caller,
    filter: &RepaymentFilter,
) -> ServiceResult<Vec<(bool, i64, Decimal)>> {
    let mut conn = state.db.get().await?;
    Ok(db::repayments::aggregate(&mut conn, filter, caller.scope()).await?)
}

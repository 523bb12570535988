//! Charges beyond the schedule (SPEC 5.4): the daily penalties of loans still owing after their
//! end date and grace, posted by [`post_penalties`] for any date (the daily job calls it for
//! today), and an administrator's waiver.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use scoped_futures::ScopedFutureExt;
use serde::Serialize;

use super::audit;
use super::repayments::replay_alone;
use super::{Caller, RequestMeta, ServiceError, ServiceResult, check, required};
use crate::db::charges::{Charge, NewCharge};
use crate::db::rollups::Loans;
use crate::db::{self, DbConn};
use crate::domain::audit::{AuditAction, ENTITY_LOAN, ENTITY_LOAN_CHARGE};
use crate::domain::charges::{ChargeKind, penalty_days};
use crate::domain::{ChargeId, LoanId, permissions};

use crate::state::AppState;

/// What a run of [`post_penalties`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PenaltyRun {
    pub as_of: NaiveDate,
    /// Penalty charges posted (one per loan and day not charged before).
    pub charges_posted: usize,
    /// Loans that were charged.
    pub loans_charged: usize,
    /// Unpaid installments past their due date newly marked OVERDUE.
    pub installments_overdue: usize,
    /// ACTIVE loans past their end date and grace with a balance, now DEFAULTED.
    pub loans_defaulted: usize,
    /// Loans re-played because a new penalty came before one of their payments.
    pub loans_replayed: usize,
}

/// Posts the penalties owed up to `as_of` (every day from a loan's first penalty day not
/// charged yet, while it has an unpaid installment), marks overdue installments and defaults
/// the loans past their end date and grace with a balance, as of `as_of`. Idempotent: a second
/// run for the same date changes nothing. The days posted are decided by
/// `domain::charges::penalty_days`; a loan is charged while it owes on the day the job runs.
pub async fn post_penalties(state: &AppState, as_of: NaiveDate) -> ServiceResult<PenaltyRun> {
    let now = state.clock.now();
    let (mut run, to_replay) = super::transaction(state, |conn| {
        async move { post_in(conn, as_of, now).await }.scope_boxed()
    })
    .await?;
    // A payment dated on or after a newly charged day may now owe it first: re-play those loans,
    // each in its own transaction with its row locked, as a repayment does.
    for loan_id in to_replay {
        super::locking_transaction(state, |conn| {
            async move {
                let Some(loan) =
                    db::loans::find_for_update(conn, loan_id, permissions::Scope::All, false)
                        .await?
                else {
                    return Ok(());
                };
                replay_alone(conn, &loan, now)
                    .await
                    .map_err(super::repayments::Replay::into_service)
            }
            .scope_boxed()
        })
        .await?;
        run.loans_replayed += 1;
    }
    Ok(run)
}

async fn post_in(
    conn: &mut DbConn,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> ServiceResult<(PenaltyRun, Vec<LoanId>)> {
    let settings = db::settings::get(conn).await?;
    let penalty_grace = u32::try_from(settings.penalty_grace_days).unwrap_or(0);
    let default_grace = u32::try_from(settings.default_grace_days).unwrap_or(0);
    let mut run = PenaltyRun {
        as_of,
        ..PenaltyRun::default()
    };

    let mut rows = Vec::new();
    if let Some(last_end) = as_of.checked_sub_days(Days::new(u64::from(penalty_grace) + 1)) {
        for candidate in db::charges::penalty_candidates(conn, last_end).await? {
            rows.extend(
                penalty_days(candidate.end_date, penalty_grace, as_of)
                    .filter(|day| candidate.last_charged.is_none_or(|last| *day > last))
                    .map(|day| NewCharge {
                        loan_id: candidate.loan_id,
                        kind: ChargeKind::Penalty,
                        charge_date: day,
                        amount: candidate.amount_per_day,
                        created_at: now,
                        updated_at: now,
                    }),
            );
        }
    }
    // The loans that may be charged: their facts and the reports' figures follow.
    let touched: Vec<LoanId> = rows
        .iter()
        .map(|row| row.loan_id)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let figures = db::rollups::track(conn, Loans::These(touched.clone())).await?;
    let posted = db::charges::insert_penalties(conn, &rows).await?;
    run.charges_posted = posted.len();
    db::loan_facts::refresh(conn, &touched).await?;
    figures.settle(conn).await?;
    let mut first_charged: HashMap<LoanId, NaiveDate> = HashMap::new();
    for charge in &posted {
        first_charged
            .entry(charge.loan_id)
            .and_modify(|day| *day = (*day).min(charge.charge_date))
            .or_insert(charge.charge_date);
    }
    run.loans_charged = first_charged.len();
    let charged: Vec<LoanId> = first_charged.keys().copied().collect();
    // Only payments dated on or after the earliest new charge can be affected.
    let since = first_charged
        .values()
        .min()
        .map(|day| day.and_time(chrono::NaiveTime::MIN).and_utc());
    let recent = match since {
        Some(since) => db::repayments::live_of_loans_since(conn, &charged, since).await?,
        None => Vec::new(),
    };
    let to_replay: Vec<LoanId> = recent
        .into_iter()
        .filter(|repayment| {
            first_charged
                .get(&repayment.loan_id)
                .is_some_and(|first| repayment.paid_at.date_naive() >= *first)
        })
        .map(|repayment| repayment.loan_id)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();

    run.installments_overdue = db::schedule_items::mark_overdue(conn, as_of, now).await?;

    if let Some(last_end) = as_of.checked_sub_days(Days::new(u64::from(default_grace) + 1)) {
        let reason = format!("More than {default_grace} days past its end date with a balance.");
        let defaulted = db::loans::overdue_to_default(conn, last_end).await?;
        let ids: Vec<LoanId> = defaulted.iter().map(|loan| loan.id).collect();
        let figures = db::rollups::track(conn, Loans::These(ids.clone())).await?;
        db::loans::set_defaulted(conn, &ids, &reason, now).await?;
        figures.settle(conn).await?;
        run.loans_defaulted = defaulted.len();
        for loan in &defaulted {
            let event =
                audit::AuditEvent::new(AuditAction::LoanDefaulted, ENTITY_LOAN, Some(loan.id.0))
                    .before(audit::snapshot(loan))
                    .metadata(serde_json::json!({ "reason": reason, "asOf": as_of }));
            audit::record(conn, &job_meta(), None, &event, now).await?;
        }
    }

    if run.charges_posted > 0 || run.loans_defaulted > 0 {
        let event = audit::AuditEvent::new(AuditAction::PenaltiesPosted, ENTITY_LOAN_CHARGE, None)
            .metadata(audit::snapshot(&run));
        audit::record(conn, &job_meta(), None, &event, now).await?;
    }
    Ok((run, to_replay))
}

/// The audit context of the daily job.
fn job_meta() -> RequestMeta {
    RequestMeta {
        request_id: Some("job:penalties".into()),
        ..RequestMeta::default()
    }
}

/// Waives a charge (administrators): nothing is owed on it any more, the loan is re-played
/// so that what had paid it goes to what is still owed, and its status follows.
pub async fn waive(
    state: &AppState,
    caller: &Caller,
    id: ChargeId,
    reason: &str,
) -> ServiceResult<Charge> {
    let reason = required("reason", reason)?;
    let now = state.clock.now();
    super::locking_transaction(state, |conn| {
        let reason = reason.as_str();
        async move {
            let not_found = || ServiceError::NotFound("Charge not found.".into());
            let before = db::charges::find(conn, id).await?.ok_or_else(not_found)?;
            let loan = db::loans::find_for_update(conn, before.loan_id, caller.scope(), false)
                .await?
                .ok_or_else(not_found)?;
            let owner = super::loans::owner_of(conn, &loan).await?;
            check(
                permissions::can_correct_money(&caller.actor, &owner),
                "Charge",
            )?;
            if before.waived_at.is_some() {
                return Err(ServiceError::conflict("This charge is already waived."));
            }
            let after =
                db::charges::mark_waived(conn, id, caller.actor.user_id, reason, now).await?;
            replay_alone(conn, &loan, now)
                .await
                .map_err(super::repayments::Replay::into_service)?;
            let event =
                audit::AuditEvent::new(AuditAction::ChargeWaived, ENTITY_LOAN_CHARGE, Some(id.0))
                    .before(audit::snapshot(&before))
                    .after(audit::snapshot(&after))
                    .metadata(serde_json::json!({ "reason": reason, "loanId": loan.id }));
            audit::record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await?;
            // The re-play may have paid part of it elsewhere: answer the row as it is now.
            Ok(db::charges::find(conn, id).await?.unwrap_or(after))
        }
        .scope_boxed()
    })
    .await
}

/// A loan's charges, waived ones included, oldest first (the loan in scope).
pub async fn of_loan(
    state: &AppState,
    caller: &Caller,
    loan: LoanId,
) -> ServiceResult<Vec<Charge>> {
    let mut conn = state.db.get().await?;
    if db::loans::find(&mut conn, loan, caller.scope(), true)
        .await?
        .is_none()
    {
        return Err(ServiceError::NotFound("Loan not found.".into()));
    }
    Ok(db::charges::of_loans(&mut conn, &[loan]).await?)
}

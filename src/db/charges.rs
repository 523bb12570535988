//! `loan_charges`: penalties (one per loan and day, unique) and fees charged to a loan beyond
//! its schedule. Repayments pay them through allocations; an administrator may waive one.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::upsert::DecoratableTarget;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use serde::Serialize;

use super::DbConn;
use super::schema::{loan_charges as charges, loans, repayment_schedule_items as items};
use crate::domain::charges::ChargeKind;
use crate::domain::{ChargeId, LoanId, LoanStatus, UserId};

/// A row of `loan_charges`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = charges, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct Charge {
    pub id: ChargeId,
    pub loan_id: LoanId,
    pub kind: ChargeKind,
    pub charge_date: NaiveDate,
    pub amount: Decimal,
    pub paid_amount: Decimal,
    pub waived_at: Option<DateTime<Utc>>,
    pub waived_by_user_id: Option<UserId>,
    pub waive_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Charge {
    /// What is still owed on it (nothing once waived).
    pub fn remaining(&self) -> Decimal {
        let remaining = if self.waived_at.is_some() {
            Decimal::ZERO
        } else {
            self.amount - self.paid_amount
        };
        crate::domain::money::round(remaining)
    }
}

/// A new penalty for one day.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = charges)]
pub struct NewCharge {
    pub loan_id: LoanId,
    pub kind: ChargeKind,
    pub charge_date: NaiveDate,
    pub amount: Decimal,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn find(conn: &mut DbConn, id: ChargeId) -> QueryResult<Option<Charge>> {
    charges::table
        .find(id)
        .filter(charges::deleted_at.is_null())
        .select(Charge::as_select())
        .first(conn)
        .await
        .optional()
}

/// The loan's live charges that are not waived, oldest first: what a re-play allocates to.
pub async fn payable_of_loan(conn: &mut DbConn, loan: LoanId) -> QueryResult<Vec<Charge>> {
    charges::table
        .filter(charges::loan_id.eq(loan))
        .filter(charges::deleted_at.is_null())
        .filter(charges::waived_at.is_null())
        .order_by((charges::charge_date.asc(), charges::id.asc()))
        .select(Charge::as_select())
        .load(conn)
        .await
}

/// Every live charge of `loans`, waived ones included, oldest first per loan; for loaders.
pub async fn of_loans(conn: &mut DbConn, loans: &[LoanId]) -> QueryResult<Vec<Charge>> {
    charges::table
        .filter(charges::loan_id.eq_any(loans))
        .filter(charges::deleted_at.is_null())
        .order_by((
            charges::loan_id,
            charges::charge_date.asc(),
            charges::id.asc(),
        ))
        .select(Charge::as_select())
        .load(conn)
        .await
}

pub async fn set_paid(
    conn: &mut DbConn,
    id: ChargeId,
    paid: Decimal,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(charges::table.find(id))
        .set((charges::paid_amount.eq(paid), charges::updated_at.eq(now)))
        .execute(conn)
        .await
        .map(drop)
}

/// Waives a charge: nothing is owed on it any more, and what had paid it goes elsewhere at the
/// re-play that follows.
pub async fn mark_waived(
    conn: &mut DbConn,
    id: ChargeId,
    by: UserId,
    reason: &str,
    now: DateTime<Utc>,
) -> QueryResult<Charge> {
    diesel::update(charges::table.find(id))
        .set((
            charges::waived_at.eq(now),
            charges::waived_by_user_id.eq(by),
            charges::waive_reason.eq(reason),
            charges::paid_amount.eq(Decimal::ZERO),
            charges::updated_at.eq(now),
        ))
        .returning(Charge::as_returning())
        .get_result(conn)
        .await
}

/// A loan that may owe penalties: disbursed, live, charging a daily penalty, with an unpaid
/// installment, and the last day it was charged for, if any.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct PenaltyCandidate {
    pub loan_id: LoanId,
    pub end_date: NaiveDate,
    pub amount_per_day: Decimal,
    pub last_charged: Option<NaiveDate>,
}

/// The loans that may owe penalties on `as_of`: those ending on or before `last_end_date`.
pub async fn penalty_candidates(
    conn: &mut DbConn,
    last_end_date: NaiveDate,
) -> QueryResult<Vec<PenaltyCandidate>> {
    let unpaid = items::table
        .filter(items::loan_id.eq(loans::id))
        .filter(items::deleted_at.is_null())
        .filter(items::paid_amount.lt(items::total_due));
    let last_charged = charges::table
        .filter(charges::loan_id.eq(loans::id))
        .filter(charges::kind.eq(ChargeKind::Penalty))
        .select(diesel::dsl::max(charges::charge_date))
        .single_value();
    loans::table
        .filter(loans::status.eq_any([LoanStatus::Active, LoanStatus::Defaulted]))
        .filter(loans::deleted_at.is_null())
        .filter(loans::penalty_fee_per_day_amount.gt(Decimal::ZERO))
        .filter(loans::end_date.le(last_end_date))
        .filter(diesel::dsl::exists(unpaid))
        .select((
            loans::id,
            loans::end_date,
            loans::penalty_fee_per_day_amount,
            last_charged,
        ))
        .load(conn)
        .await
}

/// Inserts penalties, skipping any day a loan was already charged for; returns the ones
/// inserted.
pub async fn insert_penalties(conn: &mut DbConn, rows: &[NewCharge]) -> QueryResult<Vec<Charge>> {
    // Six columns a row, well within PostgreSQL's 65,535 parameters a statement.
    let mut inserted = Vec::new();
    for chunk in rows.chunks(5_000) {
        inserted.extend(
            diesel::insert_into(charges::table)
                .values(chunk)
                .on_conflict((charges::loan_id, charges::kind, charges::charge_date))
                .filter_target(charges::kind.eq(ChargeKind::Penalty))
                .do_nothing()
                .returning(Charge::as_returning())
                .get_results::<Charge>(conn)
                .await?,
        );
    }
    Ok(inserted)
}

/// A penalty charge written with what was paid of it (`seed demo`).
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = charges)]
pub struct ImportedCharge {
    pub id: ChargeId,
    pub loan_id: LoanId,
    pub kind: ChargeKind,
    pub charge_date: NaiveDate,
    pub amount: Decimal,
    pub paid_amount: Decimal,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ImportedCharge {
    /// Values a row writes.
    const COLUMNS: usize = 8;
}

/// Writes `rows` in as few statements as the parameter limit allows.
pub async fn insert_imported_charges(
    conn: &mut DbConn,
    rows: &[ImportedCharge],
) -> QueryResult<usize> {
    let mut written = 0;
    for chunk in rows.chunks(super::bulk::rows_per_statement(ImportedCharge::COLUMNS)) {
        written += diesel::insert_into(charges::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(written)
}

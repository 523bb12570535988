//! `repayments` and `repayment_allocations`: the money that came in, and where each cent of it
//! went. Repayments are never edited or deleted; a reversal marks them, and the loan's
//! allocations are written again by a re-play.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::DbConn;
use super::schema::{repayment_allocations, repayments};
use crate::domain::allocation::PaymentMethod;
use crate::domain::{ChargeId, LoanId, RepaymentId, ScheduleItemId, UserId};

/// A row of `repayments`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = repayments, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct Repayment {
    pub id: RepaymentId,
    pub loan_id: LoanId,
    pub received_by_user_id: UserId,
    pub amount: Decimal,
    pub currency_code: String,
    pub paid_at: DateTime<Utc>,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub notes: Option<String>,
    pub idempotency_key: String,
    pub reversed_at: Option<DateTime<Utc>>,
    pub reversed_by_user_id: Option<UserId>,
    pub reversal_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = repayments)]
pub struct NewRepayment<'a> {
    pub loan_id: LoanId,
    pub received_by_user_id: UserId,
    pub amount: Decimal,
    pub currency_code: &'a str,
    pub paid_at: DateTime<Utc>,
    pub method: PaymentMethod,
    pub reference: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub idempotency_key: &'a str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A row of `repayment_allocations`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = repayment_allocations, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct AllocationRow {
    pub id: Uuid,
    pub repayment_id: RepaymentId,
    pub schedule_item_id: Option<ScheduleItemId>,
    pub charge_id: Option<ChargeId>,
    pub principal_amount: Decimal,
    pub interest_amount: Decimal,
    pub fee_amount: Decimal,
    pub penalty_amount: Decimal,
    pub amount: Decimal,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = repayment_allocations)]
pub struct NewAllocation {
    pub repayment_id: RepaymentId,
    pub schedule_item_id: Option<ScheduleItemId>,
    pub charge_id: Option<ChargeId>,
    pub principal_amount: Decimal,
    pub interest_amount: Decimal,
    pub fee_amount: Decimal,
    pub penalty_amount: Decimal,
    pub amount: Decimal,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut DbConn, new: &NewRepayment<'_>) -> QueryResult<Repayment> {
    diesel::insert_into(repayments::table)
        .values(new)
        .returning(Repayment::as_returning())
        .get_result(conn)
        .await
}

/// The repayment recorded with `key`, if any.
pub async fn find_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<Repayment>> {
    repayments::table
        .filter(repayments::idempotency_key.eq(key))
        .select(Repayment::as_select())
        .first(conn)
        .await
        .optional()
}

/// A repayment by id.
pub async fn find(conn: &mut DbConn, id: RepaymentId) -> QueryResult<Option<Repayment>> {
    repayments::table
        .filter(repayments::id.eq(id))
        .filter(repayments::deleted_at.is_null())
        .select(Repayment::as_select())
        .first(conn)
        .await
        .optional()
}

/// A repayment by id, locked until the transaction ends.
pub async fn find_for_update(conn: &mut DbConn, id: RepaymentId) -> QueryResult<Option<Repayment>> {
    repayments::table
        .filter(repayments::id.eq(id))
        .filter(repayments::deleted_at.is_null())
        .select(Repayment::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The loan's repayments, reversed ones included, in the order a re-play takes them.
pub async fn of_loan(conn: &mut DbConn, loan: LoanId) -> QueryResult<Vec<Repayment>> {
    repayments::table
        .filter(repayments::loan_id.eq(loan))
        .filter(repayments::deleted_at.is_null())
        .order_by((
            repayments::paid_at.asc(),
            repayments::created_at.asc(),
            repayments::id.asc(),
        ))
        .select(Repayment::as_select())
        .load(conn)
        .await
}

pub async fn mark_reversed(
    conn: &mut DbConn,
    id: RepaymentId,
    by: UserId,
    reason: &str,
    now: DateTime<Utc>,
) -> QueryResult<Repayment> {
    diesel::update(repayments::table.find(id))
        .set((
            repayments::reversed_at.eq(now),
            repayments::reversed_by_user_id.eq(by),
            repayments::reversal_reason.eq(reason),
            repayments::updated_at.eq(now),
        ))
        .returning(Repayment::as_returning())
        .get_result(conn)
        .await
}

/// Removes every allocation of the loan's repayments (before a re-play writes them again).
pub async fn delete_allocations_of_loan(conn: &mut DbConn, loan: LoanId) -> QueryResult<usize> {
    let of_loan = repayments::table
        .select(repayments::id)
        .filter(repayments::loan_id.eq(loan));
    diesel::delete(
        repayment_allocations::table.filter(repayment_allocations::repayment_id.eq_any(of_loan)),
    )
    .execute(conn)
    .await
}

pub async fn insert_allocations(conn: &mut DbConn, rows: &[NewAllocation]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::insert_into(repayment_allocations::table)
        .values(rows)
        .execute(conn)
        .await
}

/// The allocations of `repayments`, for loaders.
pub async fn allocations_of(
    conn: &mut DbConn,
    repayment_ids: &[RepaymentId],
) -> QueryResult<Vec<AllocationRow>> {
    repayment_allocations::table
        .filter(repayment_allocations::repayment_id.eq_any(repayment_ids))
        .order_by((
            repayment_allocations::repayment_id,
            repayment_allocations::created_at,
            repayment_allocations::id,
        ))
        .select(AllocationRow::as_select())
        .load(conn)
        .await
}

/// The repayments of `loans` (reversed ones included), in `paidAt` order; for loaders (the
/// loans are read in scope by the loader's caller).
pub async fn of_loans(conn: &mut DbConn, loans: &[LoanId]) -> QueryResult<Vec<Repayment>> {
    repayments::table
        .filter(repayments::loan_id.eq_any(loans))
        .filter(repayments::deleted_at.is_null())
        .order_by((
            repayments::loan_id,
            repayments::paid_at.asc(),
            repayments::created_at.asc(),
        ))
        .select(Repayment::as_select())
        .load(conn)
        .await
}

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

use diesel::dsl::{AsSelect, SqlTypeOf, count_star};

use super::page::{self, Page, Paged};
use super::schema::{loans, repayment_allocations, repayments};
use super::{DbConn, scope};
use crate::domain::allocation::PaymentMethod;
use crate::domain::permissions::Scope;
use crate::domain::{ChargeId, LoanId, RepaymentId, ScheduleItemId, UnionId, UserId};

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

/// A repayment written with its history (`seed demo`): its own id, and its reversal if any.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = repayments)]
pub struct ImportedRepayment {
    pub id: RepaymentId,
    pub loan_id: LoanId,
    pub received_by_user_id: UserId,
    pub amount: Decimal,
    pub currency_code: String,
    pub paid_at: DateTime<Utc>,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub idempotency_key: String,
    pub reversed_at: Option<DateTime<Utc>>,
    pub reversed_by_user_id: Option<UserId>,
    pub reversal_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ImportedRepayment {
    /// Values a row writes.
    const COLUMNS: usize = 14;
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

#[derive(Debug, Clone, PartialEq, Insertable)]
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

impl NewAllocation {
    /// Values a row writes.
    const COLUMNS: usize = 9;
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

/// Writes `rows`, in as few statements as the parameter limit allows.
pub async fn insert_allocations(conn: &mut DbConn, rows: &[NewAllocation]) -> QueryResult<usize> {
    let mut written = 0;
    for chunk in rows.chunks(super::bulk::rows_per_statement(NewAllocation::COLUMNS)) {
        written += diesel::insert_into(repayment_allocations::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(written)
}

/// Writes `rows` in as few statements as the parameter limit allows.
pub async fn insert_imported(conn: &mut DbConn, rows: &[ImportedRepayment]) -> QueryResult<usize> {
    let mut written = 0;
    for chunk in rows.chunks(super::bulk::rows_per_statement(ImportedRepayment::COLUMNS)) {
        written += diesel::insert_into(repayments::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(written)
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

/// What `repayments(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RepaymentFilter {
    pub loan_id: Option<LoanId>,
    pub union_id: Option<UnionId>,
    pub received_by_user_id: Option<UserId>,
    pub method: Option<PaymentMethod>,
    pub paid_from: Option<DateTime<Utc>>,
    pub paid_to: Option<DateTime<Utc>>,
    /// Reversed repayments too (left out by default).
    pub include_reversed: bool,
}

fn filtered(filter: &RepaymentFilter, scope: Scope) -> repayments::BoxedQuery<'static, Pg> {
    let mut loan_ids = loans::table
        .select(loans::id)
        .filter(scope::union_owned(loans::union_id, scope))
        .filter(loans::deleted_at.is_null())
        .into_boxed();
    if let Some(union_id) = filter.union_id {
        loan_ids = loan_ids.filter(loans::union_id.eq(union_id));
    }
    let mut query = repayments::table
        .filter(repayments::deleted_at.is_null())
        .filter(repayments::loan_id.eq_any(loan_ids))
        .into_boxed();
    if let Some(loan) = filter.loan_id {
        query = query.filter(repayments::loan_id.eq(loan));
    }
    if let Some(by) = filter.received_by_user_id {
        query = query.filter(repayments::received_by_user_id.eq(by));
    }
    if let Some(method) = filter.method {
        query = query.filter(repayments::method.eq(method));
    }
    if let Some(from) = filter.paid_from {
        query = query.filter(repayments::paid_at.ge(from));
    }
    if let Some(to) = filter.paid_to {
        query = query.filter(repayments::paid_at.le(to));
    }
    if !filter.include_reversed {
        query = query.filter(repayments::reversed_at.is_null());
    }
    query
}

/// The repayments of live loans in scope that pass `filter`, latest paid first: the list,
/// whole (for an export's cursor) or cut into pages by [`list`].
pub fn ordered(
    filter: &RepaymentFilter,
    scope: Scope,
) -> repayments::BoxedQuery<'static, Pg, SqlTypeOf<AsSelect<Repayment, Pg>>> {
    filtered(filter, scope)
        .order_by((repayments::paid_at.desc(), repayments::id.desc()))
        .select(Repayment::as_select())
}

/// One page of the repayments of live loans in scope that pass `filter`, latest paid first.
pub async fn list(
    conn: &mut DbConn,
    filter: &RepaymentFilter,
    scope: Scope,
    want_total: bool,
    page: Page,
) -> QueryResult<Paged<Repayment>> {
    let rows = ordered(filter, scope);
    let count = want_total.then(|| filtered(filter, scope).select(count_star()));
    page::load_page!(conn, rows, count, page)
}

/// The allocations to `items`, for loaders (the installments were read in scope).
pub async fn allocations_to(
    conn: &mut DbConn,
    items: &[ScheduleItemId],
) -> QueryResult<Vec<AllocationRow>> {
    repayment_allocations::table
        .filter(repayment_allocations::schedule_item_id.eq_any(items))
        .order_by((
            repayment_allocations::schedule_item_id,
            repayment_allocations::created_at,
            repayment_allocations::id,
        ))
        .select(AllocationRow::as_select())
        .load(conn)
        .await
}

/// When the loan's latest live repayment was paid, if it has one.
pub async fn last_paid_at(conn: &mut DbConn, loan: LoanId) -> QueryResult<Option<DateTime<Utc>>> {
    repayments::table
        .filter(repayments::loan_id.eq(loan))
        .filter(repayments::reversed_at.is_null())
        .filter(repayments::deleted_at.is_null())
        .select(diesel::dsl::max(repayments::paid_at))
        .get_result(conn)
        .await
}

/// The live repayments of `loans` paid at or after `since`.
pub async fn live_of_loans_since(
    conn: &mut DbConn,
    loans: &[LoanId],
    since: DateTime<Utc>,
) -> QueryResult<Vec<Repayment>> {
    repayments::table
        .filter(repayments::loan_id.eq_any(loans))
        .filter(repayments::reversed_at.is_null())
        .filter(repayments::deleted_at.is_null())
        .filter(repayments::paid_at.ge(since))
        .select(Repayment::as_select())
        .load(conn)
        .await
}

/// The repayments of live loans in scope that pass `filter` (the whole list), counted and
/// summed apart for live and reversed ones (`true` is reversed): one statement.
pub async fn aggregate(
    conn: &mut DbConn,
    filter: &RepaymentFilter,
    scope: Scope,
) -> QueryResult<Vec<(bool, i64, Decimal)>> {
    use diesel::dsl::sum;
    let live = filtered(filter, scope)
        .filter(repayments::reversed_at.is_null())
        .select((
            false.into_sql::<diesel::sql_types::Bool>(),
            count_star(),
            sum(repayments::amount),
        ));
    let reversed = filtered(filter, scope)
        .filter(repayments::reversed_at.is_not_null())
        .select((
            true.into_sql::<diesel::sql_types::Bool>(),
            count_star(),
            sum(repayments::amount),
        ));
    let rows: Vec<(bool, i64, Option<Decimal>)> = live.union_all(reversed).load(conn).await?;
    Ok(rows
        .into_iter()
        .filter(|(_, count, _)| *count > 0)
        .map(|(reversed, count, amount)| (reversed, count, amount.unwrap_or_default()))
        .collect())
}

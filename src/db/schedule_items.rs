//! `repayment_schedule_items`: a loan's installments, written from `domain::schedule`.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use serde::Serialize;

use diesel::dsl::{AsSelect, SqlTypeOf, count_star};
use diesel::sql_types::Bool;

use super::DbConn;
use super::page::{self, Page, Paged};
use super::schema::repayment_schedule_items as items;
use crate::domain::permissions::Scope;
use crate::domain::schedule::{Installment, ScheduleStatus};
use crate::domain::{LoanId, ScheduleItemId, UnionId, UserId};

/// A row of `repayment_schedule_items`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = items, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct ScheduleItem {
    pub id: ScheduleItemId,
    pub loan_id: LoanId,
    pub sequence: i32,
    pub due_date: NaiveDate,
    pub principal_due: Decimal,
    pub interest_due: Decimal,
    pub fee_due: Decimal,
    pub total_due: Decimal,
    pub paid_amount: Decimal,
    /// As last written; reads compute the status as of today (`domain::schedule::status_on`).
    pub status: ScheduleStatus,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// An installment written with its payments already applied (`seed demo`).
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = items)]
pub struct ImportedItem {
    pub id: ScheduleItemId,
    pub loan_id: LoanId,
    pub sequence: i32,
    pub due_date: NaiveDate,
    pub principal_due: Decimal,
    pub interest_due: Decimal,
    pub fee_due: Decimal,
    pub total_due: Decimal,
    pub paid_amount: Decimal,
    pub status: ScheduleStatus,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ImportedItem {
    /// Values a row writes.
    const COLUMNS: usize = 13;
}

/// Writes `rows` in as few statements as the parameter limit allows.
pub async fn insert_imported(conn: &mut DbConn, rows: &[ImportedItem]) -> QueryResult<usize> {
    let mut written = 0;
    for chunk in rows.chunks(super::bulk::rows_per_statement(ImportedItem::COLUMNS)) {
        written += diesel::insert_into(items::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(written)
}

/// Writes the schedule of `loan` (its first, or a replacement after the old one was removed).
pub async fn insert_schedule(
    conn: &mut DbConn,
    loan: LoanId,
    installments: &[Installment],
    now: DateTime<Utc>,
) -> QueryResult<Vec<ScheduleItem>> {
    let rows: Vec<_> = installments
        .iter()
        .map(|installment| {
            (
                items::loan_id.eq(loan),
                items::sequence.eq(i32::try_from(installment.sequence).unwrap_or(i32::MAX)),
                items::due_date.eq(installment.due_date),
                items::principal_due.eq(installment.principal_due),
                items::interest_due.eq(installment.interest_due),
                items::fee_due.eq(installment.fee_due),
                items::total_due.eq(installment.total_due),
                items::created_at.eq(now),
                items::updated_at.eq(now),
            )
        })
        .collect();
    let written = diesel::insert_into(items::table)
        .values(rows)
        .returning(ScheduleItem::as_returning())
        .get_results(conn)
        .await?;
    super::loan_facts::refresh(conn, &[loan]).await?;
    Ok(written)
}

/// Removes a loan's schedule before it is written again (only while nothing was paid).
pub async fn delete_schedule(conn: &mut DbConn, loan: LoanId) -> QueryResult<usize> {
    diesel::delete(items::table.filter(items::loan_id.eq(loan)))
        .execute(conn)
        .await
}

/// The live installments of `loans` in scope, in order; for loaders.
pub async fn of_loans(
    conn: &mut DbConn,
    loans: &[LoanId],
    scope: crate::domain::permissions::Scope,
) -> QueryResult<Vec<ScheduleItem>> {
    use super::schema::loans as loan_rows;
    let visible_loans = loan_rows::table
        .select(loan_rows::id)
        .filter(super::scope::union_owned(loan_rows::union_id, scope))
        .into_boxed();
    items::table
        .filter(items::loan_id.eq_any(loans))
        .filter(items::loan_id.eq_any(visible_loans))
        .filter(items::deleted_at.is_null())
        .order_by((items::loan_id, items::sequence))
        .select(ScheduleItem::as_select())
        .load(conn)
        .await
}

/// The live installments of one loan, in order (the loan is already checked and locked).
pub async fn of_loan(conn: &mut DbConn, loan: LoanId) -> QueryResult<Vec<ScheduleItem>> {
    items::table
        .filter(items::loan_id.eq(loan))
        .filter(items::deleted_at.is_null())
        .order_by(items::sequence)
        .select(ScheduleItem::as_select())
        .load(conn)
        .await
}

/// Records what a re-play paid to an installment and where it stands.
pub async fn set_paid(
    conn: &mut DbConn,
    id: ScheduleItemId,
    paid: Decimal,
    status: ScheduleStatus,
    closed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(items::table.find(id))
        .set((
            items::paid_amount.eq(paid),
            items::status.eq(status),
            items::closed_at.eq(closed_at),
            items::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Marks OVERDUE the unpaid installments of disbursed loans that fell due before `today` and
/// are not marked so yet (the daily refresh; reads compute the status as of today anyway).
/// Returns how many changed.
pub async fn mark_overdue(
    conn: &mut DbConn,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    use super::schema::loans;
    use crate::domain::LoanStatus;
    let disbursed = loans::table
        .filter(loans::status.eq_any([LoanStatus::Active, LoanStatus::Defaulted]))
        .select(loans::id);
    diesel::update(
        items::table
            .filter(items::deleted_at.is_null())
            .filter(items::due_date.lt(today))
            .filter(items::paid_amount.lt(items::total_due))
            .filter(items::status.ne(ScheduleStatus::Overdue))
            .filter(items::loan_id.eq_any(disbursed)),
    )
    .set((
        items::status.eq(ScheduleStatus::Overdue),
        items::updated_at.eq(now),
    ))
    .execute(conn)
    .await
}

/// Each of `loans`' first installment not paid in full, for loaders.
pub async fn next_unpaid_of_loans(
    conn: &mut DbConn,
    loans: &[LoanId],
) -> QueryResult<Vec<ScheduleItem>> {
    items::table
        .filter(items::loan_id.eq_any(loans))
        .filter(items::deleted_at.is_null())
        .filter(items::paid_amount.lt(items::total_due))
        .distinct_on(items::loan_id)
        .order_by((items::loan_id, items::sequence))
        .select(ScheduleItem::as_select())
        .load(conn)
        .await
}

/// What `scheduleItems(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ScheduleItemFilter {
    pub loan_id: Option<LoanId>,
    pub union_id: Option<UnionId>,
    /// The officer in charge of the loan.
    pub credit_officer_id: Option<UserId>,
    /// Statuses as of today (SPEC 5.3), whatever the stored status says.
    pub status: Option<Vec<ScheduleStatus>>,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
}

type ItemCondition = Box<dyn BoxableExpression<items::table, Pg, SqlType = Bool>>;

/// The installments that have `status` on `today`.
fn has_status(status: ScheduleStatus, today: NaiveDate) -> ItemCondition {
    let unpaid = items::paid_amount.lt(items::total_due);
    match status {
        ScheduleStatus::Paid => Box::new(items::paid_amount.ge(items::total_due)),
        ScheduleStatus::Overdue => Box::new(unpaid.and(items::due_date.lt(today))),
        ScheduleStatus::Partial => Box::new(
            unpaid
                .and(items::paid_amount.gt(Decimal::ZERO))
                .and(items::due_date.ge(today)),
        ),
        ScheduleStatus::Pending => Box::new(
            items::paid_amount
                .eq(Decimal::ZERO)
                .and(items::total_due.gt(Decimal::ZERO))
                .and(items::due_date.ge(today)),
        ),
    }
}

fn filtered(
    filter: &ScheduleItemFilter,
    scope: Scope,
    today: NaiveDate,
) -> items::BoxedQuery<'static, Pg> {
    use super::schema::loans;
    let mut loan_ids = loans::table
        .select(loans::id)
        .filter(super::scope::union_owned(loans::union_id, scope))
        .filter(loans::deleted_at.is_null())
        .into_boxed();
    if let Some(union_id) = filter.union_id {
        loan_ids = loan_ids.filter(loans::union_id.eq(union_id));
    }
    if let Some(officer) = filter.credit_officer_id {
        loan_ids = loan_ids.filter(loans::assigned_officer_id.eq(officer));
    }
    let mut query = items::table
        .filter(items::deleted_at.is_null())
        .filter(items::loan_id.eq_any(loan_ids))
        .into_boxed();
    if let Some(loan) = filter.loan_id {
        query = query.filter(items::loan_id.eq(loan));
    }
    if let Some(from) = filter.due_from {
        query = query.filter(items::due_date.ge(from));
    }
    if let Some(to) = filter.due_to {
        query = query.filter(items::due_date.le(to));
    }
    if let Some(statuses) = &filter.status {
        let mut any: ItemCondition = Box::new(diesel::dsl::sql::<Bool>("FALSE"));
        for status in statuses {
            any = Box::new(any.or(has_status(*status, today)));
        }
        query = query.filter(any);
    }
    query
}

/// The installments of live loans in scope that pass `filter`, soonest due first: the list,
/// whole (for an export's cursor) or cut into pages by [`list`].
pub fn ordered(
    filter: &ScheduleItemFilter,
    scope: Scope,
    today: NaiveDate,
) -> items::BoxedQuery<'static, Pg, SqlTypeOf<AsSelect<ScheduleItem, Pg>>> {
    filtered(filter, scope, today)
        .order_by((
            items::due_date.asc(),
            items::loan_id.asc(),
            items::sequence.asc(),
        ))
        .select(ScheduleItem::as_select())
}

/// One page of the installments of live loans in scope that pass `filter`, soonest due first.
pub async fn list(
    conn: &mut DbConn,
    filter: &ScheduleItemFilter,
    scope: Scope,
    today: NaiveDate,
    want_total: bool,
    page: Page,
) -> QueryResult<Paged<ScheduleItem>> {
    let rows = ordered(filter, scope, today);
    let count = want_total.then(|| filtered(filter, scope, today).select(count_star()));
    page::load_page!(conn, rows, count, page)
}

/// What a group of installments amounts to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemSums {
    pub principal_due: Decimal,
    pub interest_due: Decimal,
    pub fee_due: Decimal,
    pub total_due: Decimal,
    pub paid_amount: Decimal,
}

/// The installments of live loans in scope that pass `filter` (the whole list), counted and
/// summed per status as of `today`: one statement.
pub async fn aggregate(
    conn: &mut DbConn,
    filter: &ScheduleItemFilter,
    scope: Scope,
    today: NaiveDate,
) -> QueryResult<Vec<(ScheduleStatus, i64, ItemSums)>> {
    use diesel::dsl::sum;
    let part = |status: ScheduleStatus| {
        filtered(filter, scope, today)
            .filter(has_status(status, today))
            .select((
                status.as_str().into_sql::<diesel::sql_types::Text>(),
                count_star(),
                sum(items::principal_due),
                sum(items::interest_due),
                sum(items::fee_due),
                sum(items::total_due),
                sum(items::paid_amount),
            ))
    };
    type Row = (
        String,
        i64,
        Option<Decimal>,
        Option<Decimal>,
        Option<Decimal>,
        Option<Decimal>,
        Option<Decimal>,
    );
    let rows: Vec<Row> = part(ScheduleStatus::Pending)
        .union_all(part(ScheduleStatus::Partial))
        .union_all(part(ScheduleStatus::Paid))
        .union_all(part(ScheduleStatus::Overdue))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|row| row.1 > 0)
        .filter_map(|(status, count, principal, interest, fee, total, paid)| {
            Some((
                status.parse().ok()?,
                count,
                ItemSums {
                    principal_due: principal.unwrap_or_default(),
                    interest_due: interest.unwrap_or_default(),
                    fee_due: fee.unwrap_or_default(),
                    total_due: total.unwrap_or_default(),
                    paid_amount: paid.unwrap_or_default(),
                },
            ))
        })
        .collect())
}

//! The sums behind `Loan.balance`, for many loans in one statement: each loan's installments
//! and charges with what the live repayments dated on or before a day paid to them.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Nullable, Numeric, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::DbConn;
use crate::domain::LoanId;
use crate::domain::balance::Totals;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    loan_id: Uuid,
    #[diesel(sql_type = Numeric)]
    scheduled: Decimal,
    #[diesel(sql_type = Numeric)]
    installments_paid: Decimal,
    #[diesel(sql_type = Numeric)]
    principal_outstanding: Decimal,
    #[diesel(sql_type = Numeric)]
    interest_outstanding: Decimal,
    #[diesel(sql_type = Numeric)]
    installments_outstanding: Decimal,
    #[diesel(sql_type = Numeric)]
    overdue_amount: Decimal,
    #[diesel(sql_type = BigInt)]
    overdue_installments: i64,
    #[diesel(sql_type = Numeric)]
    due_today: Decimal,
    #[diesel(sql_type = Nullable<Date>)]
    next_due_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    oldest_overdue: Option<NaiveDate>,
    #[diesel(sql_type = Numeric)]
    penalties_charged: Decimal,
    #[diesel(sql_type = Numeric)]
    penalties_paid: Decimal,
}

const TOTALS: &str = "
WITH paid AS (
    SELECT a.schedule_item_id, a.charge_id,
           sum(a.principal_amount) AS principal, sum(a.interest_amount) AS interest,
           sum(a.amount) AS amount
      FROM repayment_allocations a
      JOIN repayments r ON r.id = a.repayment_id
     WHERE r.loan_id = ANY($1) AND r.reversed_at IS NULL AND r.deleted_at IS NULL
       AND (r.paid_at AT TIME ZONE 'UTC')::date <= $2
     GROUP BY a.schedule_item_id, a.charge_id
), installments AS (
    SELECT s.loan_id, s.due_date, s.principal_due, s.interest_due, s.total_due,
           COALESCE(p.principal, 0) AS principal_paid, COALESCE(p.interest, 0) AS interest_paid,
           COALESCE(p.amount, 0) AS paid
      FROM repayment_schedule_items s
      LEFT JOIN paid p ON p.schedule_item_id = s.id
     WHERE s.loan_id = ANY($1) AND s.deleted_at IS NULL
), by_loan AS (
    SELECT loan_id,
           sum(total_due) AS scheduled,
           sum(paid) AS installments_paid,
           sum(principal_due - principal_paid) AS principal_outstanding,
           sum(interest_due - interest_paid) AS interest_outstanding,
           sum(total_due - paid) AS installments_outstanding,
           COALESCE(sum(total_due - paid) FILTER (WHERE due_date < $2), 0) AS overdue_amount,
           count(*) FILTER (WHERE due_date < $2 AND paid < total_due) AS overdue_installments,
           COALESCE(sum(total_due - paid) FILTER (WHERE due_date = $2), 0) AS due_today,
           min(due_date) FILTER (WHERE due_date >= $2 AND paid < total_due) AS next_due_date,
           min(due_date) FILTER (WHERE due_date < $2 AND paid < total_due) AS oldest_overdue
      FROM installments
     GROUP BY loan_id
), penalties AS (
    SELECT c.loan_id, sum(c.amount) AS charged, sum(COALESCE(p.amount, 0)) AS paid
      FROM loan_charges c
      LEFT JOIN paid p ON p.charge_id = c.id
     WHERE c.loan_id = ANY($1) AND c.deleted_at IS NULL AND c.waived_at IS NULL
       AND c.charge_date <= $2
     GROUP BY c.loan_id
)
SELECT b.loan_id, b.scheduled, b.installments_paid, b.principal_outstanding,
       b.interest_outstanding, b.installments_outstanding, b.overdue_amount,
       b.overdue_installments, b.due_today, b.next_due_date, b.oldest_overdue,
       COALESCE(p.charged, 0) AS penalties_charged, COALESCE(p.paid, 0) AS penalties_paid
  FROM by_loan b
  LEFT JOIN penalties p ON p.loan_id = b.loan_id
";

/// The totals of `loans` on `as_of`; a loan without installments has none.
pub async fn totals(
    conn: &mut DbConn,
    loans: &[LoanId],
    as_of: NaiveDate,
) -> QueryResult<Vec<(LoanId, Totals)>> {
    let ids: Vec<Uuid> = loans.iter().map(|id| id.0).collect();
    let rows: Vec<Row> = diesel::sql_query(TOTALS)
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Date, _>(as_of)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                LoanId(row.loan_id),
                Totals {
                    scheduled: row.scheduled,
                    installments_paid: row.installments_paid,
                    principal_outstanding: row.principal_outstanding,
                    interest_outstanding: row.interest_outstanding,
                    installments_outstanding: row.installments_outstanding,
                    overdue_amount: row.overdue_amount,
                    overdue_installments: row.overdue_installments,
                    due_today: row.due_today,
                    next_due_date: row.next_due_date,
                    oldest_overdue: row.oldest_overdue,
                    penalties_charged: row.penalties_charged,
                    penalties_paid: row.penalties_paid,
                },
            )
        })
        .collect())
}

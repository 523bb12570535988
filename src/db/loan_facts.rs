//! The loan facts that reports read (`loans.outstanding_amount`, `loans.oldest_unpaid_due_date`):
//! recomputed from the stored installments and charges, for some loans or for all of them.
//! The money services write them as they change a loan's installments or charges; this is for
//! the paths that write installments or charges in bulk (seed, import, the daily job) and for
//! a schedule written before anything is paid.

use diesel::prelude::*;
use diesel::sql_types::{Array, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::DbConn;
use crate::domain::LoanId;

/// The refresh statement, with `{loans}` standing for the condition that picks the loans (on
/// `l.id`) and `{owned}` the same condition on the `loan_id` of installments and charges.
const REFRESH: &str = "
UPDATE loans
   SET outstanding_amount = f.amount, oldest_unpaid_due_date = f.oldest
  FROM (
    SELECT l.id,
           COALESCE(i.owed, 0) + COALESCE(c.owed, 0) AS amount,
           i.oldest
      FROM loans l
      LEFT JOIN (SELECT loan_id, sum(total_due - paid_amount) AS owed,
                        min(due_date) FILTER (WHERE paid_amount < total_due) AS oldest
                   FROM repayment_schedule_items
                  WHERE deleted_at IS NULL AND {owned}
                  GROUP BY loan_id) i ON i.loan_id = l.id
      LEFT JOIN (SELECT loan_id, sum(amount - paid_amount) AS owed
                   FROM loan_charges
                  WHERE deleted_at IS NULL AND waived_at IS NULL AND {owned}
                  GROUP BY loan_id) c ON c.loan_id = l.id
     WHERE {loans}
  ) f
 WHERE loans.id = f.id
   AND (loans.outstanding_amount <> f.amount
        OR loans.oldest_unpaid_due_date IS DISTINCT FROM f.oldest)";

fn statement(loans: &str, owned: &str) -> String {
    REFRESH.replace("{loans}", loans).replace("{owned}", owned)
}

/// Recomputes the facts of `loans`; returns how many changed.
pub async fn refresh(conn: &mut DbConn, loans: &[LoanId]) -> QueryResult<usize> {
    if loans.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = loans.iter().map(|id| id.0).collect();
    diesel::sql_query(statement("l.id = ANY($1)", "loan_id = ANY($1)"))
        .bind::<Array<SqlUuid>, _>(ids)
        .execute(conn)
        .await
}

/// The statement that recomputes the facts of every loan (for a session outside the pool).
pub fn refresh_all_statement() -> String {
    statement("true", "true")
}

/// Recomputes the facts of every loan; returns how many changed.
pub async fn refresh_all(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::sql_query(refresh_all_statement())
        .execute(conn)
        .await
}

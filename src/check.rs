//! The money invariants of SPEC 5.3 over a whole database (`millennium check`, and the tests
//! after every money operation): every installment's and charge's paid amount is the sum of its
//! allocations and at most what is due; every live repayment is allocated exactly; nothing is
//! allocated to a reversed repayment; every schedule sums to its loan's principal and to the
//! interest that `domain::schedule` computes for its terms; a loan's status agrees with what it
//! owes; the loan facts that reports read (`outstanding_amount`, `oldest_unpaid_due_date`)
//! agree with its installments and charges; the daily figures agree with the book.

use std::fmt;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Numeric, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

use crate::db::{DbConn, Isolation};
use crate::domain::products::{InterestMethod, TermUnit};
use crate::domain::schedule::{self, Terms};

/// One broken invariant on one row.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Violation {
    /// Which invariant.
    #[diesel(sql_type = Text)]
    pub rule: String,
    /// The loan concerned (its number).
    #[diesel(sql_type = Text)]
    pub loan_number: String,
    /// The figures that disagree.
    #[diesel(sql_type = Text)]
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.loan_number, self.rule, self.detail)
    }
}

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub loans: i64,
    pub violations: Vec<Violation>,
}

const CHECKS: &str = "
WITH item_alloc AS (
    SELECT schedule_item_id AS id, sum(amount) AS amount FROM repayment_allocations
     WHERE schedule_item_id IS NOT NULL GROUP BY schedule_item_id
), charge_alloc AS (
    SELECT charge_id AS id, sum(amount) AS amount FROM repayment_allocations
     WHERE charge_id IS NOT NULL GROUP BY charge_id
), repayment_alloc AS (
    SELECT repayment_id AS id, sum(amount) AS amount FROM repayment_allocations GROUP BY repayment_id
), owed AS (
    SELECT l.id,
           COALESCE((SELECT sum(i.total_due - i.paid_amount) FROM repayment_schedule_items i
                      WHERE i.loan_id = l.id AND i.deleted_at IS NULL), 0)
         + COALESCE((SELECT sum(c.amount - c.paid_amount) FROM loan_charges c
                      WHERE c.loan_id = l.id AND c.deleted_at IS NULL AND c.waived_at IS NULL), 0)
             AS amount
      FROM loans l WHERE l.status IN ('ACTIVE', 'DEFAULTED', 'COMPLETED')
), facts AS (
    SELECT l.id, COALESCE(i.owed, 0) + COALESCE(c.owed, 0) AS amount, i.oldest
      FROM loans l
      LEFT JOIN (SELECT loan_id, sum(total_due - paid_amount) AS owed,
                        min(due_date) FILTER (WHERE paid_amount < total_due) AS oldest
                   FROM repayment_schedule_items WHERE deleted_at IS NULL
                  GROUP BY loan_id) i ON i.loan_id = l.id
      LEFT JOIN (SELECT loan_id, sum(amount - paid_amount) AS owed
                   FROM loan_charges WHERE deleted_at IS NULL AND waived_at IS NULL
                  GROUP BY loan_id) c ON c.loan_id = l.id
)
SELECT 'installment paid differs from its allocations' AS rule, l.loan_number,
       'installment ' || i.sequence || ': paid ' || i.paid_amount || ', allocated '
           || COALESCE(a.amount, 0) AS detail
  FROM repayment_schedule_items i
  JOIN loans l ON l.id = i.loan_id
  LEFT JOIN item_alloc a ON a.id = i.id
 WHERE i.paid_amount <> COALESCE(a.amount, 0)
UNION ALL
SELECT 'installment paid outside 0 and its due', l.loan_number,
       'installment ' || i.sequence || ': paid ' || i.paid_amount || ' of ' || i.total_due
  FROM repayment_schedule_items i JOIN loans l ON l.id = i.loan_id
 WHERE i.paid_amount > i.total_due OR i.paid_amount < 0
UNION ALL
SELECT 'charge paid differs from its allocations', l.loan_number,
       'charge of ' || c.charge_date || ': paid ' || c.paid_amount || ', allocated '
           || COALESCE(a.amount, 0)
  FROM loan_charges c
  JOIN loans l ON l.id = c.loan_id
  LEFT JOIN charge_alloc a ON a.id = c.id
 WHERE c.paid_amount <> COALESCE(a.amount, 0) OR c.paid_amount > c.amount
UNION ALL
SELECT 'repayment not allocated exactly', l.loan_number,
       'repayment ' || r.id || ' of ' || r.amount || ', allocated ' || COALESCE(a.amount, 0)
  FROM repayments r
  JOIN loans l ON l.id = r.loan_id
  LEFT JOIN repayment_alloc a ON a.id = r.id
 WHERE r.reversed_at IS NULL AND r.deleted_at IS NULL AND r.amount <> COALESCE(a.amount, 0)
UNION ALL
SELECT 'allocation of a reversed repayment', l.loan_number,
       'repayment ' || r.id || ' reversed with ' || a.amount || ' allocated'
  FROM repayments r
  JOIN loans l ON l.id = r.loan_id
  JOIN repayment_alloc a ON a.id = r.id
 WHERE r.reversed_at IS NOT NULL
UNION ALL
SELECT 'schedule does not sum to the principal', l.loan_number,
       'principal ' || l.principal_amount || ', scheduled ' || COALESCE(s.principal, 0)
  FROM loans l
  LEFT JOIN (SELECT loan_id, sum(principal_due) AS principal FROM repayment_schedule_items
              WHERE deleted_at IS NULL GROUP BY loan_id) s ON s.loan_id = l.id
 WHERE l.principal_amount <> COALESCE(s.principal, 0)
UNION ALL
SELECT 'completed loan still owes', l.loan_number, 'owes ' || o.amount
  FROM loans l JOIN owed o ON o.id = l.id
 WHERE l.status = 'COMPLETED' AND o.amount > 0
UNION ALL
SELECT 'loan in repayment owes nothing', l.loan_number, l.status
  FROM loans l JOIN owed o ON o.id = l.id
 WHERE l.status IN ('ACTIVE', 'DEFAULTED') AND o.amount <= 0
UNION ALL
SELECT 'loan facts differ from its installments and charges', l.loan_number,
       'kept ' || l.outstanding_amount || ' owed, oldest unpaid '
           || COALESCE(l.oldest_unpaid_due_date::text, 'none') || '; recomputed ' || f.amount
           || ', ' || COALESCE(f.oldest::text, 'none')
  FROM loans l JOIN facts f ON f.id = l.id
 WHERE l.outstanding_amount <> f.amount OR l.oldest_unpaid_due_date IS DISTINCT FROM f.oldest
";

/// A loan's terms and the interest its schedule holds.
#[derive(QueryableByName)]
struct LoanTerms {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    loan_number: String,
    #[diesel(sql_type = Numeric)]
    principal_amount: Decimal,
    #[diesel(sql_type = Integer)]
    term_count: i32,
    #[diesel(sql_type = Text)]
    term_unit: String,
    #[diesel(sql_type = Numeric)]
    interest_rate: Decimal,
    #[diesel(sql_type = Text)]
    interest_method: String,
    #[diesel(sql_type = Date)]
    start_date: chrono::NaiveDate,
    #[diesel(sql_type = Numeric)]
    interest: Decimal,
}

/// Loans per statement when comparing schedules with `domain::schedule`.
const CHUNK: i64 = 5_000;

/// Checks every invariant over the database, in one read-only snapshot and without the
/// statement timeout (a whole book takes a while).
pub async fn run(conn: &mut DbConn) -> QueryResult<Report> {
    conn.run_transaction(Isolation::ReadOnlySnapshot, |conn| {
        async move {
            diesel::sql_query("SET LOCAL statement_timeout = 0")
                .execute(&mut *conn)
                .await?;
            run_in(conn).await
        }
        .scope_boxed()
    })
    .await
}

async fn run_in(conn: &mut DbConn) -> QueryResult<Report> {
    let mut violations: Vec<Violation> = diesel::sql_query(CHECKS).load(conn).await?;
    violations.extend(
        diesel::sql_query(crate::db::rollups::differences_sql())
            .load::<Violation>(conn)
            .await?,
    );
    let mut loans = 0;
    let mut after = Uuid::nil();
    loop {
        let chunk: Vec<LoanTerms> = diesel::sql_query(
            "SELECT l.id, l.loan_number, l.principal_amount, l.term_count, l.term_unit,
                    l.interest_rate, l.interest_method, l.start_date,
                    COALESCE((SELECT sum(i.interest_due) FROM repayment_schedule_items i
                               WHERE i.loan_id = l.id AND i.deleted_at IS NULL), 0) AS interest
               FROM loans l WHERE l.id > $1 ORDER BY l.id LIMIT $2",
        )
        .bind::<SqlUuid, _>(after)
        .bind::<BigInt, _>(CHUNK)
        .load(conn)
        .await?;
        let Some(last) = chunk.last() else { break };
        after = last.id;
        loans += i64::try_from(chunk.len()).unwrap_or(i64::MAX);
        violations.extend(chunk.iter().filter_map(interest_violation));
    }
    Ok(Report { loans, violations })
}

/// The violation, if the schedule's interest is not what `domain::schedule` computes.
fn interest_violation(loan: &LoanTerms) -> Option<Violation> {
    let violation = |detail: String| Violation {
        rule: "schedule interest differs from its terms".into(),
        loan_number: loan.loan_number.clone(),
        detail,
    };
    let (Ok(term_unit), Ok(interest_method)) = (
        loan.term_unit.parse::<TermUnit>(),
        loan.interest_method.parse::<InterestMethod>(),
    ) else {
        return Some(violation(format!(
            "unknown term unit {} or method {}",
            loan.term_unit, loan.interest_method
        )));
    };
    let terms = Terms {
        principal: loan.principal_amount,
        term_count: u32::try_from(loan.term_count).unwrap_or(0),
        term_unit,
        interest_rate: loan.interest_rate,
        interest_method,
        start_date: loan.start_date,
    };
    match schedule::schedule(&terms) {
        Ok(items) => {
            let expected: Decimal = items.iter().map(|item| item.interest_due).sum();
            (expected != loan.interest).then(|| {
                violation(format!(
                    "scheduled {}, the terms give {expected}",
                    loan.interest
                ))
            })
        }
        Err(err) => Some(violation(format!("the terms give no schedule: {err}"))),
    }
}

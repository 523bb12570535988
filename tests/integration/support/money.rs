//! The money invariants of SPEC 5.3, checked over a test's whole database after every money
//! operation: each installment's paid amount is the sum of its allocations and at most what is
//! due; each loan's live repayments sum to its allocations; nothing is allocated to a reversed
//! repayment; schedules sum to the principal.

use diesel::sql_query;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

use super::TestApp;

#[derive(diesel::QueryableByName)]
struct Violation {
    #[diesel(sql_type = Text)]
    what: String,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

const CHECKS: &str = "
SELECT 'installment paid differs from its allocations' AS what, count(*) AS count
  FROM repayment_schedule_items i
 WHERE i.paid_amount <> COALESCE((SELECT sum(a.amount) FROM repayment_allocations a
                                   WHERE a.schedule_item_id = i.id), 0)
UNION ALL
SELECT 'installment paid above its due', count(*) FROM repayment_schedule_items
 WHERE paid_amount > total_due
UNION ALL
SELECT 'loan repayments differ from allocations', count(*) FROM loans l
 WHERE COALESCE((SELECT sum(r.amount) FROM repayments r
                  WHERE r.loan_id = l.id AND r.reversed_at IS NULL), 0)
    <> COALESCE((SELECT sum(a.amount) FROM repayment_allocations a
                   JOIN repayments r ON r.id = a.repayment_id WHERE r.loan_id = l.id), 0)
UNION ALL
SELECT 'allocation of a reversed repayment', count(*) FROM repayment_allocations a
  JOIN repayments r ON r.id = a.repayment_id WHERE r.reversed_at IS NOT NULL
UNION ALL
SELECT 'schedule does not sum to the principal', count(*) FROM loans l
 WHERE l.principal_amount <> (SELECT sum(i.principal_due) FROM repayment_schedule_items i
                               WHERE i.loan_id = l.id)
UNION ALL
SELECT 'charge paid differs from its allocations', count(*) FROM loan_charges c
 WHERE c.paid_amount <> COALESCE((SELECT sum(a.amount) FROM repayment_allocations a
                                   WHERE a.charge_id = c.id), 0)
";

/// Panics naming every invariant that does not hold.
#[track_caller]
pub fn assert_invariants_sync(violations: &[(String, i64)]) {
    let broken: Vec<_> = violations.iter().filter(|(_, count)| *count > 0).collect();
    assert!(broken.is_empty(), "money invariants broken: {broken:?}");
}

/// Checks the invariants over the app's database.
pub async fn assert_invariants(app: &TestApp) {
    let rows: Vec<Violation> = sql_query(CHECKS)
        .load(&mut app.conn().await)
        .await
        .expect("invariant queries");
    let violations: Vec<(String, i64)> = rows.into_iter().map(|v| (v.what, v.count)).collect();
    assert_invariants_sync(&violations);
}

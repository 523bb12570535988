//! The reports' SQL (SPEC 8.2): every figure is an aggregate computed by PostgreSQL, a fixed
//! number of statements whatever the size of the book. The portfolio's lateness comes from the
//! loan facts (`loans.outstanding_amount`, `loans.oldest_unpaid_due_date`); what happened in a
//! period from the partial indexes on repayment dates and installment due dates.
//!
//! Figures come back as keyed rows ([`Figure`]: a kind, an optional officer, a key, a count
//! and two amounts) that `services::reports` folds into the reports' shapes.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Numeric, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::DbConn;
use crate::domain::permissions::Scope;
use crate::domain::reports::{PAR_DAYS, ParGrouping, Period, late_since};

/// One aggregate: `kind` says what was counted (`loans`, `collected`, …), `key` which part
/// (a status, `current`/`previous`, a month), `officer` whose (when grouped by officer).
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct Figure {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub officer: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
    #[diesel(sql_type = Numeric)]
    pub amount: Decimal,
    #[diesel(sql_type = Numeric)]
    pub other: Decimal,
}

/// The statuses of loans that were disbursed (money went out).
const DISBURSED: &str = "('ACTIVE', 'COMPLETED', 'DEFAULTED', 'WRITTEN_OFF')";

/// The statuses of the portfolio: loans being repaid.
const PORTFOLIO: &str = "('ACTIVE', 'DEFAULTED')";

/// The condition that `column` (a union id) is in `scope`; `$1` is the scope's user (unused
/// when the scope is everything).
fn unions_in(scope: Scope, column: &str) -> String {
    match scope {
        Scope::All => "true".to_owned(),
        Scope::Officer { .. } => {
            format!("{column} IN (SELECT id FROM unions WHERE credit_officer_id = $1)")
        }
        Scope::Team { .. } => format!(
            "{column} IN (SELECT u.id FROM unions u JOIN users o ON o.id = u.credit_officer_id \
             WHERE o.supervisor_id = $1)"
        ),
    }
}

/// The user a scope names, bound as `$1`.
fn scope_user(scope: Scope) -> Uuid {
    match scope {
        Scope::All => Uuid::nil(),
        Scope::Officer { officer_id } => officer_id.0,
        Scope::Team { supervisor_id } => supervisor_id.0,
    }
}

/// How figures are split: in one total, or per credit officer (of the union).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Total,
    ByOfficer,
}

impl Split {
    /// The officer column and the join that brings it, for a table aliased `alias` with a
    /// union id in `column`.
    fn owner(self, alias: &str, column: &str) -> (String, String) {
        match self {
            Split::Total => ("NULL::uuid".to_owned(), String::new()),
            Split::ByOfficer => (
                "o_u.credit_officer_id".to_owned(),
                format!("JOIN unions o_u ON o_u.id = {alias}.{column}"),
            ),
        }
    }
}

/// The figures of a period and the one before it (`$2`..`$4` the instants: start, end, start
/// of the previous; `$5`..`$7` the days: start, end, start of the previous) and of the
/// portfolio on a day (`$8`.. the PAR thresholds on that day).
fn figures_sql(scope: Scope, split: Split) -> String {
    let (officer_l, join_l) = split.owner("l", "union_id");
    let (officer_m, join_m) = split.owner("m", "union_id");
    let (officer_n, join_n) = split.owner("n", "id");
    let in_scope_l = unions_in(scope, "l.union_id");
    let in_scope_m = unions_in(scope, "m.union_id");
    let in_scope_n = unions_in(scope, "n.id");
    let repayment_scope = match scope {
        Scope::All => "true".to_owned(),
        _ => format!(
            "r.loan_id IN (SELECT l.id FROM loans l WHERE {})",
            unions_in(scope, "l.union_id")
        ),
    };
    let (officer_r, join_r) = match split {
        Split::Total => ("NULL::uuid".to_owned(), String::new()),
        Split::ByOfficer => (
            "o_u.credit_officer_id".to_owned(),
            "JOIN loans o_l ON o_l.id = r.loan_id JOIN unions o_u ON o_u.id = o_l.union_id"
                .to_owned(),
        ),
    };
    let thresholds: Vec<String> = PAR_DAYS
        .iter()
        .enumerate()
        .map(|(index, days)| format!("('PAR{days}', ${})", index + 8))
        .collect();
    let thresholds = thresholds.join(", ");
    format!(
        "
SELECT 'loans' AS kind, {officer_l} AS officer, l.status AS key, count(*) AS count,
       COALESCE(sum(l.principal_amount), 0) AS amount,
       COALESCE(sum(l.outstanding_amount), 0) AS other
  FROM loans l {join_l}
 WHERE l.deleted_at IS NULL AND {in_scope_l}
 GROUP BY 2, 3
UNION ALL
SELECT 'members', {officer_m}, CASE WHEN m.is_verified THEN 'VERIFIED' ELSE 'PENDING' END,
       count(*), 0, 0
  FROM union_members m {join_m}
 WHERE m.deleted_at IS NULL AND {in_scope_m}
 GROUP BY 2, 3
UNION ALL
SELECT 'newMembers', {officer_m}, CASE WHEN m.created_at >= $2 THEN 'current' ELSE 'previous' END,
       count(*), 0, 0
  FROM union_members m {join_m}
 WHERE m.deleted_at IS NULL AND m.created_at >= $4 AND m.created_at < $3 AND {in_scope_m}
 GROUP BY 2, 3
UNION ALL
SELECT 'unions', {officer_n}, '', count(*), 0, 0
  FROM unions n {join_n}
 WHERE n.deleted_at IS NULL AND {in_scope_n}
 GROUP BY 2
UNION ALL
SELECT 'newLoans', {officer_l}, CASE WHEN l.created_at >= $2 THEN 'current' ELSE 'previous' END,
       count(*), COALESCE(sum(l.principal_amount), 0), 0
  FROM loans l {join_l}
 WHERE l.deleted_at IS NULL AND l.created_at >= $4 AND l.created_at < $3 AND {in_scope_l}
 GROUP BY 2, 3
UNION ALL
SELECT 'disbursed', {officer_l}, CASE WHEN l.disbursed_at >= $2 THEN 'current' ELSE 'previous' END,
       count(*), COALESCE(sum(l.principal_amount), 0), 0
  FROM loans l {join_l}
 WHERE l.deleted_at IS NULL AND l.status IN {DISBURSED}
   AND l.disbursed_at >= $4 AND l.disbursed_at < $3 AND {in_scope_l}
 GROUP BY 2, 3
UNION ALL
SELECT 'collected', {officer_r}, CASE WHEN r.paid_at >= $2 THEN 'current' ELSE 'previous' END,
       count(*), COALESCE(sum(r.amount), 0), 0
  FROM repayments r {join_r}
 WHERE r.reversed_at IS NULL AND r.deleted_at IS NULL
   AND r.paid_at >= $4 AND r.paid_at < $3 AND {repayment_scope}
 GROUP BY 2, 3
UNION ALL
SELECT 'due', {officer_l}, CASE WHEN i.due_date >= $5 THEN 'current' ELSE 'previous' END,
       count(*), COALESCE(sum(i.total_due), 0), COALESCE(sum(i.paid_amount), 0)
  FROM repayment_schedule_items i
  JOIN loans l ON l.id = i.loan_id {join_l}
 WHERE i.deleted_at IS NULL AND i.due_date >= $7 AND i.due_date <= $6
   AND l.deleted_at IS NULL AND l.status IN {DISBURSED} AND {in_scope_l}
 GROUP BY 2, 3
UNION ALL
SELECT 'portfolio', {officer_l}, b.key,
       count(*) FILTER (WHERE b.since IS NULL OR l.oldest_unpaid_due_date <= b.since),
       COALESCE(sum(l.outstanding_amount)
                FILTER (WHERE b.since IS NULL OR l.oldest_unpaid_due_date <= b.since), 0),
       0
  FROM loans l {join_l}
 CROSS JOIN (VALUES ('ALL', NULL::date), {thresholds}) AS b(key, since)
 WHERE l.deleted_at IS NULL AND l.status IN {PORTFOLIO} AND {in_scope_l}
 GROUP BY 2, 3
"
    )
}

/// The figures of `period` and the one before it, and of the portfolio on `as_of`, in `scope`,
/// in one total or per officer: one statement.
pub async fn figures(
    conn: &mut DbConn,
    scope: Scope,
    split: Split,
    period: Period,
    as_of: NaiveDate,
) -> QueryResult<Vec<Figure>> {
    let previous = period.previous();
    let (from, to) = period.instants();
    let (previous_from, _) = previous.instants();
    let query = diesel::sql_query(figures_sql(scope, split))
        .bind::<SqlUuid, _>(scope_user(scope))
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .bind::<Timestamptz, _>(previous_from)
        .bind::<Date, _>(period.start)
        .bind::<Date, _>(period.end)
        .bind::<Date, _>(previous.start);
    let [par1, par30, par60, par90] = PAR_DAYS.map(|days| late_since(as_of, days));
    query
        .bind::<Date, _>(par1)
        .bind::<Date, _>(par30)
        .bind::<Date, _>(par60)
        .bind::<Date, _>(par90)
        .load(conn)
        .await
}

/// Disbursed, collected and due per calendar month over `months` (whole months, in order), in
/// `scope`: one statement. Keys are `YYYY-MM`.
pub async fn monthly(
    conn: &mut DbConn,
    scope: Scope,
    months: &[Period],
) -> QueryResult<Vec<Figure>> {
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(Vec::new());
    };
    let span = Period {
        start: first.start,
        end: last.end,
    };
    let (from, to) = span.instants();
    let in_scope_l = unions_in(scope, "l.union_id");
    let repayment_scope = match scope {
        Scope::All => "true".to_owned(),
        _ => format!("r.loan_id IN (SELECT l.id FROM loans l WHERE {in_scope_l})"),
    };
    let sql = format!(
        "
SELECT 'disbursed' AS kind, NULL::uuid AS officer,
       to_char(l.disbursed_at AT TIME ZONE 'UTC', 'YYYY-MM') AS key, count(*) AS count,
       COALESCE(sum(l.principal_amount), 0) AS amount, 0::numeric AS other
  FROM loans l
 WHERE l.deleted_at IS NULL AND l.status IN {DISBURSED}
   AND l.disbursed_at >= $2 AND l.disbursed_at < $3 AND {in_scope_l}
 GROUP BY 3
UNION ALL
SELECT 'collected', NULL, to_char(r.paid_at AT TIME ZONE 'UTC', 'YYYY-MM'), count(*),
       COALESCE(sum(r.amount), 0), 0
  FROM repayments r
 WHERE r.reversed_at IS NULL AND r.deleted_at IS NULL
   AND r.paid_at >= $2 AND r.paid_at < $3 AND {repayment_scope}
 GROUP BY 3
UNION ALL
SELECT 'due', NULL, to_char(i.due_date, 'YYYY-MM'), count(*), COALESCE(sum(i.total_due), 0),
       COALESCE(sum(i.paid_amount), 0)
  FROM repayment_schedule_items i
  JOIN loans l ON l.id = i.loan_id
 WHERE i.deleted_at IS NULL AND i.due_date >= $4 AND i.due_date <= $5
   AND l.deleted_at IS NULL AND l.status IN {DISBURSED} AND {in_scope_l}
 GROUP BY 3
"
    );
    diesel::sql_query(sql)
        .bind::<SqlUuid, _>(scope_user(scope))
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .bind::<Date, _>(span.start)
        .bind::<Date, _>(span.end)
        .load(conn)
        .await
}

/// A union among the largest of the portfolio.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopUnion {
    #[diesel(sql_type = SqlUuid)]
    pub union_id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = SqlUuid)]
    pub credit_officer_id: Uuid,
    #[diesel(sql_type = BigInt)]
    pub loans: i64,
    #[diesel(sql_type = Numeric)]
    pub outstanding: Decimal,
    #[diesel(sql_type = Numeric)]
    pub at_risk: Decimal,
    #[diesel(sql_type = Numeric)]
    pub collected: Decimal,
}

/// The `limit` unions in scope with the most outstanding, with what is more than 30 days late
/// on `as_of` and what they collected in `period`: one statement.
pub async fn top_unions(
    conn: &mut DbConn,
    scope: Scope,
    period: Period,
    as_of: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<TopUnion>> {
    let (from, to) = period.instants();
    let in_scope_l = unions_in(scope, "l.union_id");
    let sql = format!(
        "
WITH top AS (
    SELECT l.union_id, count(*) AS loans, sum(l.outstanding_amount) AS outstanding,
           COALESCE(sum(l.outstanding_amount) FILTER (WHERE l.oldest_unpaid_due_date <= $4), 0)
               AS at_risk
      FROM loans l
     WHERE l.deleted_at IS NULL AND l.status IN {PORTFOLIO} AND {in_scope_l}
     GROUP BY l.union_id
     ORDER BY outstanding DESC, l.union_id
     LIMIT $5
)
SELECT t.union_id, u.name, u.credit_officer_id, t.loans, t.outstanding, t.at_risk,
       COALESCE((SELECT sum(r.amount) FROM repayments r JOIN loans l ON l.id = r.loan_id
                  WHERE l.union_id = t.union_id AND r.reversed_at IS NULL
                    AND r.deleted_at IS NULL AND r.paid_at >= $2 AND r.paid_at < $3), 0)
           AS collected
  FROM top t JOIN unions u ON u.id = t.union_id
 ORDER BY t.outstanding DESC, t.union_id
"
    );
    diesel::sql_query(sql)
        .bind::<SqlUuid, _>(scope_user(scope))
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .bind::<Date, _>(late_since(as_of, 30))
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await
}

/// Something that happened to a loan.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    /// `REPAYMENT_RECORDED`, `LOAN_DISBURSED` or `LOAN_CREATED`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub loan_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub repayment_id: Option<Uuid>,
    #[diesel(sql_type = Numeric)]
    pub amount: Decimal,
}

/// The latest `limit` repayments, disbursements and applications of loans in scope, latest
/// first: one statement.
pub async fn recent_activity(
    conn: &mut DbConn,
    scope: Scope,
    limit: i64,
) -> QueryResult<Vec<Activity>> {
    let in_scope_l = unions_in(scope, "l.union_id");
    let sql = format!(
        "
(SELECT 'REPAYMENT_RECORDED' AS kind, r.created_at AS at, r.loan_id, r.id AS repayment_id,
        r.amount
   FROM repayments r JOIN loans l ON l.id = r.loan_id
  WHERE r.deleted_at IS NULL AND l.deleted_at IS NULL AND {in_scope_l}
  ORDER BY r.created_at DESC LIMIT $2)
UNION ALL
(SELECT 'LOAN_DISBURSED', l.disbursed_at, l.id, NULL::uuid, l.principal_amount
   FROM loans l
  WHERE l.deleted_at IS NULL AND l.disbursed_at IS NOT NULL AND l.status IN {DISBURSED}
    AND {in_scope_l}
  ORDER BY l.disbursed_at DESC LIMIT $2)
UNION ALL
(SELECT 'LOAN_CREATED', l.created_at, l.id, NULL::uuid, l.principal_amount
   FROM loans l
  WHERE l.deleted_at IS NULL AND {in_scope_l}
  ORDER BY l.created_at DESC LIMIT $2)
ORDER BY at DESC, kind LIMIT $2
"
    );
    diesel::sql_query(sql)
        .bind::<SqlUuid, _>(scope_user(scope))
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await
}

/// A credit officer a team report covers.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct Officer {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub first_name: String,
    #[diesel(sql_type = Text)]
    pub last_name: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_activity_at: Option<DateTime<Utc>>,
}

/// The live credit officers of `supervisor`'s team (every live credit officer when none), by
/// name.
pub async fn officers(conn: &mut DbConn, supervisor: Option<Uuid>) -> QueryResult<Vec<Officer>> {
    diesel::sql_query(
        "SELECT id, first_name, last_name, last_activity_at FROM users
          WHERE deleted_at IS NULL AND role = 'CREDIT_OFFICER'
            AND ($1::uuid IS NULL OR supervisor_id = $1)
          ORDER BY last_name, first_name, id",
    )
    .bind::<Nullable<SqlUuid>, _>(supervisor)
    .load(conn)
    .await
}

/// One group of the portfolio at risk.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct RiskGroup {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub loans: i64,
    #[diesel(sql_type = Numeric)]
    pub outstanding: Decimal,
    #[diesel(sql_type = BigInt)]
    pub par1_loans: i64,
    #[diesel(sql_type = Numeric)]
    pub par1: Decimal,
    #[diesel(sql_type = BigInt)]
    pub par30_loans: i64,
    #[diesel(sql_type = Numeric)]
    pub par30: Decimal,
    #[diesel(sql_type = BigInt)]
    pub par60_loans: i64,
    #[diesel(sql_type = Numeric)]
    pub par60: Decimal,
    #[diesel(sql_type = BigInt)]
    pub par90_loans: i64,
    #[diesel(sql_type = Numeric)]
    pub par90: Decimal,
}

/// The portfolio in scope on `as_of` (the book as it stands), grouped: one statement.
pub async fn portfolio_at_risk(
    conn: &mut DbConn,
    scope: Scope,
    as_of: NaiveDate,
    grouping: ParGrouping,
) -> QueryResult<Vec<RiskGroup>> {
    let (group, join, name) = match grouping {
        ParGrouping::Officer => (
            "g_u.credit_officer_id",
            "JOIN unions g_u ON g_u.id = l.union_id \
             JOIN users g ON g.id = g_u.credit_officer_id",
            "g.first_name || ' ' || g.last_name",
        ),
        ParGrouping::Union => ("l.union_id", "JOIN unions g ON g.id = l.union_id", "g.name"),
        ParGrouping::LoanType => (
            "l.loan_type_id",
            "JOIN loan_types g ON g.id = l.loan_type_id",
            "g.name",
        ),
    };
    let in_scope_l = unions_in(scope, "l.union_id");
    let late = |index: usize| {
        let param = index + 2;
        format!(
            "count(*) FILTER (WHERE l.oldest_unpaid_due_date <= ${param}) AS par{days}_loans,
       COALESCE(sum(l.outstanding_amount) FILTER (WHERE l.oldest_unpaid_due_date <= ${param}), 0)
           AS par{days}",
            days = PAR_DAYS[index]
        )
    };
    let columns: Vec<String> = (0..PAR_DAYS.len()).map(late).collect();
    let columns = columns.join(",\n       ");
    let sql = format!(
        "
SELECT {group} AS id, min({name}) AS name, count(*) AS loans,
       COALESCE(sum(l.outstanding_amount), 0) AS outstanding,
       {columns}
  FROM loans l {join}
 WHERE l.deleted_at IS NULL AND l.status IN {PORTFOLIO} AND {in_scope_l}
 GROUP BY {group}
 ORDER BY outstanding DESC, 1
"
    );
    let [par1, par30, par60, par90] = PAR_DAYS.map(|days| late_since(as_of, days));
    diesel::sql_query(sql)
        .bind::<SqlUuid, _>(scope_user(scope))
        .bind::<Date, _>(par1)
        .bind::<Date, _>(par30)
        .bind::<Date, _>(par60)
        .bind::<Date, _>(par90)
        .load(conn)
        .await
}

/// Whose rounds a collection sheet covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetOf {
    Officer(Uuid),
    Union(Uuid),
}

/// One loan on a collection sheet: what its member owes on the day.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetLine {
    #[diesel(sql_type = SqlUuid)]
    pub union_id: Uuid,
    #[diesel(sql_type = Text)]
    pub union_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub union_location: Option<String>,
    #[diesel(sql_type = SqlUuid)]
    pub member_id: Uuid,
    #[diesel(sql_type = Text)]
    pub member_code: String,
    #[diesel(sql_type = Text)]
    pub member_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub member_phone: Option<String>,
    #[diesel(sql_type = SqlUuid)]
    pub loan_id: Uuid,
    #[diesel(sql_type = Text)]
    pub loan_number: String,
    /// What falls due on the day and is not yet paid.
    #[diesel(sql_type = Numeric)]
    pub due: Decimal,
    /// What fell due before the day and is not yet paid: installments.
    #[diesel(sql_type = Numeric)]
    pub overdue: Decimal,
    /// Penalties and fees charged up to the day and not yet paid.
    #[diesel(sql_type = Numeric)]
    pub penalties: Decimal,
    /// Everything the loan still owes.
    #[diesel(sql_type = Numeric)]
    pub outstanding: Decimal,
    #[diesel(sql_type = Nullable<Date>)]
    pub oldest_unpaid_due_date: Option<NaiveDate>,
}

/// The loans being repaid, in `scope`, of an officer's unions or of one union, whose members
/// owe something on `day` (due that day or before, or a charge), union by union and member by
/// member: one statement. Amounts are as the book stands.
pub async fn collection_sheet(
    conn: &mut DbConn,
    scope: Scope,
    of: SheetOf,
    day: NaiveDate,
) -> QueryResult<Vec<SheetLine>> {
    let in_scope_l = unions_in(scope, "l.union_id");
    let (target, id) = match of {
        SheetOf::Officer(id) => ("u.credit_officer_id = $3", id),
        SheetOf::Union(id) => ("u.id = $3", id),
    };
    let sql = format!(
        "
SELECT u.id AS union_id, u.name AS union_name, u.location AS union_location,
       m.id AS member_id, m.code AS member_code,
       m.first_name || ' ' || m.last_name AS member_name, m.phone AS member_phone,
       l.id AS loan_id, l.loan_number,
       COALESCE(i.due, 0) AS due,
       COALESCE(i.overdue, 0) AS overdue, COALESCE(c.owed, 0) AS penalties,
       l.outstanding_amount AS outstanding, l.oldest_unpaid_due_date
  FROM loans l
  JOIN unions u ON u.id = l.union_id
  JOIN union_members m ON m.id = l.union_member_id
  LEFT JOIN LATERAL (
      SELECT sum(s.total_due - s.paid_amount) FILTER (WHERE s.due_date = $2) AS due,
             sum(s.total_due - s.paid_amount) FILTER (WHERE s.due_date < $2) AS overdue
        FROM repayment_schedule_items s
       WHERE s.loan_id = l.id AND s.deleted_at IS NULL AND s.due_date <= $2
         AND s.paid_amount < s.total_due
  ) i ON true
  LEFT JOIN LATERAL (
      SELECT sum(c.amount - c.paid_amount) AS owed
        FROM loan_charges c
       WHERE c.loan_id = l.id AND c.deleted_at IS NULL AND c.waived_at IS NULL
         AND c.charge_date <= $2 AND c.paid_amount < c.amount
  ) c ON true
 WHERE l.deleted_at IS NULL AND l.status IN {PORTFOLIO} AND {in_scope_l} AND {target}
   AND (COALESCE(i.due, 0) > 0 OR COALESCE(i.overdue, 0) > 0 OR COALESCE(c.owed, 0) > 0)
 ORDER BY u.name, u.id, m.last_name, m.first_name, m.id, l.loan_number
"
    );
    diesel::sql_query(sql)
        .bind::<SqlUuid, _>(scope_user(scope))
        .bind::<Date, _>(day)
        .bind::<SqlUuid, _>(id)
        .load(conn)
        .await
}

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

/// The condition that the officer of the kept figures aliased `alias` is in `scope`.
fn officers_in(scope: Scope, alias: &str) -> String {
    match scope {
        Scope::All => "true".to_owned(),
        Scope::Officer { .. } => format!("{alias}.credit_officer_id = $1"),
        Scope::Team { .. } => {
            format!("{alias}.credit_officer_id IN (SELECT id FROM users WHERE supervisor_id = $1)")
        }
    }
}

/// The officer column of the kept figures aliased `alias`, per officer or in total.
fn kept_officer(split: Split, alias: &str) -> String {
    match split {
        Split::Total => "NULL::uuid".to_owned(),
        Split::ByOfficer => format!("{alias}.credit_officer_id"),
    }
}

/// The kinds of figure the daily figures hold: the kind's name, and its count, amount and
/// other amount columns.
const DAILY_KINDS: [(&str, &str, &str, Option<&str>); 4] = [
    ("newLoans", "new_loans", "new_principal", None),
    ("disbursed", "disbursed_loans", "disbursed_principal", None),
    ("collected", "repayments", "collected_amount", None),
    ("due", "installments", "due_amount", Some("due_paid_amount")),
];

/// How a statement over the daily figures buckets the days.
enum Buckets<'a> {
    /// Each part a key and a condition on `d.day`: one pass, grouped by officer alone.
    Parts(&'a [(&'a str, &'a str)]),
    /// By the key `d.day` gives (an expression).
    Key(&'a str),
}

/// The kept figures of `table` (`daily_figures` or `monthly_figures`, aliased `d`) in `scope`
/// within `{days}` (a condition on `d`'s day or month), summed per officer (or in total) and
/// per bucket, unfolded into one [`Figure`] per kind and bucket: `newLoans`, `disbursed`,
/// `collected` and `due` (whose `other` is what has been paid of it).
fn kept_sql(table: &str, scope: Scope, split: Split, days: &str, buckets: &Buckets<'_>) -> String {
    let officer = kept_officer(split, "d");
    let in_scope = officers_in(scope, "d");
    let parts: Vec<(String, Option<&str>)> = match buckets {
        Buckets::Parts(parts) => parts
            .iter()
            .map(|(key, condition)| (format!("'{key}'"), Some(*condition)))
            .collect(),
        Buckets::Key(_) => vec![("f.key".to_owned(), None)],
    };
    let mut sums = Vec::new();
    let mut values = Vec::new();
    for (index, (key, condition)) in parts.iter().enumerate() {
        for (kind, count, amount, other) in DAILY_KINDS {
            let sum = |column: &str| match condition {
                Some(condition) => {
                    format!("COALESCE(sum(d.{column}) FILTER (WHERE {condition}), 0)")
                }
                None => format!("sum(d.{column})"),
            };
            sums.push(format!("{}::bigint AS {count}_{index}", sum(count)));
            sums.push(format!("{} AS {amount}_{index}", sum(amount)));
            let other = match other {
                Some(column) => {
                    sums.push(format!("{} AS {column}_{index}", sum(column)));
                    format!("f.{column}_{index}")
                }
                None => "0::numeric".to_owned(),
            };
            values.push(format!(
                "('{kind}', {key}, f.{count}_{index}, f.{amount}_{index}, {other})"
            ));
        }
    }
    let (key, group) = match buckets {
        Buckets::Parts(_) => (String::new(), "1"),
        Buckets::Key(key) => (format!("{key} AS key, "), "1, 2"),
    };
    format!(
        "
SELECT k.kind, f.officer, k.key, k.count, k.amount, k.other
  FROM (SELECT {officer} AS officer, {key}{sums}
          FROM {table} d
         WHERE {days} AND {in_scope}
         GROUP BY {group}) f
 CROSS JOIN LATERAL (VALUES {values}) AS k(kind, key, count, amount, other)",
        sums = sums.join(",\n               "),
        values = values.join(",\n       "),
    )
}

/// A part of a report's figures, computed by a statement of its own: the parts can run
/// concurrently on several connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureSet {
    /// Loans by status (`loans`, from the kept figures) and unions (`unions`).
    Loans,
    /// The portfolio and its PAR buckets (`portfolio`), members (`members`, `newMembers`).
    Portfolio,
    /// What happened in the period and the one before it (`newLoans`, `disbursed`,
    /// `collected`, `due`), from the daily figures.
    Period,
}

impl FigureSet {
    pub const ALL: [Self; 3] = [Self::Loans, Self::Portfolio, Self::Period];
}

/// The statement of a [`FigureSet`]. Parameters: `$1` the scope's user; `$2`..`$4` the
/// instants (start, end, start of the previous period); `$5`..`$7` the days (start, end, start
/// of the previous); `$8`.. the PAR thresholds on the report's day.
fn figure_set_sql(set: FigureSet, scope: Scope, split: Split) -> String {
    let (officer_l, join_l) = split.owner("l", "union_id");
    let (officer_g, join_g) = split.owner("g", "union_id");
    let (officer_n, join_n) = split.owner("n", "id");
    let in_scope_l = unions_in(scope, "l.union_id");
    let in_scope_m = unions_in(scope, "m.union_id");
    let in_scope_n = unions_in(scope, "n.id");
    let (officer_s, in_scope_s) = (kept_officer(split, "s"), officers_in(scope, "s"));
    match set {
        FigureSet::Loans => format!(
            "
SELECT 'loans' AS kind, {officer_s} AS officer, s.status AS key, sum(s.loans)::bigint AS count,
       sum(s.principal_amount) AS amount, sum(s.outstanding_amount) AS other
  FROM loan_status_figures s
 WHERE {in_scope_s}
 GROUP BY 2, 3
HAVING sum(s.loans) <> 0
UNION ALL
SELECT 'unions', {officer_n}, '', count(*), 0, 0
  FROM unions n {join_n}
 WHERE n.deleted_at IS NULL AND {in_scope_n}
 GROUP BY 2"
        ),
        FigureSet::Portfolio => {
            let mut late = Vec::new();
            let mut buckets = Vec::new();
            for (index, days) in PAR_DAYS.iter().enumerate() {
                let since = format!("l.oldest_unpaid_due_date <= ${}", index + 8);
                late.push(format!(
                    "count(*) FILTER (WHERE {since}) AS par{days}_loans,
               COALESCE(sum(l.outstanding_amount) FILTER (WHERE {since}), 0) AS par{days}"
                ));
                buckets.push(format!("('PAR{days}', p.par{days}_loans, p.par{days})"));
            }
            let late = late.join(",\n               ");
            let buckets = buckets.join(", ");
            format!(
                "
SELECT 'portfolio' AS kind, p.officer, k.key, k.count, k.amount, 0::numeric AS other
  FROM (SELECT {officer_l} AS officer, count(*) AS loans,
               COALESCE(sum(l.outstanding_amount), 0) AS outstanding,
               {late}
          FROM loans l {join_l}
         WHERE l.deleted_at IS NULL AND l.status IN {PORTFOLIO} AND {in_scope_l}
         GROUP BY 1) p
 CROSS JOIN LATERAL (VALUES ('ALL', p.loans, p.outstanding), {buckets}) AS k(key, count, amount)
UNION ALL
SELECT k.kind, p.officer, k.key, k.count, 0, 0
  FROM (SELECT {officer_g} AS officer, sum(g.verified)::bigint AS verified,
               sum(g.pending)::bigint AS pending, sum(g.new_current)::bigint AS new_current,
               sum(g.new_previous)::bigint AS new_previous
          FROM (SELECT m.union_id, count(*) FILTER (WHERE m.is_verified) AS verified,
                       count(*) FILTER (WHERE NOT m.is_verified) AS pending,
                       count(*) FILTER (WHERE m.created_at >= $2 AND m.created_at < $3)
                           AS new_current,
                       count(*) FILTER (WHERE m.created_at >= $4 AND m.created_at < $2)
                           AS new_previous
                  FROM union_members m
                 WHERE m.deleted_at IS NULL AND {in_scope_m}
                 GROUP BY 1) g {join_g}
         GROUP BY 1) p
 CROSS JOIN LATERAL (VALUES
       ('members', 'VERIFIED', p.verified), ('members', 'PENDING', p.pending),
       ('newMembers', 'current', p.new_current), ('newMembers', 'previous', p.new_previous))
       AS k(kind, key, count)"
            )
        }
        FigureSet::Period => kept_sql(
            "daily_figures",
            scope,
            split,
            "d.day >= $7 AND d.day <= $6",
            &Buckets::Parts(&[("current", "d.day >= $5"), ("previous", "d.day < $5")]),
        ),
    }
}

/// The figures of `sets` for `period` and the one before it, and of the portfolio on `as_of`,
/// in `scope`, in one total or per officer: one statement.
pub async fn figures(
    conn: &mut DbConn,
    sets: &[FigureSet],
    scope: Scope,
    split: Split,
    period: Period,
    as_of: NaiveDate,
) -> QueryResult<Vec<Figure>> {
    if sets.is_empty() {
        return Ok(Vec::new());
    }
    let statements: Vec<String> = sets
        .iter()
        .map(|set| figure_set_sql(*set, scope, split))
        .collect();
    let previous = period.previous();
    let (from, to) = period.instants();
    let (previous_from, _) = previous.instants();
    let query = diesel::sql_query(statements.join("\nUNION ALL"))
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
/// `scope`, from `monthly_figures`: one statement. Keys are `YYYY-MM`.
pub async fn monthly(
    conn: &mut DbConn,
    scope: Scope,
    months: &[Period],
) -> QueryResult<Vec<Figure>> {
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(Vec::new());
    };
    let sql = kept_sql(
        "monthly_figures",
        scope,
        Split::Total,
        "d.month >= $2 AND d.month <= $3",
        &Buckets::Key("to_char(d.month, 'YYYY-MM')"),
    );
    diesel::sql_query(sql)
        .bind::<SqlUuid, _>(scope_user(scope))
        .bind::<Date, _>(first.start)
        .bind::<Date, _>(last.end)
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

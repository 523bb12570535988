//! The figures kept for reports, per credit officer, so that a report over the whole book sums
//! a few thousand rows instead of every loan, repayment and installment:
//!
//! - `daily_figures`, per officer and day: the loans applied for and disbursed, the
//!   repayments collected, and the installments falling due with what has been paid of them;
//! - `monthly_figures`, the same per officer and calendar month (the first day of the month),
//!   so that trends over months read a row per officer and month rather than one per day;
//! - `loan_status_figures`, per officer and loan status: the loans, their principal and what
//!   they still owe (`loans.outstanding_amount`).
//!
//! A loan *contributes* to the rows of its union's officer: to the day it was applied for
//! (while it is not deleted), the day it was disbursed (while it is not deleted and its status
//! is one of a disbursed loan), the day each live repayment was paid, the due date of each live
//! installment (while the loan counts as disbursed), and to its status (while it is not
//! deleted). Days are UTC days, as the reports' periods are.
//!
//! Every change that can move a contribution — a new or changed loan, a repayment or its
//! reversal, a re-play, a new schedule, the daily job's penalties and defaults, a union's new
//! officer, a member's new union — runs between [`track`] and [`Pending::settle`]: the loans'
//! contributions are read before and after, and only the difference is added to the rows.
//! Bulk writers (seed, legacy import, restore) recompute everything
//! ([`refresh_all_statements`]). `millennium check` compares the rows with a recomputation
//! ([`differences_sql`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Numeric, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::DbConn;
use crate::domain::{LoanId, UnionId, UnionMemberId};

/// The statuses of a loan that was disbursed.
const DISBURSED: &str = "('ACTIVE', 'COMPLETED', 'DEFAULTED', 'WRITTEN_OFF')";

/// Figures that add up field by field.
trait Sums: Copy + Default + Eq {
    /// `self + sign × other`.
    fn add(self, other: Self, sign: i64) -> Self;
}

/// The figures of one officer's day, as stored and as contributed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, QueryableByName)]
pub struct DayFigures {
    #[diesel(sql_type = BigInt)]
    pub new_loans: i64,
    #[diesel(sql_type = Numeric)]
    pub new_principal: Decimal,
    #[diesel(sql_type = BigInt)]
    pub disbursed_loans: i64,
    #[diesel(sql_type = Numeric)]
    pub disbursed_principal: Decimal,
    #[diesel(sql_type = BigInt)]
    pub repayments: i64,
    #[diesel(sql_type = Numeric)]
    pub collected_amount: Decimal,
    #[diesel(sql_type = BigInt)]
    pub installments: i64,
    #[diesel(sql_type = Numeric)]
    pub due_amount: Decimal,
    #[diesel(sql_type = Numeric)]
    pub due_paid_amount: Decimal,
}

impl Sums for DayFigures {
    fn add(self, other: Self, sign: i64) -> Self {
        let amount = Decimal::from(sign);
        Self {
            new_loans: self.new_loans + sign * other.new_loans,
            new_principal: self.new_principal + amount * other.new_principal,
            disbursed_loans: self.disbursed_loans + sign * other.disbursed_loans,
            disbursed_principal: self.disbursed_principal + amount * other.disbursed_principal,
            repayments: self.repayments + sign * other.repayments,
            collected_amount: self.collected_amount + amount * other.collected_amount,
            installments: self.installments + sign * other.installments,
            due_amount: self.due_amount + amount * other.due_amount,
            due_paid_amount: self.due_paid_amount + amount * other.due_paid_amount,
        }
    }
}

/// The figures of one officer's loans in one status, as stored and as contributed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, QueryableByName)]
pub struct StatusFigures {
    #[diesel(sql_type = BigInt)]
    pub loans: i64,
    #[diesel(sql_type = Numeric)]
    pub principal_amount: Decimal,
    #[diesel(sql_type = Numeric)]
    pub outstanding_amount: Decimal,
}

impl Sums for StatusFigures {
    fn add(self, other: Self, sign: i64) -> Self {
        let amount = Decimal::from(sign);
        Self {
            loans: self.loans + sign * other.loans,
            principal_amount: self.principal_amount + amount * other.principal_amount,
            outstanding_amount: self.outstanding_amount + amount * other.outstanding_amount,
        }
    }
}

/// What some loans contribute to one officer's day.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
struct DayContribution {
    #[diesel(sql_type = SqlUuid)]
    officer: Uuid,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(embed)]
    figures: DayFigures,
}

/// What some loans contribute to one officer's loans in a status.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
struct StatusContribution {
    #[diesel(sql_type = SqlUuid)]
    officer: Uuid,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(embed)]
    figures: StatusFigures,
}

/// The contributions to the days of the loans that `{loans}` (a condition on `l`) picks.
const DAY_CONTRIBUTIONS: &str = "
SELECT c.officer, c.day,
       sum(c.new_loans)::bigint AS new_loans, sum(c.new_principal) AS new_principal,
       sum(c.disbursed_loans)::bigint AS disbursed_loans,
       sum(c.disbursed_principal) AS disbursed_principal,
       sum(c.repayments)::bigint AS repayments, sum(c.collected_amount) AS collected_amount,
       sum(c.installments)::bigint AS installments, sum(c.due_amount) AS due_amount,
       sum(c.due_paid_amount) AS due_paid_amount
  FROM (
    SELECT u.credit_officer_id AS officer, (l.created_at AT TIME ZONE 'UTC')::date AS day,
           1 AS new_loans, l.principal_amount AS new_principal,
           0 AS disbursed_loans, 0::numeric AS disbursed_principal,
           0 AS repayments, 0::numeric AS collected_amount,
           0 AS installments, 0::numeric AS due_amount, 0::numeric AS due_paid_amount
      FROM loans l JOIN unions u ON u.id = l.union_id
     WHERE l.deleted_at IS NULL AND {loans}
    UNION ALL
    SELECT u.credit_officer_id, (l.disbursed_at AT TIME ZONE 'UTC')::date,
           0, 0, 1, l.principal_amount, 0, 0, 0, 0, 0
      FROM loans l JOIN unions u ON u.id = l.union_id
     WHERE l.deleted_at IS NULL AND l.status IN {disbursed} AND l.disbursed_at IS NOT NULL
       AND {loans}
    UNION ALL
    SELECT u.credit_officer_id, (r.paid_at AT TIME ZONE 'UTC')::date,
           0, 0, 0, 0, 1, r.amount, 0, 0, 0
      FROM repayments r JOIN loans l ON l.id = r.loan_id JOIN unions u ON u.id = l.union_id
     WHERE r.reversed_at IS NULL AND r.deleted_at IS NULL AND {loans}
    UNION ALL
    SELECT u.credit_officer_id, i.due_date, 0, 0, 0, 0, 0, 0, 1, i.total_due, i.paid_amount
      FROM repayment_schedule_items i JOIN loans l ON l.id = i.loan_id
      JOIN unions u ON u.id = l.union_id
     WHERE i.deleted_at IS NULL AND l.deleted_at IS NULL AND l.status IN {disbursed}
       AND {loans}
  ) c
 GROUP BY c.officer, c.day";

/// The contributions to the months (their first days) of the loans that `{loans}` picks: their
/// days' contributions, summed per month.
const MONTH_CONTRIBUTIONS: &str = "
SELECT c.officer, date_trunc('month', c.day)::date AS month,
       sum(c.new_loans)::bigint AS new_loans, sum(c.new_principal) AS new_principal,
       sum(c.disbursed_loans)::bigint AS disbursed_loans,
       sum(c.disbursed_principal) AS disbursed_principal,
       sum(c.repayments)::bigint AS repayments, sum(c.collected_amount) AS collected_amount,
       sum(c.installments)::bigint AS installments, sum(c.due_amount) AS due_amount,
       sum(c.due_paid_amount) AS due_paid_amount
  FROM ({days}) c
 GROUP BY 1, 2";

/// The contributions to the statuses of the loans that `{loans}` (a condition on `l`) picks.
const STATUS_CONTRIBUTIONS: &str = "
SELECT u.credit_officer_id AS officer, l.status, count(*) AS loans,
       sum(l.principal_amount) AS principal_amount,
       sum(l.outstanding_amount) AS outstanding_amount
  FROM loans l JOIN unions u ON u.id = l.union_id
 WHERE l.deleted_at IS NULL AND {loans}
 GROUP BY 1, 2";

/// One kept table: its name, key columns (as the contributions name them, and as the table
/// does) and figure columns.
struct Table {
    name: &'static str,
    /// The rule `millennium check` names when a row differs.
    rule: &'static str,
    contributions: &'static str,
    keys: [(&'static str, &'static str); 2],
    columns: &'static [&'static str],
}

const DAYS: Table = Table {
    name: "daily_figures",
    rule: "daily figures differ from the book",
    contributions: DAY_CONTRIBUTIONS,
    keys: [("officer", "credit_officer_id"), ("day", "day")],
    columns: &[
        "new_loans",
        "new_principal",
        "disbursed_loans",
        "disbursed_principal",
        "repayments",
        "collected_amount",
        "installments",
        "due_amount",
        "due_paid_amount",
    ],
};

const MONTHS: Table = Table {
    name: "monthly_figures",
    rule: "monthly figures differ from the book",
    contributions: MONTH_CONTRIBUTIONS,
    keys: [("officer", "credit_officer_id"), ("month", "month")],
    columns: DAYS.columns,
};

const STATUSES: Table = Table {
    name: "loan_status_figures",
    rule: "loan status figures differ from the book",
    contributions: STATUS_CONTRIBUTIONS,
    keys: [("officer", "credit_officer_id"), ("status", "status")],
    columns: &["loans", "principal_amount", "outstanding_amount"],
};

impl Table {
    fn contributions(&self, loans: &str) -> String {
        self.contributions
            .replace("{days}", DAY_CONTRIBUTIONS)
            .replace("{disbursed}", DISBURSED)
            .replace("{loans}", loans)
    }

    /// The `SET` list of an upsert that adds the incoming figures to the stored ones.
    fn add_excluded(&self) -> String {
        self.columns
            .iter()
            .map(|column| {
                format!(
                    "{column} = {name}.{column} + EXCLUDED.{column}",
                    name = self.name
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The statement that fills the table from every loan.
    fn fill(&self) -> String {
        format!(
            "INSERT INTO {} ({}, {}, {})\n{}",
            self.name,
            self.keys[0].1,
            self.keys[1].1,
            self.columns.join(", "),
            self.contributions("true")
        )
    }

    /// The rows that differ from a recomputation, as `millennium check`'s violations.
    fn differences(&self) -> String {
        let pick = |side: &str| -> Vec<String> {
            self.columns
                .iter()
                .map(|column| format!("COALESCE({side}.{column}, 0)"))
                .collect()
        };
        let (kept, recomputed) = (pick("d"), pick("f"));
        let differ: Vec<String> = kept
            .iter()
            .zip(&recomputed)
            .map(|(kept, recomputed)| format!("{kept} <> {recomputed}"))
            .collect();
        let [(officer, officer_column), (key, key_column)] = self.keys;
        format!(
            "
SELECT '{rule}' AS rule,
       '{key} ' || COALESCE(d.{key_column}::text, f.{key}::text) AS loan_number,
       'officer ' || COALESCE(d.{officer_column}, f.{officer})::text || ': kept '
           || concat_ws(' ', {kept}) || '; recomputed ' || concat_ws(' ', {recomputed})
           AS detail
  FROM {name} d
  FULL JOIN ({contributions}) f
    ON f.{officer} = d.{officer_column} AND f.{key} = d.{key_column}
 WHERE {differ}",
            name = self.name,
            rule = self.rule,
            kept = kept.join(", "),
            recomputed = recomputed.join(", "),
            contributions = self.contributions("true"),
            differ = differ.join(" OR "),
        )
    }
}

/// The statements that recompute every row (for the seed, the legacy import and a restore,
/// on a pooled connection or a session outside the pool), in order.
pub fn refresh_all_statements() -> [String; 6] {
    [
        format!("DELETE FROM {}", DAYS.name),
        DAYS.fill(),
        format!("DELETE FROM {}", MONTHS.name),
        MONTHS.fill(),
        format!("DELETE FROM {}", STATUSES.name),
        STATUSES.fill(),
    ]
}

/// Recomputes every row.
pub async fn refresh_all(conn: &mut DbConn) -> QueryResult<()> {
    for statement in refresh_all_statements() {
        diesel::sql_query(statement).execute(conn).await?;
    }
    Ok(())
}

/// The kept rows that differ from a recomputation (a missing row and a row of zeros are the
/// same), as `millennium check`'s violations: `rule`, `loan_number` (here the day or the
/// status) and `detail` (the officer, and the figures kept and recomputed in column order).
pub fn differences_sql() -> String {
    format!(
        "{}\nUNION ALL{}\nUNION ALL{}",
        DAYS.differences(),
        MONTHS.differences(),
        STATUSES.differences()
    )
}

/// Which loans a change touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loans {
    These(Vec<LoanId>),
    OfUnion(UnionId),
    OfMember(UnionMemberId),
}

impl Loans {
    pub fn one(id: LoanId) -> Self {
        Self::These(vec![id])
    }

    /// The condition on `l` that picks the loans, `$1` bound by [`Loans::bind`].
    fn condition(&self) -> &'static str {
        match self {
            Self::These(_) => "l.id = ANY($1)",
            Self::OfUnion(_) => "l.union_id = $1",
            Self::OfMember(_) => "l.union_member_id = $1",
        }
    }

    async fn load<T>(&self, conn: &mut DbConn, sql: String) -> QueryResult<Vec<T>>
    where
        T: QueryableByName<diesel::pg::Pg> + Send + 'static,
    {
        let query = diesel::sql_query(sql);
        match self {
            Self::These(ids) => {
                let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
                query.bind::<Array<SqlUuid>, _>(ids).load(conn).await
            }
            Self::OfUnion(id) => query.bind::<SqlUuid, _>(id.0).load(conn).await,
            Self::OfMember(id) => query.bind::<SqlUuid, _>(id.0).load(conn).await,
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Self::These(ids) if ids.is_empty())
    }
}

/// What the loans contribute now. The first statement locks them first with their unions:
/// the loans' rows for update, their unions' rows for share. A change to a loan thus waits for
/// a union's new officer to be committed and reads it, and a union's reassignment (which locks
/// the union's loans, then the union) waits for the changes under way.
async fn contributed(
    conn: &mut DbConn,
    loans: &Loans,
) -> QueryResult<(Vec<DayContribution>, Vec<StatusContribution>)> {
    if loans.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let locked = format!(
        "WITH picked AS (SELECT l.id FROM loans l JOIN unions u ON u.id = l.union_id \
                          WHERE {} FOR UPDATE OF l FOR SHARE OF u){}",
        loans.condition(),
        DAYS.contributions("l.id IN (SELECT id FROM picked)")
    );
    let days = loans.load(conn, locked).await?;
    let statuses = loans
        .load(conn, STATUSES.contributions(loans.condition()))
        .await?;
    Ok((days, statuses))
}

/// A change under way: the contributions of its loans before it.
#[must_use = "a tracked change is settled once written"]
#[derive(Debug)]
pub struct Pending {
    loans: Loans,
    days: Vec<DayContribution>,
    statuses: Vec<StatusContribution>,
}

/// Reads what `loans` contribute before a change to them, inside the change's transaction.
pub async fn track(conn: &mut DbConn, loans: Loans) -> QueryResult<Pending> {
    let (days, statuses) = contributed(conn, &loans).await?;
    Ok(Pending {
        loans,
        days,
        statuses,
    })
}

/// Adds what `loans`, just created, contribute.
pub async fn add_new(conn: &mut DbConn, loans: Loans) -> QueryResult<()> {
    Pending {
        loans,
        days: Vec::new(),
        statuses: Vec::new(),
    }
    .settle(conn)
    .await
}

impl Pending {
    /// After the change: adds the difference of the loans' contributions to the rows.
    pub async fn settle(self, conn: &mut DbConn) -> QueryResult<()> {
        let (days, statuses) = contributed(conn, &self.loans).await?;
        let day_key = |row: DayContribution| ((row.officer, row.day), row.figures);
        let status_key = |row: StatusContribution| ((row.officer, row.status), row.figures);
        add_days(
            conn,
            difference(
                self.days.into_iter().map(day_key),
                days.into_iter().map(day_key),
            ),
        )
        .await?;
        add_statuses(
            conn,
            difference(
                self.statuses.into_iter().map(status_key),
                statuses.into_iter().map(status_key),
            ),
        )
        .await
    }
}

/// `after - before` per key, without the keys that did not change, in key order (so
/// concurrent changes lock rows in the same order).
fn difference<K: Ord, F: Sums>(
    before: impl Iterator<Item = (K, F)>,
    after: impl Iterator<Item = (K, F)>,
) -> BTreeMap<K, F> {
    let mut changes: BTreeMap<K, F> = BTreeMap::new();
    let signed = after.map(|row| (row, 1)).chain(before.map(|row| (row, -1)));
    for ((key, figures), sign) in signed {
        let entry = changes.entry(key).or_default();
        *entry = entry.add(figures, sign);
    }
    changes.retain(|_, figures| *figures != F::default());
    changes
}

/// The array parameters `$1::<type>[]`, `$2::<type>[]`, … of `types`, in order.
fn typed_arrays<'a>(types: impl IntoIterator<Item = &'a &'a str>) -> String {
    types
        .into_iter()
        .enumerate()
        .map(|(index, kind)| format!("${}::{kind}[]", index + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The upsert of `table` from arrays: `$1`, `$2` the keys, then one array per column of the
/// types `types`.
fn upsert(table: &Table, types: [&str; 2], column_types: &[&str]) -> String {
    format!(
        "INSERT INTO {name} ({key}, {other}, {columns})
         SELECT * FROM unnest({arrays})
         ON CONFLICT ({key}, {other}) DO UPDATE SET {add}",
        name = table.name,
        key = table.keys[0].1,
        other = table.keys[1].1,
        columns = table.columns.join(", "),
        arrays = typed_arrays(types.iter().chain(column_types)),
        add = table.add_excluded(),
    )
}

/// The upsert of the days from arrays (`$1` the officers, `$2` the days, then one array per
/// column, of the types `column_types`), and of their months from the same arrays, in key order:
/// one statement.
fn upsert_days_and_months(column_types: &[&str]) -> String {
    let keys = ["uuid", "date"];
    let days = upsert(&DAYS, keys, column_types);
    let sums: Vec<String> = MONTHS
        .columns
        .iter()
        .zip(column_types)
        .map(|(column, kind)| format!("sum(c.{column})::{kind}"))
        .collect();
    format!(
        "WITH days AS ({days})
         INSERT INTO {name} (credit_officer_id, month, {columns})
         SELECT c.officer, date_trunc('month', c.day)::date, {sums}
           FROM unnest({arrays}) AS c(officer, day, {columns})
          GROUP BY 1, 2
          ORDER BY 1, 2
         ON CONFLICT (credit_officer_id, month) DO UPDATE SET {add}",
        name = MONTHS.name,
        columns = MONTHS.columns.join(", "),
        sums = sums.join(", "),
        arrays = typed_arrays(keys.iter().chain(column_types)),
        add = MONTHS.add_excluded(),
    )
}

/// Adds `changes` to the days and their months, creating the rows that do not exist yet: one
/// statement.
async fn add_days(
    conn: &mut DbConn,
    changes: BTreeMap<(Uuid, NaiveDate), DayFigures>,
) -> QueryResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut officers = Vec::with_capacity(changes.len());
    let mut days = Vec::with_capacity(changes.len());
    let mut counts: [Vec<i64>; 4] = Default::default();
    let mut amounts: [Vec<Decimal>; 5] = Default::default();
    for ((officer, day), figures) in changes {
        officers.push(officer);
        days.push(day);
        let row_counts = [
            figures.new_loans,
            figures.disbursed_loans,
            figures.repayments,
            figures.installments,
        ];
        for (column, value) in counts.iter_mut().zip(row_counts) {
            column.push(value);
        }
        let row_amounts = [
            figures.new_principal,
            figures.disbursed_principal,
            figures.collected_amount,
            figures.due_amount,
            figures.due_paid_amount,
        ];
        for (column, value) in amounts.iter_mut().zip(row_amounts) {
            column.push(value);
        }
    }
    let [new_loans, disbursed_loans, repayments, installments] = counts;
    let [new_principal, disbursed_principal, collected, due, due_paid] = amounts;
    let sql = upsert_days_and_months(&[
        "bigint", "numeric", "bigint", "numeric", "bigint", "numeric", "bigint", "numeric",
        "numeric",
    ]);
    diesel::sql_query(sql)
        .bind::<Array<SqlUuid>, _>(officers)
        .bind::<Array<Date>, _>(days)
        .bind::<Array<BigInt>, _>(new_loans)
        .bind::<Array<Numeric>, _>(new_principal)
        .bind::<Array<BigInt>, _>(disbursed_loans)
        .bind::<Array<Numeric>, _>(disbursed_principal)
        .bind::<Array<BigInt>, _>(repayments)
        .bind::<Array<Numeric>, _>(collected)
        .bind::<Array<BigInt>, _>(installments)
        .bind::<Array<Numeric>, _>(due)
        .bind::<Array<Numeric>, _>(due_paid)
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds `changes` to the statuses, creating the rows that do not exist yet: one statement.
async fn add_statuses(
    conn: &mut DbConn,
    changes: BTreeMap<(Uuid, String), StatusFigures>,
) -> QueryResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut officers = Vec::with_capacity(changes.len());
    let mut statuses = Vec::with_capacity(changes.len());
    let mut loans = Vec::with_capacity(changes.len());
    let mut principal = Vec::with_capacity(changes.len());
    let mut outstanding = Vec::with_capacity(changes.len());
    for ((officer, status), figures) in changes {
        officers.push(officer);
        statuses.push(status);
        loans.push(figures.loans);
        principal.push(figures.principal_amount);
        outstanding.push(figures.outstanding_amount);
    }
    let sql = upsert(
        &STATUSES,
        ["uuid", "text"],
        &["bigint", "numeric", "numeric"],
    );
    diesel::sql_query(sql)
        .bind::<Array<SqlUuid>, _>(officers)
        .bind::<Array<Text>, _>(statuses)
        .bind::<Array<BigInt>, _>(loans)
        .bind::<Array<Numeric>, _>(principal)
        .bind::<Array<Numeric>, _>(outstanding)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(officer: u128, day: u32, repayments: i64, collected: i64) -> ((u128, u32), DayFigures) {
        (
            (officer, day),
            DayFigures {
                repayments,
                collected_amount: Decimal::from(collected),
                ..DayFigures::default()
            },
        )
    }

    #[test]
    fn the_difference_keeps_only_what_changed() {
        let before = vec![day(1, 1, 2, 300), day(1, 2, 1, 50), day(2, 1, 1, 10)];
        let after = vec![day(1, 1, 2, 300), day(1, 2, 2, 80), day(3, 1, 1, 10)];
        let changes: Vec<_> = difference(before.into_iter(), after.into_iter())
            .into_iter()
            .map(|(key, figures)| (key, figures.repayments, figures.collected_amount))
            .collect();
        assert_eq!(
            changes,
            vec![
                ((1, 2), 1, Decimal::from(30)),
                ((2, 1), -1, Decimal::from(-10)),
                ((3, 1), 1, Decimal::from(10)),
            ]
        );
    }

    #[test]
    fn the_backfill_migration_is_the_refresh() {
        let migration =
            include_str!("../../migrations/2026-11-24-000015_report_figures_backfill/up.sql");
        let words = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|line| !line.trim_start().starts_with("--"))
                .flat_map(str::split_whitespace)
                .map(|word| word.trim_end_matches(';').to_owned())
                .filter(|word| !word.is_empty())
                .collect()
        };
        let [_, days, _, _, _, statuses] = refresh_all_statements();
        assert_eq!(words(migration), words(&format!("{days}\n{statuses}")));
        let migration =
            include_str!("../../migrations/2026-11-25-000017_monthly_figures_backfill/up.sql");
        let [_, _, _, months, _, _] = refresh_all_statements();
        assert_eq!(words(migration), words(&months));
    }
}

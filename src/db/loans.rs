//! `loans`: the loans, read in the actor's scope through their union; the open loans that
//! follow a union's reassignment or a member's move; the counts that block deletions.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::{AsSelect, SqlTypeOf, count_star};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use serde::Serialize;

use super::page::{self, Page, Paged};
use super::schema::{loans, union_members, unions};
use super::{DbConn, Listing, like_pattern, scope};
use crate::domain::permissions::Scope;
use crate::domain::products::{InterestMethod, TermUnit};
use crate::domain::{LoanId, LoanStatus, LoanTypeId, UnionId, UnionMemberId, UserId};

/// A row of `loans`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = loans, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct Loan {
    pub id: LoanId,
    pub loan_number: String,
    pub union_member_id: UnionMemberId,
    pub union_id: UnionId,
    pub loan_type_id: LoanTypeId,
    pub principal_amount: Decimal,
    pub currency_code: String,
    pub term_count: i32,
    pub term_unit: TermUnit,
    pub interest_rate: Decimal,
    pub interest_method: InterestMethod,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub processing_fee_amount: Decimal,
    pub processing_fee_collected: bool,
    pub penalty_fee_per_day_amount: Decimal,
    pub status: LoanStatus,
    pub status_reason: Option<String>,
    pub created_by_user_id: UserId,
    pub assigned_officer_id: UserId,
    pub approved_by_user_id: Option<UserId>,
    pub approved_at: Option<DateTime<Utc>>,
    pub disbursed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// What it still owes on its installments and live charges (kept by the money services).
    pub outstanding_amount: Decimal,
    /// The due date of its oldest installment not paid in full.
    pub oldest_unpaid_due_date: Option<NaiveDate>,
}

/// A new loan.
#[derive(Debug, Insertable)]
#[diesel(table_name = loans)]
pub struct NewLoan<'a> {
    pub loan_number: &'a str,
    pub union_member_id: UnionMemberId,
    pub union_id: UnionId,
    pub loan_type_id: LoanTypeId,
    pub principal_amount: Decimal,
    pub currency_code: &'a str,
    pub term_count: i32,
    pub term_unit: TermUnit,
    pub interest_rate: Decimal,
    pub interest_method: InterestMethod,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub processing_fee_amount: Decimal,
    pub processing_fee_collected: bool,
    pub penalty_fee_per_day_amount: Decimal,
    pub status: LoanStatus,
    pub created_by_user_id: UserId,
    pub assigned_officer_id: UserId,
    pub approved_by_user_id: Option<UserId>,
    pub approved_at: Option<DateTime<Utc>>,
    pub disbursed_at: Option<DateTime<Utc>>,
    pub notes: Option<&'a str>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A loan written with its whole history at once (`seed demo`): its own id, status and dates
/// as they came to be, without going through the lifecycle one step at a time.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = loans)]
pub struct ImportedLoan {
    pub id: LoanId,
    pub loan_number: String,
    pub union_member_id: UnionMemberId,
    pub union_id: UnionId,
    pub loan_type_id: LoanTypeId,
    pub principal_amount: Decimal,
    pub currency_code: String,
    pub term_count: i32,
    pub term_unit: TermUnit,
    pub interest_rate: Decimal,
    pub interest_method: InterestMethod,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub processing_fee_amount: Decimal,
    pub processing_fee_collected: bool,
    pub penalty_fee_per_day_amount: Decimal,
    pub status: LoanStatus,
    pub status_reason: Option<String>,
    pub created_by_user_id: UserId,
    pub assigned_officer_id: UserId,
    pub approved_by_user_id: Option<UserId>,
    pub approved_at: Option<DateTime<Utc>>,
    pub disbursed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ImportedLoan {
    /// Values a row writes.
    const COLUMNS: usize = 26;
}

/// Changes to a loan; `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = loans)]
pub struct LoanChanges<'a> {
    pub principal_amount: Option<Decimal>,
    pub term_count: Option<i32>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub processing_fee_amount: Option<Decimal>,
    pub processing_fee_collected: Option<bool>,
    pub penalty_fee_per_day_amount: Option<Decimal>,
    pub status: Option<LoanStatus>,
    pub status_reason: Option<Option<&'a str>>,
    pub approved_by_user_id: Option<Option<UserId>>,
    pub approved_at: Option<Option<DateTime<Utc>>>,
    pub disbursed_at: Option<Option<DateTime<Utc>>>,
    pub closed_at: Option<Option<DateTime<Utc>>>,
    pub notes: Option<Option<&'a str>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<Option<DateTime<Utc>>>,
    pub outstanding_amount: Option<Decimal>,
    pub oldest_unpaid_due_date: Option<Option<NaiveDate>>,
}

/// What `loans(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LoanFilter {
    pub status: Option<Vec<LoanStatus>>,
    pub union_id: Option<UnionId>,
    pub union_member_id: Option<UnionMemberId>,
    pub credit_officer_id: Option<UserId>,
    pub loan_type_id: Option<LoanTypeId>,
    /// Part of the loan number, the member's name or code, or the union's name.
    pub search: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub principal_min: Option<Decimal>,
    pub principal_max: Option<Decimal>,
}

/// The loans in `scope`, live ones only unless `include_deleted`.
fn visible(scope: Scope, include_deleted: bool) -> scope::Condition<loans::table> {
    let in_scope = scope::union_owned(loans::union_id, scope);
    if include_deleted {
        in_scope
    } else {
        Box::new(in_scope.and(loans::deleted_at.is_null()))
    }
}

fn filtered(filter: &LoanFilter, scope: Scope, listing: Listing) -> loans::BoxedQuery<'static, Pg> {
    loans::table
        .filter(matching(filter, scope, listing))
        .into_boxed()
}

/// The condition of [`filtered`], for queries that cannot start from a boxed one (a boxed query
/// cannot be grouped).
fn matching(filter: &LoanFilter, scope: Scope, listing: Listing) -> scope::Condition<loans::table> {
    let mut parts: Vec<scope::Condition<loans::table>> =
        vec![visible(scope, listing.include_deleted)];
    let mut and = |part: scope::Condition<loans::table>| parts.push(part);
    if let Some(statuses) = &filter.status {
        and(Box::new(loans::status.eq_any(statuses.clone())));
    }
    if let Some(union_id) = filter.union_id {
        and(Box::new(loans::union_id.eq(union_id)));
    }
    if let Some(member) = filter.union_member_id {
        and(Box::new(loans::union_member_id.eq(member)));
    }
    if let Some(officer) = filter.credit_officer_id {
        and(Box::new(loans::assigned_officer_id.eq(officer)));
    }
    if let Some(product) = filter.loan_type_id {
        and(Box::new(loans::loan_type_id.eq(product)));
    }
    if let Some(from) = filter.created_from {
        and(Box::new(loans::created_at.ge(from)));
    }
    if let Some(to) = filter.created_to {
        and(Box::new(loans::created_at.le(to)));
    }
    if let Some(min) = filter.principal_min {
        and(Box::new(loans::principal_amount.ge(min)));
    }
    if let Some(max) = filter.principal_max {
        and(Box::new(loans::principal_amount.le(max)));
    }
    if let Some(pattern) = filter.search.as_deref().and_then(like_pattern) {
        let members = union_members::table.select(union_members::id).filter(
            union_members::first_name
                .concat(" ")
                .concat(union_members::last_name)
                .ilike(pattern.clone())
                .or(union_members::code.ilike(pattern.clone())),
        );
        let unions = unions::table
            .select(unions::id)
            .filter(unions::name.ilike(pattern.clone()));
        and(Box::new(
            loans::loan_number
                .ilike(pattern)
                .or(loans::union_member_id.eq_any(members))
                .or(loans::union_id.eq_any(unions)),
        ));
    }
    parts
        .into_iter()
        .reduce(|all, part| Box::new(all.and(part)))
        .unwrap_or_else(scope::always)
}

/// A loan by id, if it exists and is in scope (deleted ones only with `include_deleted`).
pub async fn find(
    conn: &mut DbConn,
    id: LoanId,
    scope: Scope,
    include_deleted: bool,
) -> QueryResult<Option<Loan>> {
    loans::table
        .filter(loans::id.eq(id))
        .filter(visible(scope, include_deleted))
        .select(Loan::as_select())
        .first(conn)
        .await
        .optional()
}

/// A loan by number, if in scope.
pub async fn find_by_number(
    conn: &mut DbConn,
    number: &str,
    scope: Scope,
) -> QueryResult<Option<Loan>> {
    loans::table
        .filter(loans::loan_number.eq(number))
        .filter(visible(scope, false))
        .select(Loan::as_select())
        .first(conn)
        .await
        .optional()
}

/// The same as [`find`], locking the row until the transaction ends: money and lifecycle
/// changes of one loan queue on it.
pub async fn find_for_update(
    conn: &mut DbConn,
    id: LoanId,
    scope: Scope,
    include_deleted: bool,
) -> QueryResult<Option<Loan>> {
    loans::table
        .filter(loans::id.eq(id))
        .filter(visible(scope, include_deleted))
        .select(Loan::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Live loans in scope among `ids`; for loaders.
pub async fn find_many(conn: &mut DbConn, ids: &[LoanId], scope: Scope) -> QueryResult<Vec<Loan>> {
    loans::table
        .filter(loans::id.eq_any(ids))
        .filter(visible(scope, false))
        .select(Loan::as_select())
        .load(conn)
        .await
}

/// The loans in scope that pass `filter`, newest first: the list, whole (for an export's
/// cursor) or cut into pages by [`list`].
pub fn ordered(
    filter: &LoanFilter,
    scope: Scope,
    listing: Listing,
) -> loans::BoxedQuery<'static, Pg, SqlTypeOf<AsSelect<Loan, Pg>>> {
    filtered(filter, scope, listing)
        .order_by((loans::created_at.desc(), loans::id.desc()))
        .select(Loan::as_select())
}

/// One page of the loans in scope that pass `filter`, newest first.
pub async fn list(
    conn: &mut DbConn,
    filter: &LoanFilter,
    scope: Scope,
    listing: Listing,
    page: Page,
) -> QueryResult<Paged<Loan>> {
    let rows = ordered(filter, scope, listing);
    let count = listing
        .want_total
        .then(|| filtered(filter, scope, listing).select(count_star()));
    page::load_page!(conn, rows, count, page)
}

pub async fn insert(conn: &mut DbConn, new: &NewLoan<'_>) -> QueryResult<Loan> {
    diesel::insert_into(loans::table)
        .values(new)
        .returning(Loan::as_returning())
        .get_result(conn)
        .await
}

/// Writes `rows` in as few statements as the parameter limit allows.
pub async fn insert_imported(conn: &mut DbConn, rows: &[ImportedLoan]) -> QueryResult<usize> {
    let mut written = 0;
    for chunk in rows.chunks(super::bulk::rows_per_statement(ImportedLoan::COLUMNS)) {
        written += diesel::insert_into(loans::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(written)
}

pub async fn update(conn: &mut DbConn, id: LoanId, changes: &LoanChanges<'_>) -> QueryResult<Loan> {
    diesel::update(loans::table.find(id))
        .set(changes)
        .returning(Loan::as_returning())
        .get_result(conn)
        .await
}

/// The union's open loans get `officer` as their assigned officer; returns how many.
pub async fn reassign_open_of_union(
    conn: &mut DbConn,
    union_id: UnionId,
    officer: UserId,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        loans::table
            .filter(loans::union_id.eq(union_id))
            .filter(loans::deleted_at.is_null())
            .filter(loans::status.eq_any(LoanStatus::OPEN)),
    )
    .set((
        loans::assigned_officer_id.eq(officer),
        loans::updated_at.eq(now),
    ))
    .execute(conn)
    .await
}

/// Locks the rows of every loan of a union, deleted ones included.
pub async fn lock_of_union(conn: &mut DbConn, union_id: UnionId) -> QueryResult<()> {
    loans::table
        .filter(loans::union_id.eq(union_id))
        .select(loans::id)
        .for_update()
        .load::<LoanId>(conn)
        .await?;
    Ok(())
}

/// The member's open loans move to `union_id` and its `officer`; returns how many.
pub async fn move_open_of_member(
    conn: &mut DbConn,
    member: UnionMemberId,
    union_id: UnionId,
    officer: UserId,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        loans::table
            .filter(loans::union_member_id.eq(member))
            .filter(loans::deleted_at.is_null())
            .filter(loans::status.eq_any(LoanStatus::OPEN)),
    )
    .set((
        loans::union_id.eq(union_id),
        loans::assigned_officer_id.eq(officer),
        loans::updated_at.eq(now),
    ))
    .execute(conn)
    .await
}

/// How many live open loans a union has.
pub async fn count_open_of_union(conn: &mut DbConn, union_id: UnionId) -> QueryResult<i64> {
    loans::table
        .filter(loans::union_id.eq(union_id))
        .filter(loans::deleted_at.is_null())
        .filter(loans::status.eq_any(LoanStatus::OPEN))
        .select(count_star())
        .get_result(conn)
        .await
}

/// How many live open loans a member has.
pub async fn count_open_of_member(conn: &mut DbConn, member: UnionMemberId) -> QueryResult<i64> {
    loans::table
        .filter(loans::union_member_id.eq(member))
        .filter(loans::deleted_at.is_null())
        .filter(loans::status.eq_any(LoanStatus::OPEN))
        .select(count_star())
        .get_result(conn)
        .await
}

/// How many live loans use a loan product.
pub async fn count_of_loan_type(
    conn: &mut DbConn,
    loan_type: crate::domain::LoanTypeId,
) -> QueryResult<i64> {
    loans::table
        .filter(loans::loan_type_id.eq(loan_type))
        .filter(loans::deleted_at.is_null())
        .select(count_star())
        .get_result(conn)
        .await
}

/// Live loans per union (in scope), for `Union.loanCount`.
pub async fn count_by_union(
    conn: &mut DbConn,
    union_ids: &[UnionId],
    scope: crate::domain::permissions::Scope,
) -> QueryResult<Vec<(UnionId, i64)>> {
    loans::table
        .filter(loans::union_id.eq_any(union_ids))
        .filter(loans::deleted_at.is_null())
        .filter(super::scope::union_owned(loans::union_id, scope))
        .group_by(loans::union_id)
        .select((loans::union_id, count_star()))
        .load(conn)
        .await
}

/// The member's live open loan, if any (at most one: the partial unique index).
pub async fn open_of_member(conn: &mut DbConn, member: UnionMemberId) -> QueryResult<Option<Loan>> {
    loans::table
        .filter(loans::union_member_id.eq(member))
        .filter(loans::deleted_at.is_null())
        .filter(loans::status.eq_any(LoanStatus::OPEN))
        .select(Loan::as_select())
        .first(conn)
        .await
        .optional()
}

/// How many live (not reversed) repayments a loan has.
pub async fn count_live_repayments(conn: &mut DbConn, loan: LoanId) -> QueryResult<i64> {
    use super::schema::repayments;
    repayments::table
        .filter(repayments::loan_id.eq(loan))
        .filter(repayments::reversed_at.is_null())
        .filter(repayments::deleted_at.is_null())
        .select(count_star())
        .get_result(conn)
        .await
}

/// A page of each parent's live loans in scope, newest first, in one statement: the loans whose
/// `$column` is among `$parents`, numbered per parent.
macro_rules! page_per_parent {
    ($conn:expr, $column:expr, $parents:expr, $scope:expr, $page:expr, $parent_of:expr) => {{
        use diesel::dsl::row_number;
        use diesel::prelude::WindowExpressionMethods;

        let query = loans::table
            .filter($column.eq_any($parents))
            .filter(visible($scope, false))
            .select((
                Loan::as_select(),
                row_number()
                    .partition_by($column)
                    .window_order((loans::created_at.desc(), loans::id.desc())),
                count_star().partition_by($column),
            ));
        let rows: Vec<page::Ranked<Loan>> = page::PerParent::new(query, $page).load($conn).await?;
        Ok(page::group_per_parent(rows, $page, $parent_of))
    }};
}

/// A page of the live loans of each of `union_ids` (in scope), newest first: one statement.
pub async fn page_by_union(
    conn: &mut DbConn,
    union_ids: &[UnionId],
    scope: Scope,
    page: Page,
) -> QueryResult<std::collections::HashMap<UnionId, Paged<Loan>>> {
    page_per_parent!(
        conn,
        loans::union_id,
        union_ids,
        scope,
        page,
        |loan: &Loan| loan.union_id
    )
}

/// A page of the live loans of each of `members` (in scope), newest first: one statement.
pub async fn page_by_member(
    conn: &mut DbConn,
    members: &[UnionMemberId],
    scope: Scope,
    page: Page,
) -> QueryResult<std::collections::HashMap<UnionMemberId, Paged<Loan>>> {
    page_per_parent!(
        conn,
        loans::union_member_id,
        members,
        scope,
        page,
        |loan: &Loan| { loan.union_member_id }
    )
}

/// A page of the live loans each of `officers` is in charge of (in scope), newest first: one
/// statement.
pub async fn page_by_officer(
    conn: &mut DbConn,
    officers: &[UserId],
    scope: Scope,
    page: Page,
) -> QueryResult<std::collections::HashMap<UserId, Paged<Loan>>> {
    page_per_parent!(
        conn,
        loans::assigned_officer_id,
        officers,
        scope,
        page,
        |loan: &Loan| { loan.assigned_officer_id }
    )
}

/// Every live ACTIVE loan that ended on or before `last_end_date` and still owes (an unpaid
/// installment or charge), locked: the loans to turn DEFAULTED ([`set_defaulted`]).
pub async fn overdue_to_default(
    conn: &mut DbConn,
    last_end_date: NaiveDate,
) -> QueryResult<Vec<Loan>> {
    use super::schema::{loan_charges as charges, repayment_schedule_items as items};
    let unpaid_installment = items::table
        .filter(items::loan_id.eq(loans::id))
        .filter(items::deleted_at.is_null())
        .filter(items::paid_amount.lt(items::total_due));
    let unpaid_charge = charges::table
        .filter(charges::loan_id.eq(loans::id))
        .filter(charges::deleted_at.is_null())
        .filter(charges::waived_at.is_null())
        .filter(charges::paid_amount.lt(charges::amount));
    loans::table
        .filter(loans::status.eq(LoanStatus::Active))
        .filter(loans::deleted_at.is_null())
        .filter(loans::end_date.le(last_end_date))
        .filter(diesel::dsl::exists(unpaid_installment).or(diesel::dsl::exists(unpaid_charge)))
        .select(Loan::as_select())
        .for_update()
        .load::<Loan>(conn)
        .await
}

/// Turns the loans `ids` DEFAULTED for `reason`.
pub async fn set_defaulted(
    conn: &mut DbConn,
    ids: &[LoanId],
    reason: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(loans::table.filter(loans::id.eq_any(ids)))
        .set((
            loans::status.eq(LoanStatus::Defaulted),
            loans::status_reason.eq(reason),
            loans::updated_at.eq(now),
        ))
        .execute(conn)
        .await
}

/// What a group of loans amounts to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoanSums {
    pub principal_amount: Decimal,
    pub outstanding_amount: Decimal,
    pub processing_fee_amount: Decimal,
}

/// The loans in scope that pass `filter` (the whole list, not a page), counted and summed per
/// status present, in lifecycle order: one statement, grouped by status.
pub async fn aggregate(
    conn: &mut DbConn,
    filter: &LoanFilter,
    scope: Scope,
    listing: Listing,
) -> QueryResult<Vec<(LoanStatus, i64, LoanSums)>> {
    use diesel::dsl::sum;
    type Row = (
        String,
        i64,
        Option<Decimal>,
        Option<Decimal>,
        Option<Decimal>,
    );
    let rows: Vec<Row> = loans::table
        .filter(matching(filter, scope, listing))
        .group_by(loans::status)
        .select((
            loans::status,
            count_star(),
            sum(loans::principal_amount),
            sum(loans::outstanding_amount),
            sum(loans::processing_fee_amount),
        ))
        .load(conn)
        .await?;
    let mut groups: Vec<_> = rows
        .into_iter()
        .filter_map(|(status, count, principal, outstanding, fee)| {
            Some((
                status.parse().ok()?,
                count,
                LoanSums {
                    principal_amount: principal.unwrap_or_default(),
                    outstanding_amount: outstanding.unwrap_or_default(),
                    processing_fee_amount: fee.unwrap_or_default(),
                },
            ))
        })
        .collect();
    groups.sort_by_key(|(status, _, _)| *status);
    Ok(groups)
}

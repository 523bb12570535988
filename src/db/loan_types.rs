//! `loan_types`: the loan products. Every member of staff reads them; administrators manage
//! them.

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use serde::Serialize;

use super::page::{self, Page, Paged};
use super::schema::loan_types;
use super::{DbConn, Direction, Listing, like_pattern};
use crate::domain::LoanTypeId;
use crate::domain::products::{InterestMethod, TermUnit};

/// A row of `loan_types`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = loan_types, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct LoanType {
    pub id: LoanTypeId,
    pub name: String,
    pub description: Option<String>,
    pub min_amount: Decimal,
    pub max_amount: Decimal,
    pub term_unit: TermUnit,
    pub min_term: i32,
    pub max_term: i32,
    pub interest_rate: Decimal,
    pub interest_method: InterestMethod,
    pub default_processing_fee: Decimal,
    pub default_penalty_fee_per_day: Decimal,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A product's own fields, as created or replaced by an edit.
#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = loan_types, treat_none_as_null = true)]
pub struct LoanTypeFields {
    pub name: String,
    pub description: Option<String>,
    pub min_amount: Decimal,
    pub max_amount: Decimal,
    pub term_unit: TermUnit,
    pub min_term: i32,
    pub max_term: i32,
    pub interest_rate: Decimal,
    pub interest_method: InterestMethod,
    pub default_processing_fee: Decimal,
    pub default_penalty_fee_per_day: Decimal,
    pub is_active: bool,
}

impl From<&LoanType> for LoanTypeFields {
    fn from(row: &LoanType) -> Self {
        Self {
            name: row.name.clone(),
            description: row.description.clone(),
            min_amount: row.min_amount,
            max_amount: row.max_amount,
            term_unit: row.term_unit,
            min_term: row.min_term,
            max_term: row.max_term,
            interest_rate: row.interest_rate,
            interest_method: row.interest_method,
            default_processing_fee: row.default_processing_fee,
            default_penalty_fee_per_day: row.default_penalty_fee_per_day,
            is_active: row.is_active,
        }
    }
}

/// What `loanTypes(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LoanTypeFilter {
    pub is_active: Option<bool>,
    pub term_unit: Option<TermUnit>,
    /// Part of the name or description, any case.
    pub search: Option<String>,
}

/// What `loanTypes(orderBy: …)` sorts by; the id breaks ties.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum LoanTypeOrderField {
    #[default]
    Name,
    CreatedAt,
}

fn filtered(filter: &LoanTypeFilter, listing: Listing) -> loan_types::BoxedQuery<'static, Pg> {
    let mut query = loan_types::table.into_boxed();
    if !listing.include_deleted {
        query = query.filter(loan_types::deleted_at.is_null());
    }
    if let Some(active) = filter.is_active {
        query = query.filter(loan_types::is_active.eq(active));
    }
    if let Some(unit) = filter.term_unit {
        query = query.filter(loan_types::term_unit.eq(unit));
    }
    if let Some(pattern) = filter.search.as_deref().and_then(like_pattern) {
        query = query.filter(
            loan_types::name
                .ilike(pattern.clone())
                .or(loan_types::description.ilike(pattern).assume_not_null()),
        );
    }
    query
}

pub async fn find(
    conn: &mut DbConn,
    id: LoanTypeId,
    include_deleted: bool,
) -> QueryResult<Option<LoanType>> {
    let mut query = loan_types::table.filter(loan_types::id.eq(id)).into_boxed();
    if !include_deleted {
        query = query.filter(loan_types::deleted_at.is_null());
    }
    query
        .select(LoanType::as_select())
        .first(conn)
        .await
        .optional()
}

/// Live products among `ids`; for loaders (every member of staff reads the catalogue, so the
/// scope does not narrow it).
pub async fn find_many(
    conn: &mut DbConn,
    ids: &[LoanTypeId],
    _scope: crate::domain::permissions::Scope,
) -> QueryResult<Vec<LoanType>> {
    loan_types::table
        .filter(loan_types::id.eq_any(ids))
        .filter(loan_types::deleted_at.is_null())
        .select(LoanType::as_select())
        .load(conn)
        .await
}

pub async fn list(
    conn: &mut DbConn,
    filter: &LoanTypeFilter,
    order: (LoanTypeOrderField, Direction),
    listing: Listing,
    page: Page,
) -> QueryResult<Paged<LoanType>> {
    use loan_types::{created_at, id, name};
    let query = filtered(filter, listing);
    let query = match order {
        (LoanTypeOrderField::Name, Direction::Asc) => query.order_by((name.asc(), id.asc())),
        (LoanTypeOrderField::Name, Direction::Desc) => query.order_by((name.desc(), id.desc())),
        (LoanTypeOrderField::CreatedAt, Direction::Asc) => {
            query.order_by((created_at.asc(), id.asc()))
        }
        (LoanTypeOrderField::CreatedAt, Direction::Desc) => {
            query.order_by((created_at.desc(), id.desc()))
        }
    };
    let count = listing
        .want_total
        .then(|| filtered(filter, listing).select(count_star()));
    page::load_page!(conn, query.select(LoanType::as_select()), count, page)
}

pub async fn insert(
    conn: &mut DbConn,
    fields: &LoanTypeFields,
    now: DateTime<Utc>,
) -> QueryResult<LoanType> {
    diesel::insert_into(loan_types::table)
        .values((
            fields,
            loan_types::created_at.eq(now),
            loan_types::updated_at.eq(now),
        ))
        .returning(LoanType::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(
    conn: &mut DbConn,
    id: LoanTypeId,
    fields: &LoanTypeFields,
    now: DateTime<Utc>,
) -> QueryResult<LoanType> {
    diesel::update(loan_types::table.find(id))
        .set((fields, loan_types::updated_at.eq(now)))
        .returning(LoanType::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_deleted(
    conn: &mut DbConn,
    id: LoanTypeId,
    deleted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<LoanType> {
    diesel::update(loan_types::table.find(id))
        .set((
            loan_types::deleted_at.eq(deleted_at),
            loan_types::updated_at.eq(now),
        ))
        .returning(LoanType::as_returning())
        .get_result(conn)
        .await
}

/// Whether a live product other than `except` is named `name` (any case).
pub async fn name_taken(
    conn: &mut DbConn,
    name: &str,
    except: Option<LoanTypeId>,
) -> QueryResult<bool> {
    let mut query = loan_types::table
        .filter(loan_types::name.eq(name))
        .filter(loan_types::deleted_at.is_null())
        .select(loan_types::id)
        .into_boxed();
    if let Some(except) = except {
        query = query.filter(loan_types::id.ne(except));
    }
    diesel::select(diesel::dsl::exists(query))
        .get_result(conn)
        .await
}

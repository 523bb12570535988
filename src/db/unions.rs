//! `unions`: borrower groups, each managed by one credit officer. Every read applies the
//! actor's [`Scope`] (see [`super::scope`]).

use chrono::{DateTime, Utc};
use diesel::dsl::{AsSelect, SqlTypeOf, count_star};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::page::{self, Page, Paged, PerParent, Ranked, group_per_parent};
use super::schema::{unions, users};
use super::{DbConn, Direction, Listing, like_pattern, scope};
use crate::domain::permissions::Scope;
use crate::domain::{UnionId, UserId};

/// A row of `unions`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = unions, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct Union {
    pub id: UnionId,
    pub name: String,
    pub location: Option<String>,
    pub address: Option<String>,
    pub credit_officer_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = unions)]
pub struct NewUnion<'a> {
    pub name: &'a str,
    pub location: Option<&'a str>,
    pub address: Option<&'a str>,
    pub credit_officer_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The editable fields; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = unions)]
pub struct UnionChanges<'a> {
    pub name: Option<&'a str>,
    pub location: Option<Option<&'a str>>,
    pub address: Option<Option<&'a str>>,
    pub credit_officer_id: Option<UserId>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<Option<DateTime<Utc>>>,
}

/// What `unions(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UnionFilter {
    pub credit_officer_id: Option<UserId>,
    pub supervisor_id: Option<UserId>,
    /// Part of the name, location or address, any case.
    pub search: Option<String>,
}

/// What `unions(orderBy: …)` sorts by; the id breaks ties.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum UnionOrderField {
    #[default]
    Name,
    CreatedAt,
    UpdatedAt,
}

/// The unions in `scope`, live ones only unless `include_deleted`.
fn visible(scope: Scope, include_deleted: bool) -> scope::Condition<unions::table> {
    let in_scope = scope::union_condition(scope).unwrap_or_else(scope::always);
    if include_deleted {
        in_scope
    } else {
        Box::new(in_scope.and(unions::deleted_at.is_null()))
    }
}

fn scoped(scope: Scope, include_deleted: bool) -> unions::BoxedQuery<'static, Pg> {
    unions::table
        .filter(visible(scope, include_deleted))
        .into_boxed()
}

fn filtered(
    filter: &UnionFilter,
    scope: Scope,
    listing: Listing,
) -> unions::BoxedQuery<'static, Pg> {
    let mut query = scoped(scope, listing.include_deleted);
    if let Some(officer) = filter.credit_officer_id {
        query = query.filter(unions::credit_officer_id.eq(officer));
    }
    if let Some(supervisor) = filter.supervisor_id {
        query = query.filter(
            unions::credit_officer_id.eq_any(
                users::table
                    .select(users::id)
                    .filter(users::supervisor_id.eq(supervisor)),
            ),
        );
    }
    if let Some(pattern) = filter.search.as_deref().and_then(like_pattern) {
        query = query.filter(
            unions::name
                .ilike(pattern.clone())
                .or(unions::location.ilike(pattern.clone()))
                .or(unions::address.ilike(pattern)),
        );
    }
    query
}

/// A union by id, if it exists and is in scope (deleted ones only with `include_deleted`).
pub async fn find(
    conn: &mut DbConn,
    id: UnionId,
    scope: Scope,
    include_deleted: bool,
) -> QueryResult<Option<Union>> {
    scoped(scope, include_deleted)
        .filter(unions::id.eq(id))
        .select(Union::as_select())
        .first(conn)
        .await
        .optional()
}

/// The same, locking the row until the transaction ends (for changes).
pub async fn find_for_update(
    conn: &mut DbConn,
    id: UnionId,
    scope: Scope,
    include_deleted: bool,
) -> QueryResult<Option<Union>> {
    unions::table
        .filter(unions::id.eq(id))
        .filter(visible(scope, include_deleted))
        .select(Union::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Live unions in scope among `ids`, in no particular order; for loaders.
pub async fn find_many(
    conn: &mut DbConn,
    ids: &[UnionId],
    scope: Scope,
) -> QueryResult<Vec<Union>> {
    scoped(scope, false)
        .filter(unions::id.eq_any(ids))
        .select(Union::as_select())
        .load(conn)
        .await
}

/// The unions in scope that pass `filter`, in `order`: the list, whole (for an export's
/// cursor) or cut into pages by [`list`].
pub fn ordered(
    filter: &UnionFilter,
    order: (UnionOrderField, Direction),
    scope: Scope,
    listing: Listing,
) -> unions::BoxedQuery<'static, Pg, SqlTypeOf<AsSelect<Union, Pg>>> {
    let query = filtered(filter, scope, listing);
    let query = match order {
        (UnionOrderField::Name, Direction::Asc) => {
            query.order_by((unions::name.asc(), unions::id.asc()))
        }
        (UnionOrderField::Name, Direction::Desc) => {
            query.order_by((unions::name.desc(), unions::id.desc()))
        }
        (UnionOrderField::CreatedAt, Direction::Asc) => {
            query.order_by((unions::created_at.asc(), unions::id.asc()))
        }
        (UnionOrderField::CreatedAt, Direction::Desc) => {
            query.order_by((unions::created_at.desc(), unions::id.desc()))
        }
        (UnionOrderField::UpdatedAt, Direction::Asc) => {
            query.order_by((unions::updated_at.asc(), unions::id.asc()))
        }
        (UnionOrderField::UpdatedAt, Direction::Desc) => {
            query.order_by((unions::updated_at.desc(), unions::id.desc()))
        }
    };
    query.select(Union::as_select())
}

/// One page of the unions in scope that pass `filter`.
pub async fn list(
    conn: &mut DbConn,
    filter: &UnionFilter,
    order: (UnionOrderField, Direction),
    scope: Scope,
    listing: Listing,
    page: Page,
) -> QueryResult<Paged<Union>> {
    let query = ordered(filter, order, scope, listing);
    let count = listing
        .want_total
        .then(|| filtered(filter, scope, listing).select(count_star()));
    page::load_page!(conn, query, count, page)
}

/// A page of the live unions of each of `officers` (in scope), by name: one statement for all.
pub async fn page_by_officer(
    conn: &mut DbConn,
    officers: &[UserId],
    scope: Scope,
    page: Page,
) -> QueryResult<std::collections::HashMap<UserId, Paged<Union>>> {
    use diesel::dsl::row_number;
    use diesel::prelude::WindowExpressionMethods;

    let query = scoped(scope, false)
        .filter(unions::credit_officer_id.eq_any(officers))
        .select((
            Union::as_select(),
            row_number()
                .partition_by(unions::credit_officer_id)
                .window_order((unions::name, unions::id)),
            count_star().partition_by(unions::credit_officer_id),
        ));
    let rows: Vec<Ranked<Union>> = PerParent::new(query, page).load(conn).await?;
    Ok(group_per_parent(rows, page, |union| {
        union.credit_officer_id
    }))
}

pub async fn insert(conn: &mut DbConn, new: &NewUnion<'_>) -> QueryResult<Union> {
    diesel::insert_into(unions::table)
        .values(new)
        .returning(Union::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(
    conn: &mut DbConn,
    id: UnionId,
    changes: &UnionChanges<'_>,
) -> QueryResult<Union> {
    diesel::update(unions::table.find(id))
        .set(changes)
        .returning(Union::as_returning())
        .get_result(conn)
        .await
}

/// How many live unions `officer` manages.
pub async fn count_live_of_officer(conn: &mut DbConn, officer: UserId) -> QueryResult<i64> {
    unions::table
        .filter(unions::credit_officer_id.eq(officer))
        .filter(unions::deleted_at.is_null())
        .select(count_star())
        .get_result(conn)
        .await
}

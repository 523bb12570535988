//! `union_members`: the borrowers, each in one union. Every read applies the actor's
//! [`Scope`] through the member's union.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::{AsSelect, SqlTypeOf, count_star};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::page::{self, Page, Paged, PerParent, Ranked, group_per_parent};
use super::schema::{union_members, unions};
use super::{DbConn, Direction, Listing, like_pattern, scope};
use crate::domain::members::{Gender, MaritalStatus};
use crate::domain::permissions::Scope;
use crate::domain::{UnionId, UnionMemberId, UserId};

/// A row of `union_members`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = union_members, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct UnionMember {
    pub id: UnionMemberId,
    pub code: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<Gender>,
    pub marital_status: Option<MaritalStatus>,
    pub profession: Option<String>,
    pub company: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub zip_code: Option<String>,
    pub note: Option<String>,
    pub profile_image: Option<String>,
    pub is_verified: bool,
    pub union_id: UnionId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The member's own fields, as created or edited (everything but code, union and timestamps).
#[derive(Debug, Clone, Default, PartialEq, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = union_members, treat_none_as_null = true)]
#[serde(rename_all = "camelCase")]
pub struct MemberDetails {
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<Gender>,
    pub marital_status: Option<MaritalStatus>,
    pub profession: Option<String>,
    pub company: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub zip_code: Option<String>,
    pub note: Option<String>,
    pub profile_image: Option<String>,
}

impl From<&UnionMember> for MemberDetails {
    fn from(member: &UnionMember) -> Self {
        Self {
            first_name: member.first_name.clone(),
            last_name: member.last_name.clone(),
            phone: member.phone.clone(),
            email: member.email.clone(),
            address: member.address.clone(),
            date_of_birth: member.date_of_birth,
            gender: member.gender,
            marital_status: member.marital_status,
            profession: member.profession.clone(),
            company: member.company.clone(),
            city: member.city.clone(),
            state: member.state.clone(),
            country: member.country.clone(),
            zip_code: member.zip_code.clone(),
            note: member.note.clone(),
            profile_image: member.profile_image.clone(),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = union_members)]
pub struct NewUnionMember<'a> {
    pub code: &'a str,
    #[diesel(embed)]
    pub details: MemberDetails,
    pub is_verified: bool,
    pub union_id: UnionId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What `unionMembers(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct MemberFilter {
    pub union_id: Option<UnionId>,
    pub credit_officer_id: Option<UserId>,
    pub is_verified: Option<bool>,
    /// Part of the name, code, phone or email, any case.
    pub search: Option<String>,
}

/// What `unionMembers(orderBy: …)` sorts by; the id breaks ties.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum MemberOrderField {
    #[default]
    Name,
    Code,
    CreatedAt,
    UpdatedAt,
}

/// The members in `scope`, live ones only unless `include_deleted`.
fn visible(scope: Scope, include_deleted: bool) -> scope::Condition<union_members::table> {
    let in_scope = scope::union_owned(union_members::union_id, scope);
    if include_deleted {
        in_scope
    } else {
        Box::new(in_scope.and(union_members::deleted_at.is_null()))
    }
}

fn filtered(
    filter: &MemberFilter,
    scope: Scope,
    listing: Listing,
) -> union_members::BoxedQuery<'static, Pg> {
    let mut query = union_members::table
        .filter(visible(scope, listing.include_deleted))
        .into_boxed();
    if let Some(union_id) = filter.union_id {
        query = query.filter(union_members::union_id.eq(union_id));
    }
    if let Some(officer) = filter.credit_officer_id {
        query = query.filter(
            union_members::union_id.eq_any(
                unions::table
                    .select(unions::id)
                    .filter(unions::credit_officer_id.eq(officer)),
            ),
        );
    }
    if let Some(verified) = filter.is_verified {
        query = query.filter(union_members::is_verified.eq(verified));
    }
    if let Some(pattern) = filter.search.as_deref().and_then(like_pattern) {
        let full_name = union_members::first_name
            .concat(" ")
            .concat(union_members::last_name);
        query = query.filter(
            full_name
                .ilike(pattern.clone())
                .or(union_members::code.ilike(pattern.clone()))
                .or(union_members::phone
                    .ilike(pattern.clone())
                    .assume_not_null())
                .or(union_members::email.ilike(pattern).assume_not_null()),
        );
    }
    query
}

/// A member by id, if it exists and is in scope (deleted ones only with `include_deleted`).
pub async fn find(
    conn: &mut DbConn,
    id: UnionMemberId,
    scope: Scope,
    include_deleted: bool,
) -> QueryResult<Option<UnionMember>> {
    union_members::table
        .filter(union_members::id.eq(id))
        .filter(visible(scope, include_deleted))
        .select(UnionMember::as_select())
        .first(conn)
        .await
        .optional()
}

/// The same, locking the row until the transaction ends.
pub async fn find_for_update(
    conn: &mut DbConn,
    id: UnionMemberId,
    scope: Scope,
    include_deleted: bool,
) -> QueryResult<Option<UnionMember>> {
    union_members::table
        .filter(union_members::id.eq(id))
        .filter(visible(scope, include_deleted))
        .select(UnionMember::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Live members in scope among `ids`; for loaders.
pub async fn find_many(
    conn: &mut DbConn,
    ids: &[UnionMemberId],
    scope: Scope,
) -> QueryResult<Vec<UnionMember>> {
    union_members::table
        .filter(union_members::id.eq_any(ids))
        .filter(visible(scope, false))
        .select(UnionMember::as_select())
        .load(conn)
        .await
}

/// The members in scope that pass `filter`, in `order`: the list, whole (for an export's
/// cursor) or cut into pages by [`list`].
pub fn ordered(
    filter: &MemberFilter,
    order: (MemberOrderField, Direction),
    scope: Scope,
    listing: Listing,
) -> union_members::BoxedQuery<'static, Pg, SqlTypeOf<AsSelect<UnionMember, Pg>>> {
    use union_members::{code, created_at, first_name, id, last_name, updated_at};
    let query = filtered(filter, scope, listing);
    let query = match order {
        (MemberOrderField::Name, Direction::Asc) => {
            query.order_by((last_name.asc(), first_name.asc(), id.asc()))
        }
        (MemberOrderField::Name, Direction::Desc) => {
            query.order_by((last_name.desc(), first_name.desc(), id.desc()))
        }
        (MemberOrderField::Code, Direction::Asc) => query.order_by(code.asc()),
        (MemberOrderField::Code, Direction::Desc) => query.order_by(code.desc()),
        (MemberOrderField::CreatedAt, Direction::Asc) => {
            query.order_by((created_at.asc(), id.asc()))
        }
        (MemberOrderField::CreatedAt, Direction::Desc) => {
            query.order_by((created_at.desc(), id.desc()))
        }
        (MemberOrderField::UpdatedAt, Direction::Asc) => {
            query.order_by((updated_at.asc(), id.asc()))
        }
        (MemberOrderField::UpdatedAt, Direction::Desc) => {
            query.order_by((updated_at.desc(), id.desc()))
        }
    };
    query.select(UnionMember::as_select())
}

/// One page of the members in scope that pass `filter`.
pub async fn list(
    conn: &mut DbConn,
    filter: &MemberFilter,
    order: (MemberOrderField, Direction),
    scope: Scope,
    listing: Listing,
    page: Page,
) -> QueryResult<Paged<UnionMember>> {
    let query = ordered(filter, order, scope, listing);
    let count = listing
        .want_total
        .then(|| filtered(filter, scope, listing).select(count_star()));
    page::load_page!(conn, query, count, page)
}

/// A page of the live members of each of `unions` (in scope), by name: one statement for all.
pub async fn page_by_union(
    conn: &mut DbConn,
    union_ids: &[UnionId],
    scope: Scope,
    page: Page,
) -> QueryResult<std::collections::HashMap<UnionId, Paged<UnionMember>>> {
    use diesel::dsl::row_number;
    use diesel::prelude::WindowExpressionMethods;

    let query = union_members::table
        .filter(union_members::union_id.eq_any(union_ids))
        .filter(visible(scope, false))
        .select((
            UnionMember::as_select(),
            row_number()
                .partition_by(union_members::union_id)
                .window_order((
                    union_members::last_name,
                    union_members::first_name,
                    union_members::id,
                )),
            count_star().partition_by(union_members::union_id),
        ));
    let rows: Vec<Ranked<UnionMember>> = PerParent::new(query, page).load(conn).await?;
    Ok(group_per_parent(rows, page, |member| member.union_id))
}

/// Live members per union (in scope), for `Union.memberCount`.
pub async fn count_by_union(
    conn: &mut DbConn,
    union_ids: &[UnionId],
    scope: Scope,
) -> QueryResult<Vec<(UnionId, i64)>> {
    union_members::table
        .filter(union_members::union_id.eq_any(union_ids))
        .filter(visible(scope, false))
        .group_by(union_members::union_id)
        .select((union_members::union_id, count_star()))
        .load(conn)
        .await
}

/// How many live members a union has (for delete checks).
pub async fn count_live_in_union(conn: &mut DbConn, union_id: UnionId) -> QueryResult<i64> {
    union_members::table
        .filter(union_members::union_id.eq(union_id))
        .filter(union_members::deleted_at.is_null())
        .select(count_star())
        .get_result(conn)
        .await
}

pub async fn insert(conn: &mut DbConn, new: &NewUnionMember<'_>) -> QueryResult<UnionMember> {
    diesel::insert_into(union_members::table)
        .values(new)
        .returning(UnionMember::as_returning())
        .get_result(conn)
        .await
}

/// Writes `rows` in as few statements as the parameter limit allows; returns them as written.
pub async fn insert_many(
    conn: &mut DbConn,
    rows: &[NewUnionMember<'_>],
) -> QueryResult<Vec<UnionMember>> {
    // code, the 16 details, is_verified, union_id, created_at, updated_at.
    const COLUMNS: usize = 21;
    let mut written = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(super::bulk::rows_per_statement(COLUMNS)) {
        written.extend(
            diesel::insert_into(union_members::table)
                .values(chunk)
                .returning(UnionMember::as_returning())
                .get_results(conn)
                .await?,
        );
    }
    Ok(written)
}

pub async fn update_details(
    conn: &mut DbConn,
    id: UnionMemberId,
    details: &MemberDetails,
    now: DateTime<Utc>,
) -> QueryResult<UnionMember> {
    diesel::update(union_members::table.find(id))
        .set((details, union_members::updated_at.eq(now)))
        .returning(UnionMember::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_verified(
    conn: &mut DbConn,
    id: UnionMemberId,
    verified: bool,
    now: DateTime<Utc>,
) -> QueryResult<UnionMember> {
    diesel::update(union_members::table.find(id))
        .set((
            union_members::is_verified.eq(verified),
            union_members::updated_at.eq(now),
        ))
        .returning(UnionMember::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_union(
    conn: &mut DbConn,
    id: UnionMemberId,
    union_id: UnionId,
    now: DateTime<Utc>,
) -> QueryResult<UnionMember> {
    diesel::update(union_members::table.find(id))
        .set((
            union_members::union_id.eq(union_id),
            union_members::updated_at.eq(now),
        ))
        .returning(UnionMember::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_deleted(
    conn: &mut DbConn,
    id: UnionMemberId,
    deleted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<UnionMember> {
    diesel::update(union_members::table.find(id))
        .set((
            union_members::deleted_at.eq(deleted_at),
            union_members::updated_at.eq(now),
        ))
        .returning(UnionMember::as_returning())
        .get_result(conn)
        .await
}

/// Whether a live member other than `except` already uses `email`.
pub async fn email_taken(
    conn: &mut DbConn,
    email: &str,
    except: Option<UnionMemberId>,
) -> QueryResult<bool> {
    let mut query = union_members::table
        .filter(union_members::email.eq(email))
        .filter(union_members::deleted_at.is_null())
        .select(union_members::id)
        .into_boxed();
    if let Some(except) = except {
        query = query.filter(union_members::id.ne(except));
    }
    diesel::select(diesel::dsl::exists(query))
        .get_result(conn)
        .await
}

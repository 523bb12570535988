//! `users`: staff accounts.

use chrono::{DateTime, Utc};
use diesel::dsl::{AsSelect, SqlTypeOf, count_star};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::page::{self, Page, Paged, PerParent, Ranked, group_per_parent};
use super::schema::users;
use super::{DbConn, Direction, Listing, like_pattern, scope};
use crate::domain::permissions::Scope;
use crate::domain::{Role, UserId};

/// A row of `users`. No `Debug`, and the hash is never serialised (audit rows show the rest).
#[derive(Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub is_active: bool,
    pub supervisor_id: Option<UserId>,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub profile_image: Option<String>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub login_count: i32,
    pub failed_login_count: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub is_active: bool,
    pub supervisor_id: Option<UserId>,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub phone: Option<&'a str>,
    pub address: Option<&'a str>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut DbConn, new: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// A live (not deleted) user by id.
pub async fn find_live(conn: &mut DbConn, id: UserId) -> QueryResult<Option<User>> {
    users::table
        .filter(users::id.eq(id))
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// A live user by email (already normalised to lower case).
pub async fn find_live_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// The editable fields of a user; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges<'a> {
    pub email: Option<&'a str>,
    pub role: Option<Role>,
    pub supervisor_id: Option<Option<UserId>>,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub phone: Option<Option<&'a str>>,
    pub address: Option<Option<&'a str>>,
    pub profile_image: Option<Option<&'a str>>,
    pub is_active: Option<bool>,
    pub deleted_at: Option<Option<DateTime<Utc>>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// What `users(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    pub supervisor_id: Option<UserId>,
    /// Part of the name or email, any case.
    pub search: Option<String>,
}

/// What `users(orderBy: …)` sorts by; the id breaks ties.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum UserOrderField {
    #[default]
    Name,
    Email,
    CreatedAt,
    LastLoginAt,
}

/// The staff visible in `scope`, live ones only unless `include_deleted`.
fn visible(scope: Scope, include_deleted: bool) -> scope::Condition<users::table> {
    let in_scope = scope::user_condition(scope).unwrap_or_else(scope::always);
    if include_deleted {
        in_scope
    } else {
        Box::new(in_scope.and(users::deleted_at.is_null()))
    }
}

fn filtered(filter: &UserFilter, scope: Scope, listing: Listing) -> users::BoxedQuery<'static, Pg> {
    let mut query = users::table
        .filter(visible(scope, listing.include_deleted))
        .into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(active) = filter.is_active {
        query = query.filter(users::is_active.eq(active));
    }
    if let Some(supervisor) = filter.supervisor_id {
        query = query.filter(users::supervisor_id.eq(supervisor));
    }
    if let Some(pattern) = filter.search.as_deref().and_then(like_pattern) {
        let full_name = users::first_name.concat(" ").concat(users::last_name);
        query = query.filter(
            full_name
                .ilike(pattern.clone())
                .or(users::email.ilike(pattern)),
        );
    }
    query
}

/// A user by id, if visible in `scope` (deleted ones only with `include_deleted`).
pub async fn find(
    conn: &mut DbConn,
    id: UserId,
    scope: Scope,
    include_deleted: bool,
) -> QueryResult<Option<User>> {
    users::table
        .filter(users::id.eq(id))
        .filter(visible(scope, include_deleted))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// The same, locking the row until the transaction ends.
pub async fn find_for_update(
    conn: &mut DbConn,
    id: UserId,
    scope: Scope,
    include_deleted: bool,
) -> QueryResult<Option<User>> {
    users::table
        .filter(users::id.eq(id))
        .filter(visible(scope, include_deleted))
        .select(User::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Live users visible in `scope` among `ids`, in no particular order; for loaders.
pub async fn find_many(conn: &mut DbConn, ids: &[UserId], scope: Scope) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::id.eq_any(ids))
        .filter(visible(scope, false))
        .select(User::as_select())
        .load(conn)
        .await
}

/// The staff visible in `scope` that pass `filter`, in `order`: the list, whole (for an
/// export's cursor) or cut into pages by [`list`].
pub fn ordered(
    filter: &UserFilter,
    order: (UserOrderField, Direction),
    scope: Scope,
    listing: Listing,
) -> users::BoxedQuery<'static, Pg, SqlTypeOf<AsSelect<User, Pg>>> {
    use users::{created_at, email, first_name, id, last_login_at, last_name};
    let query = filtered(filter, scope, listing);
    let query = match order {
        (UserOrderField::Name, Direction::Asc) => {
            query.order_by((last_name.asc(), first_name.asc(), id.asc()))
        }
        (UserOrderField::Name, Direction::Desc) => {
            query.order_by((last_name.desc(), first_name.desc(), id.desc()))
        }
        (UserOrderField::Email, Direction::Asc) => query.order_by((email.asc(), id.asc())),
        (UserOrderField::Email, Direction::Desc) => query.order_by((email.desc(), id.desc())),
        (UserOrderField::CreatedAt, Direction::Asc) => query.order_by((created_at.asc(), id.asc())),
        (UserOrderField::CreatedAt, Direction::Desc) => {
            query.order_by((created_at.desc(), id.desc()))
        }
        (UserOrderField::LastLoginAt, Direction::Asc) => {
            query.order_by((last_login_at.asc().nulls_first(), id.asc()))
        }
        (UserOrderField::LastLoginAt, Direction::Desc) => {
            query.order_by((last_login_at.desc().nulls_last(), id.desc()))
        }
    };
    query.select(User::as_select())
}

/// One page of the staff visible in `scope` that pass `filter`.
pub async fn list(
    conn: &mut DbConn,
    filter: &UserFilter,
    order: (UserOrderField, Direction),
    scope: Scope,
    listing: Listing,
    page: Page,
) -> QueryResult<Paged<User>> {
    let query = ordered(filter, order, scope, listing);
    let count = listing
        .want_total
        .then(|| filtered(filter, scope, listing).select(count_star()));
    page::load_page!(conn, query, count, page)
}

/// A page of the live credit officers of each of `supervisors` (visible in `scope`), by name.
pub async fn page_by_supervisor(
    conn: &mut DbConn,
    supervisors: &[UserId],
    scope: Scope,
    page: Page,
) -> QueryResult<std::collections::HashMap<UserId, Paged<User>>> {
    use diesel::dsl::row_number;
    use diesel::prelude::WindowExpressionMethods;

    let query = users::table
        .filter(users::supervisor_id.eq_any(supervisors))
        .filter(visible(scope, false))
        .select((
            User::as_select(),
            row_number()
                .partition_by(users::supervisor_id)
                .window_order((users::last_name, users::first_name, users::id)),
            count_star().partition_by(users::supervisor_id),
        ));
    let rows: Vec<Ranked<User>> = PerParent::new(query, page).load(conn).await?;
    let pages = group_per_parent(rows, page, |user| user.supervisor_id);
    Ok(pages
        .into_iter()
        .filter_map(|(supervisor, page)| supervisor.map(|id| (id, page)))
        .collect())
}

pub async fn update(conn: &mut DbConn, id: UserId, changes: &UserChanges<'_>) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set(changes)
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// How many live, active administrators there are, locking their rows so that two
/// deactivations cannot both see "another admin remains".
pub async fn lock_active_admins(conn: &mut DbConn) -> QueryResult<Vec<UserId>> {
    users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::is_active.eq(true))
        .filter(users::deleted_at.is_null())
        .select(users::id)
        .for_update()
        .load(conn)
        .await
}

/// How many live officers `supervisor` has.
pub async fn count_live_officers_of(conn: &mut DbConn, supervisor: UserId) -> QueryResult<i64> {
    users::table
        .filter(users::supervisor_id.eq(supervisor))
        .filter(users::deleted_at.is_null())
        .select(count_star())
        .get_result(conn)
        .await
}

/// Whether a live user other than `except` already uses `email`.
pub async fn email_taken(
    conn: &mut DbConn,
    email: &str,
    except: Option<UserId>,
) -> QueryResult<bool> {
    let mut query = users::table
        .filter(users::email.eq(email))
        .filter(users::deleted_at.is_null())
        .select(users::id)
        .into_boxed();
    if let Some(except) = except {
        query = query.filter(users::id.ne(except));
    }
    diesel::select(diesel::dsl::exists(query))
        .get_result(conn)
        .await
}

/// Whether the table holds any row at all, deleted or not.
pub async fn any_exist(conn: &mut DbConn) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.select(users::id)))
        .get_result(conn)
        .await
}

/// Records a successful login: resets the failure counters.
pub async fn record_login_success(
    conn: &mut DbConn,
    id: UserId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::last_login_at.eq(now),
            users::last_activity_at.eq(now),
            users::login_count.eq(users::login_count + 1),
            users::failed_login_count.eq(0),
            users::locked_until.eq(None::<DateTime<Utc>>),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Records a failed login and the lock it caused, if any.
pub async fn record_login_failure(
    conn: &mut DbConn,
    id: UserId,
    failed_login_count: i32,
    locked_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_login_count.eq(failed_login_count),
            users::locked_until.eq(locked_until),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn set_password_hash(
    conn: &mut DbConn,
    id: UserId,
    password_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Replaces the stored hash of the same password by a stronger one (a login's upgrade), if it
/// is still `current`: a password changed meanwhile is left alone. Nothing else changes — it
/// is not a password change. Returns whether the hash was replaced.
pub async fn upgrade_password_hash(
    conn: &mut DbConn,
    id: UserId,
    current: &str,
    upgraded: &str,
) -> QueryResult<bool> {
    diesel::update(
        users::table
            .find(id)
            .filter(users::password_hash.eq(current)),
    )
    .set(users::password_hash.eq(upgraded))
    .execute(conn)
    .await
    .map(|rows| rows == 1)
}

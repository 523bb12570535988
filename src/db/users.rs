//! `users`: staff accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::DbConn;
use super::schema::users;
use crate::domain::{Role, UserId};

/// A row of `users`. No `Debug`: it carries the password hash.
#[derive(Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub email: String,
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

/// Live users among `ids`, in no particular order; for loaders.
pub async fn find_many(conn: &mut DbConn, ids: &[UserId]) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::id.eq_any(ids))
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .load(conn)
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

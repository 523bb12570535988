//! `user_login_history`: every login attempt, successful or not.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::DbConn;
use super::schema::user_login_history;
use crate::domain::UserId;
use crate::domain::sessions::LoginFailure;

#[derive(Insertable)]
#[diesel(table_name = user_login_history)]
pub struct NewLoginAttempt<'a> {
    pub user_id: Option<UserId>,
    pub email_tried: &'a str,
    pub login_at: DateTime<Utc>,
    pub ip_address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub success: bool,
    pub failure_reason: Option<&'static str>,
}

pub async fn insert(conn: &mut DbConn, attempt: &NewLoginAttempt<'_>) -> QueryResult<()> {
    diesel::insert_into(user_login_history::table)
        .values(attempt)
        .execute(conn)
        .await
        .map(drop)
}

/// The instants of the failures that count toward a lockout for `email`: wrong passwords and
/// unknown-email attempts since `since` and after the last successful login.
pub async fn counted_failures_since(
    conn: &mut DbConn,
    email: &str,
    since: DateTime<Utc>,
) -> QueryResult<Vec<DateTime<Utc>>> {
    let last_success: Option<DateTime<Utc>> = user_login_history::table
        .filter(user_login_history::email_tried.eq(email))
        .filter(user_login_history::success.eq(true))
        .filter(user_login_history::login_at.ge(since))
        .select(diesel::dsl::max(user_login_history::login_at))
        .get_result(conn)
        .await?;
    let since = last_success.map_or(since, |success| success.max(since));
    user_login_history::table
        .filter(user_login_history::email_tried.eq(email))
        .filter(user_login_history::success.eq(false))
        .filter(user_login_history::login_at.gt(since))
        .filter(
            user_login_history::failure_reason
                .eq_any(LoginFailure::COUNTED.iter().map(|reason| reason.as_str())),
        )
        .select(user_login_history::login_at)
        .order(user_login_history::login_at.asc())
        .load(conn)
        .await
}

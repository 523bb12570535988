//! `user_login_history`: every login attempt, successful or not, and every password check of
//! `changePassword`. An attempt is written `PENDING` before its password is checked and settled
//! afterwards (see `services::attempts`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::DbConn;
use super::schema::user_login_history;
use crate::domain::sessions::LoginFailure;
use crate::domain::{LoginAttemptId, UserId};

#[derive(Insertable)]
#[diesel(table_name = user_login_history)]
pub struct NewLoginAttempt<'a> {
    pub user_id: Option<UserId>,
    pub email_tried: &'a str,
    pub login_at: DateTime<Utc>,
    pub ip_address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub success: bool,
    pub failure_reason: Option<LoginFailure>,
}

pub async fn insert(
    conn: &mut DbConn,
    attempt: &NewLoginAttempt<'_>,
) -> QueryResult<LoginAttemptId> {
    diesel::insert_into(user_login_history::table)
        .values(attempt)
        .returning(user_login_history::id)
        .get_result(conn)
        .await
}

/// Settles a pending attempt: a success (`None`) or a failure.
pub async fn settle(
    conn: &mut DbConn,
    id: LoginAttemptId,
    failure: Option<LoginFailure>,
) -> QueryResult<()> {
    diesel::update(user_login_history::table.find(id))
        .set((
            user_login_history::success.eq(failure.is_none()),
            user_login_history::failure_reason.eq(failure),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Removes a pending attempt that turned out not to be a login (a right current password of
/// `changePassword`, whose change is audited instead).
pub async fn delete_pending(conn: &mut DbConn, id: LoginAttemptId) -> QueryResult<()> {
    diesel::delete(
        user_login_history::table
            .find(id)
            .filter(user_login_history::failure_reason.eq(LoginFailure::Pending)),
    )
    .execute(conn)
    .await
    .map(drop)
}

/// The instants of the attempts for `email` with one of `reasons`, since `since` and after the
/// last successful login, oldest first.
pub async fn failures_since(
    conn: &mut DbConn,
    email: &str,
    since: DateTime<Utc>,
    reasons: &[LoginFailure],
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
        .filter(user_login_history::failure_reason.eq_any(reasons))
        .select(user_login_history::login_at)
        .order(user_login_history::login_at.asc())
        .load(conn)
        .await
}

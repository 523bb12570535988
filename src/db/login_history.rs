//! `user_login_history`: every login attempt, successful or not, and every password check of
//! `changePassword`. An attempt is written `PENDING` before its password is checked and settled
//! afterwards (see `services::attempts`).

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::page::{self, Page, Paged};
use super::schema::{user_login_history, users};
use super::{DbConn, scope};
use crate::domain::permissions::Scope;
use crate::domain::sessions::LoginFailure;
use crate::domain::{LoginAttemptId, UserId};

/// A row of `user_login_history`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_login_history, check_for_backend(Pg))]
pub struct LoginAttempt {
    pub id: LoginAttemptId,
    pub user_id: Option<UserId>,
    pub email_tried: String,
    pub login_at: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub success: bool,
    pub failure_reason: Option<LoginFailure>,
}

/// What `loginHistory(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LoginFilter {
    pub user_id: Option<UserId>,
    pub email: Option<String>,
    pub success: Option<bool>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The attempts of the staff visible in `scope` (attempts on unknown emails: `Scope::All` only).
fn filtered(filter: &LoginFilter, scope: Scope) -> user_login_history::BoxedQuery<'static, Pg> {
    let mut query = user_login_history::table.into_boxed();
    if let Some(visible) = scope::user_condition(scope) {
        query = query.filter(
            user_login_history::user_id
                .eq_any(
                    users::table
                        .select(users::id.nullable())
                        .filter(visible)
                        .into_boxed(),
                )
                .assume_not_null(),
        );
    }
    if let Some(user) = filter.user_id {
        query = query.filter(user_login_history::user_id.eq(user));
    }
    if let Some(email) = &filter.email {
        query = query.filter(user_login_history::email_tried.eq(email.trim().to_lowercase()));
    }
    if let Some(success) = filter.success {
        query = query.filter(user_login_history::success.eq(success));
    }
    if let Some(from) = filter.from {
        query = query.filter(user_login_history::login_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(user_login_history::login_at.le(to));
    }
    query
}

/// One page of the attempts visible in `scope`, newest first.
pub async fn list(
    conn: &mut DbConn,
    filter: &LoginFilter,
    scope: Scope,
    want_total: bool,
    page: Page,
) -> QueryResult<Paged<LoginAttempt>> {
    let count = want_total.then(|| filtered(filter, scope).select(count_star()));
    page::load_page!(
        conn,
        filtered(filter, scope)
            .order_by((
                user_login_history::login_at.desc(),
                user_login_history::id.desc(),
            ))
            .select(LoginAttempt::as_select()),
        count,
        page
    )
}

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

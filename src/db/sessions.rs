//! `staff_sessions`: one row per refresh token. Rotation revokes the row and inserts its
//! successor in the same family; a family is what the user sees as one session.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::DbConn;
use super::schema::{staff_sessions, users};
use crate::domain::sessions::RevokeReason;
use crate::domain::{Role, SessionFamilyId, SessionId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = staff_sessions, check_for_backend(diesel::pg::Pg))]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub family_id: SessionFamilyId,
    pub refresh_token_hash: String,
    pub user_agent: Option<String>,
    pub ip_address: Option<String>,
    /// When the session (the family) began: a rotation keeps the login time.
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<RevokeReason>,
}

impl Session {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

#[derive(Insertable)]
#[diesel(table_name = staff_sessions)]
pub struct NewSession<'a> {
    pub user_id: UserId,
    pub family_id: SessionFamilyId,
    pub refresh_token_hash: &'a str,
    pub user_agent: Option<&'a str>,
    pub ip_address: Option<&'a str>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut DbConn, new: &NewSession<'_>) -> QueryResult<Session> {
    diesel::insert_into(staff_sessions::table)
        .values(new)
        .returning(Session::as_returning())
        .get_result(conn)
        .await
}

/// The row holding this refresh-token hash, locked against a concurrent refresh.
pub async fn find_by_token_hash_for_update(
    conn: &mut DbConn,
    hash: &str,
) -> QueryResult<Option<Session>> {
    staff_sessions::table
        .filter(staff_sessions::refresh_token_hash.eq(hash))
        .select(Session::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The live rows of a user (one per live family), oldest session first.
pub async fn live_for_user(
    conn: &mut DbConn,
    user_id: UserId,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Session>> {
    staff_sessions::table
        .filter(staff_sessions::user_id.eq(user_id))
        .filter(staff_sessions::revoked_at.is_null())
        .filter(staff_sessions::expires_at.gt(now))
        .select(Session::as_select())
        .order((staff_sessions::created_at.asc(), staff_sessions::id.asc()))
        .load(conn)
        .await
}

/// Revokes one row (a rotation).
pub async fn revoke(
    conn: &mut DbConn,
    id: SessionId,
    reason: RevokeReason,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(staff_sessions::table.find(id))
        .set((
            staff_sessions::revoked_at.eq(now),
            staff_sessions::revoked_reason.eq(reason),
            staff_sessions::last_used_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Revokes the still-live rows of the given families of a user; returns how many rows changed.
pub async fn revoke_families(
    conn: &mut DbConn,
    user_id: UserId,
    families: &[SessionFamilyId],
    reason: RevokeReason,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        staff_sessions::table
            .filter(staff_sessions::user_id.eq(user_id))
            .filter(staff_sessions::family_id.eq_any(families))
            .filter(staff_sessions::revoked_at.is_null()),
    )
    .set((
        staff_sessions::revoked_at.eq(now),
        staff_sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)
    .await
}

/// Revokes every live row of a user except those of `keep`; returns how many rows changed.
pub async fn revoke_all_for_user_except(
    conn: &mut DbConn,
    user_id: UserId,
    keep: Option<SessionFamilyId>,
    reason: RevokeReason,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let live = staff_sessions::table
        .filter(staff_sessions::user_id.eq(user_id))
        .filter(staff_sessions::revoked_at.is_null());
    let set = (
        staff_sessions::revoked_at.eq(now),
        staff_sessions::revoked_reason.eq(reason),
    );
    match keep {
        Some(family) => {
            diesel::update(live.filter(staff_sessions::family_id.ne(family)))
                .set(set)
                .execute(conn)
                .await
        }
        None => diesel::update(live).set(set).execute(conn).await,
    }
}

/// What a request learns about its caller: the user, if live and active and holding a live
/// session of `family` — in a single statement.
#[derive(Debug, Clone, Copy, Queryable)]
pub struct LiveCaller {
    pub user_id: UserId,
    pub role: Role,
    pub supervisor_id: Option<UserId>,
}

pub async fn find_live_caller(
    conn: &mut DbConn,
    user_id: UserId,
    family: SessionFamilyId,
    now: DateTime<Utc>,
) -> QueryResult<Option<LiveCaller>> {
    let session_is_live = diesel::dsl::exists(
        staff_sessions::table
            .filter(staff_sessions::user_id.eq(user_id))
            .filter(staff_sessions::family_id.eq(family))
            .filter(staff_sessions::revoked_at.is_null())
            .filter(staff_sessions::expires_at.gt(now)),
    );
    users::table
        .filter(users::id.eq(user_id))
        .filter(users::deleted_at.is_null())
        .filter(users::is_active.eq(true))
        .filter(session_is_live)
        .select((users::id, users::role, users::supervisor_id))
        .first(conn)
        .await
        .optional()
}

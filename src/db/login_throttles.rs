//! `login_throttles`: one row per email tried at login, locked by every password attempt on
//! that email so that the lockout is decided one attempt at a time.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::DbConn;
use super::schema::login_throttles;

/// Locks the row of `email` until the end of the transaction (creating it on first use), and
/// returns the end of the last announced lock. Concurrent attempts on the same email wait here
/// for each other.
pub async fn lock(
    conn: &mut DbConn,
    email: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<DateTime<Utc>>> {
    diesel::insert_into(login_throttles::table)
        .values((
            login_throttles::email.eq(email),
            login_throttles::created_at.eq(now),
            login_throttles::updated_at.eq(now),
        ))
        .on_conflict(login_throttles::email)
        .do_nothing()
        .execute(conn)
        .await?;
    login_throttles::table
        .find(email)
        .select(login_throttles::locked_until)
        .for_update()
        .get_result(conn)
        .await
}

/// Records that a lock until `until` was announced.
pub async fn set_locked_until(
    conn: &mut DbConn,
    email: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(login_throttles::table.find(email))
        .set((
            login_throttles::locked_until.eq(until),
            login_throttles::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

//! The retention job's deletions: rows that only record the past, removed once they are older
//! than their period, a batch at a time so that no statement holds many locks or runs long.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::RunQueryDsl;

use super::DbConn;

/// Rows one statement deletes at most.
pub const BATCH: i64 = 5_000;

/// What can be deleted, and the rows that qualify before a cutoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// Sessions that ended (expired or revoked) before the cutoff.
    EndedSessions,
    /// Login attempts made before the cutoff.
    LoginHistory,
    /// Audit rows written before the cutoff.
    AuditLogs,
}

impl Kept {
    /// The table, as `/metrics` names it.
    pub fn table(self) -> &'static str {
        match self {
            Self::EndedSessions => "staff_sessions",
            Self::LoginHistory => "user_login_history",
            Self::AuditLogs => "audit_logs",
        }
    }

    /// The rows of the table that are past the cutoff `$1`.
    fn condition(self) -> &'static str {
        match self {
            Self::EndedSessions => "expires_at < $1 OR revoked_at < $1",
            Self::LoginHistory => "login_at < $1",
            Self::AuditLogs => "created_at < $1",
        }
    }
}

/// Deletes every row of `kept` past `cutoff`, [`BATCH`] rows per statement; how many.
pub async fn delete_before(
    conn: &mut DbConn,
    kept: Kept,
    cutoff: DateTime<Utc>,
) -> QueryResult<u64> {
    let sql = format!(
        "DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE {condition} LIMIT $2)",
        table = kept.table(),
        condition = kept.condition(),
    );
    let mut deleted = 0u64;
    loop {
        let batch = diesel::sql_query(&sql)
            .bind::<Timestamptz, _>(cutoff)
            .bind::<BigInt, _>(BATCH)
            .execute(conn)
            .await?;
        deleted += batch as u64;
        if i64::try_from(batch).unwrap_or(i64::MAX) < BATCH {
            return Ok(deleted);
        }
    }
}

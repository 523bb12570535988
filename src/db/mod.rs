//! PostgreSQL access: the connection pool, the retrying write transaction, and one module per
//! table with its rows and queries. Functions take a connection, never the pool, so that a
//! service decides what runs in one transaction.

pub mod assignments;
pub mod audit_logs;
pub mod backups;
pub mod balances;
pub mod bulk;
pub mod charges;
mod conn;
pub mod constraints;
pub mod contents;
pub mod copy;
pub mod counters;
pub mod cursor;
pub mod databases;
pub mod direct;
pub mod document_types;
pub mod documents;
pub mod endpoint;
pub mod instrument;
pub mod job_leases;
pub mod loan_facts;
pub mod loan_types;
pub mod loans;
pub mod login_history;
pub mod login_throttles;
pub mod migrations;
pub mod page;
pub mod repayments;
pub mod report_sessions;
pub mod reports;
pub mod retention;
pub mod rollups;
pub mod schedule_items;
pub mod schema;
pub mod scope;
pub mod sessions;
pub mod settings;
pub mod stored_objects;
mod types;
pub mod union_members;
pub mod unions;
pub mod url;
pub mod user_notes;
pub mod users;

use std::time::Duration;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::{Pool, PoolError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, RunQueryDsl};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use scoped_futures::ScopedBoxFuture;

use crate::config::DatabaseConfig;

pub use conn::DbConn;
pub use endpoint::Endpoint;
pub use instrument::StatementCounter;

/// The shared pool of connections.
pub type DbPool = Pool<DbConn>;

/// How often a transaction that lost a serialization conflict is tried in all.
pub const MAX_TRANSACTION_ATTEMPTS: u32 = 10;

/// Pool settings taken from [`DatabaseConfig`].
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub size: usize,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
    /// A statement that takes this long or longer is logged (see [`instrument`]).
    pub slow_statement: Duration,
    /// The schema the tables are in, when not the default search path's.
    pub schema: Option<String>,
    /// Whether each connection keeps the statements it prepares.
    pub statement_cache: bool,
    /// Whether a transaction-mode pooler stands between the pool and PostgreSQL (see
    /// [`DbConn::behind_pooler`]); it implies no statement cache.
    pub pooler: bool,
}

impl From<&DatabaseConfig> for PoolSettings {
    fn from(config: &DatabaseConfig) -> Self {
        Self {
            size: config.pool_size,
            acquire_timeout: config.acquire_timeout,
            statement_timeout: config.statement_timeout,
            slow_statement: config.slow_statement,
            schema: config.schema.clone(),
            statement_cache: !config.no_statement_cache && !config.pooler,
            pooler: config.pooler,
        }
    }
}

impl PoolSettings {
    /// The settings of a read replica's pool: it gives up within half the acquire timeout, so
    /// that a read falling back to the primary still gets its connection within the whole.
    #[must_use]
    pub fn for_replica(self) -> Self {
        Self {
            acquire_timeout: self.acquire_timeout / 2,
            ..self
        }
    }
}

/// Builds the pool. No connection is opened until the first request needs one, so a server can
/// start while its database is still coming up. A connection found closed (the server went away)
/// is discarded when it comes back to the pool, so the pool heals once the database returns.
/// Every connection reports its statements to `statements` (see [`instrument`]).
pub fn build_pool(
    endpoint: &Endpoint,
    settings: PoolSettings,
    statements: &StatementCounter,
) -> anyhow::Result<DbPool> {
    let statement_timeout_ms = settings.statement_timeout.as_millis();
    let slow_after = settings.slow_statement;
    // `SET search_path` takes an identifier: quoted, with its quotes doubled.
    let search_path = settings
        .schema
        .as_ref()
        .map(|schema| format!("SET search_path = \"{}\"", schema.replace('"', "\"\"")));
    let statement_cache = settings.statement_cache && !settings.pooler;
    let pooler = settings.pooler;
    let statements = statements.clone();
    let mut manager_config = ManagerConfig::<DbConn>::default();
    manager_config.recycling_method = RecyclingMethod::Fast;
    let connect_to = endpoint.clone();
    manager_config.custom_setup = Box::new(move |_url: &str| -> BoxFuture<'_, _> {
        let watch = statements.watch(slow_after);
        let search_path = search_path.clone();
        let endpoint = connect_to.clone();
        async move {
            let mut conn = if pooler {
                endpoint.establish_behind_pooler().await?
            } else {
                endpoint.establish().await?
            };
            if !statement_cache {
                conn.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled);
            }
            let mut setup = vec![format!("SET statement_timeout = {statement_timeout_ms}")];
            setup.extend(search_path);
            if pooler {
                // Session settings would stay on whichever server connection ran them.
                let local = setup
                    .iter()
                    .map(|set| set.replacen("SET ", "SET LOCAL ", 1))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Ok(DbConn::new(conn, watch).behind_pooler(&local));
            }
            for statement in setup {
                diesel::sql_query(statement)
                    .execute(&mut conn)
                    .await
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            }
            Ok(DbConn::new(conn, watch))
        }
        .boxed()
    });
    let manager =
        AsyncDieselConnectionManager::new_with_config(endpoint.url().expose(), manager_config);
    let pool = Pool::builder(manager)
        .max_size(settings.size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(settings.acquire_timeout))
        .create_timeout(Some(settings.acquire_timeout))
        .recycle_timeout(Some(settings.acquire_timeout))
        .build()?;
    Ok(pool)
}

/// Errors that may come from a failed serialization and deserve another attempt.
pub trait Retryable {
    /// True for SQLSTATE 40001 (serialization failure).
    fn is_serialization_failure(&self) -> bool;
}

impl Retryable for DieselError {
    fn is_serialization_failure(&self) -> bool {
        matches!(
            self,
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _)
        )
    }
}

/// The isolation of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// The default for writes: the database orders concurrent transactions as if one ran after
    /// the other, and reports a conflict (retried) when it cannot.
    Serializable,
    /// For work that orders itself with row locks (`SELECT … FOR UPDATE`): each statement sees
    /// what the previous holder of the lock committed, so waiting is enough and nothing has to
    /// be retried. (A database that only runs SERIALIZABLE, such as CockroachDB by default,
    /// still gets the retries.)
    ReadCommitted,
    /// For long reads that must add up (exports, backups, `check`): one snapshot of the whole
    /// database, read-only.
    ReadOnlySnapshot,
}

impl Isolation {
    /// The statement that begins a transaction of this isolation.
    fn begin_sql(self) -> &'static str {
        match self {
            Self::Serializable => "BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            Self::ReadCommitted => "BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED",
            Self::ReadOnlySnapshot => {
                "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
            }
        }
    }
}

/// Runs `body` in a SERIALIZABLE transaction; see [`transaction`].
pub async fn write_transaction<'a, T, E, F>(pool: &DbPool, body: F) -> Result<T, E>
where
    F: for<'r> FnMut(&'r mut DbConn) -> ScopedBoxFuture<'a, 'r, Result<T, E>> + Send + 'a,
    T: Send + 'a,
    E: From<DieselError> + From<PoolError> + Retryable + Send + 'a,
{
    transaction(pool, Isolation::Serializable, body).await
}

/// Runs `body` in a transaction of `isolation` on a pooled connection, and runs it again (with
/// a bounded, jittered back-off) when the database reports a serialization failure. The body
/// may therefore run more than once: it must do all its reads and writes through `conn`, and
/// build its future with `async move { … }.scope_boxed()`.
pub async fn transaction<'a, T, E, F>(
    pool: &DbPool,
    isolation: Isolation,
    mut body: F,
) -> Result<T, E>
where
    F: for<'r> FnMut(&'r mut DbConn) -> ScopedBoxFuture<'a, 'r, Result<T, E>> + Send + 'a,
    T: Send + 'a,
    E: From<DieselError> + From<PoolError> + Retryable + Send + 'a,
{
    let mut attempt = 1;
    loop {
        let mut conn = pool.get().await?;
        let outcome = conn.run_transaction(isolation, &mut body).await;
        match outcome {
            Err(err) if err.is_serialization_failure() && attempt < MAX_TRANSACTION_ATTEMPTS => {
                tracing::debug!(attempt, "serialization failure, retrying the transaction");
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// 5 ms, 10 ms, 20 ms, … capped at 320 ms, each with up to as much again of random jitter so
/// that competing transactions do not collide again in lockstep.
fn backoff(attempt: u32) -> Duration {
    let base_ms = 5u64 << attempt.saturating_sub(1).min(6);
    let jitter_ms = rand::random_range(0..=base_ms);
    Duration::from_millis(base_ms + jitter_ms)
}

/// The direction of a list's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

/// How a list is read beyond its filter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Listing {
    /// Soft-deleted rows too (ADMIN only; the services check).
    pub include_deleted: bool,
    /// Whether to count the whole list (`totalCount` selected).
    pub want_total: bool,
}

/// The `ILIKE` pattern that finds `search` anywhere in a text, with `%`, `_` and `\` taken
/// literally; `None` for a blank search (no narrowing).
pub fn like_pattern(search: &str) -> Option<String> {
    let search = search.trim();
    if search.is_empty() {
        return None;
    }
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for c in search.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Some(pattern)
}

/// A cheap round trip that proves the database answers.
pub async fn ping(pool: &DbPool) -> Result<(), anyhow::Error> {
    let mut conn = pool.get().await?;
    diesel::sql_query("SELECT 1").execute(&mut conn).await?;
    Ok(())
}

/// Whether a statement's error means its connection is gone: the driver could not send it, or
/// PostgreSQL ended the connection under it with one of its "operator intervention" errors
/// (SQLSTATE class 57: a shutdown, a crash restart, a terminated backend). The driver passes
/// no SQLSTATE through diesel, so the message is read: PostgreSQL's own English text, as
/// managed services and the embedded default send it.
pub fn connection_lost(err: &DieselError) -> bool {
    const ENDINGS: [&str; 5] = [
        "terminating connection due to administrator command",
        "terminating connection because of crash of another server process",
        "terminating connection due to idle-session timeout",
        "the database system is shutting down",
        "the database system is in recovery mode",
    ];
    match err {
        DieselError::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
            _,
        ) => true,
        DieselError::DatabaseError(_, info) => ENDINGS
            .iter()
            .any(|ending| info.message().starts_with(ending)),
        _ => false,
    }
}

/// Whether a pool error means the database cannot be reached right now (as opposed to a bug).
pub fn pool_error_is_unavailability(err: &PoolError) -> bool {
    !matches!(err, PoolError::NoRuntimeSpecified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_pattern("  "), None);
        assert_eq!(like_pattern(" Ada ").as_deref(), Some("%Ada%"));
        assert_eq!(like_pattern("50%_a\\").as_deref(), Some("%50\\%\\_a\\\\%"));
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        for attempt in 1..=MAX_TRANSACTION_ATTEMPTS + 5 {
            let delay = backoff(attempt);
            let base = 5u64 << (attempt - 1).min(6);
            assert!(delay >= Duration::from_millis(base));
            assert!(delay <= Duration::from_millis(2 * base));
            assert!(delay <= Duration::from_millis(640));
        }
    }
}

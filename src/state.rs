//! `AppState`: everything a request needs, built once and passed explicitly (no globals), so
//! that tests can run differently configured apps side by side.

use std::sync::Arc;

use crate::auth::passwords::Passwords;
use crate::auth::tokens::TokenKeys;
use crate::clock::Clock;
use crate::config::{Config, Secret};
use crate::db::direct::Direct;
use crate::db::{DbConn, DbPool, StatementCounter};
use crate::metrics::Metrics;
use crate::storage::Storage;
use diesel_async::pooled_connection::deadpool::{Object, PoolError};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: DbPool,
    /// `DATABASE_READ_URL`'s pool: a streaming replica for reports and exports.
    pub replica: Option<DbPool>,
    /// Sessions outside the pool, for what it cannot send (a restore's `COPY`).
    pub direct: Direct,
    pub clock: Arc<dyn Clock>,
    pub tokens: Arc<TokenKeys>,
    pub passwords: Passwords,
    /// Statements sent through `db`'s connections.
    pub statements: StatementCounter,
    /// Documents and backups.
    pub storage: Storage,
    /// What `GET /metrics` shows.
    pub metrics: Metrics,
}

impl AppState {
    pub fn new(
        config: Config,
        db: DbPool,
        direct: Direct,
        statements: StatementCounter,
        jwt_secret: &Secret,
        clock: Arc<dyn Clock>,
        storage: Storage,
    ) -> Self {
        let passwords = Passwords::new(config.auth.hashing_concurrency);
        let metrics = Metrics::new(&statements);
        Self {
            config: Arc::new(config),
            db,
            replica: None,
            direct,
            clock,
            tokens: Arc::new(TokenKeys::new(jwt_secret)),
            passwords,
            statements,
            storage,
            metrics,
        }
    }
}

impl AppState {
    /// Reads that may lag a little (reports, exports) also go to `replica`.
    #[must_use]
    pub fn with_replica(mut self, replica: DbPool) -> Self {
        self.replica = Some(replica);
        self
    }

    /// A connection for reads that may lag the primary by the replica's delay: the replica's,
    /// or the primary's when there is no replica or it cannot be reached (its pool gives up
    /// within half the acquire timeout). Never for a read that must see the caller's own
    /// last write, nor inside a mutation.
    pub async fn read_conn(&self) -> Result<Object<DbConn>, PoolError> {
        if let Some(replica) = &self.replica {
            match replica.get().await {
                Ok(conn) => {
                    self.metrics.replica_read("replica");
                    return Ok(conn);
                }
                Err(err) => {
                    tracing::warn!(error = %err, "the read replica is unavailable: reading from the primary");
                    self.metrics.replica_read("primary");
                }
            }
        }
        self.db.get().await
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .field("clock", &self.clock)
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

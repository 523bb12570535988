//! `AppState`: everything a request needs, built once and passed explicitly (no globals), so
//! that tests can run differently configured apps side by side.

use std::sync::Arc;

use crate::auth::passwords::Passwords;
use crate::auth::tokens::TokenKeys;
use crate::clock::Clock;
use crate::config::{Config, Secret};
use crate::db::direct::Direct;
use crate::db::{DbPool, StatementCounter};
use crate::metrics::Metrics;
use crate::storage::Storage;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: DbPool,
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

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .field("clock", &self.clock)
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

//! The schema migrations, embedded in the binary from `migrations/`, and the operations of
//! `millennium migrate run|revert|redo|status`.
//!
//! Diesel's migration harness is synchronous; each operation opens its own connection (with the
//! endpoint's TLS) and runs on a blocking thread.

use diesel::migration::{Migration, MigrationSource};
use diesel::pg::Pg;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::endpoint::Endpoint;

/// Every migration of `migrations/`, compiled in.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

type SyncConnection = AsyncConnectionWrapper<AsyncPgConnection>;

/// One migration and whether the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The directory name, e.g. `2026-11-21-000001_create_users_and_auth`.
    pub name: String,
    pub applied: bool,
}

/// Applies every pending migration; returns the names applied, in order.
pub async fn run_pending(endpoint: &Endpoint) -> anyhow::Result<Vec<String>> {
    with_harness(endpoint, |conn| {
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(anyhow::Error::from_boxed)?;
        Ok(applied.iter().map(name_of).collect())
    })
    .await
}

/// Reverts the most recent migration; returns its name, or `None` when none is applied.
pub async fn revert_last(endpoint: &Endpoint) -> anyhow::Result<Option<String>> {
    with_harness(endpoint, revert_last_on).await
}

fn revert_last_on(conn: &mut SyncConnection) -> anyhow::Result<Option<String>> {
    let applied = conn
        .applied_migrations()
        .map_err(anyhow::Error::from_boxed)?;
    if applied.is_empty() {
        return Ok(None);
    }
    let version = conn
        .revert_last_migration(MIGRATIONS)
        .map_err(anyhow::Error::from_boxed)?;
    Ok(Some(name_of(&version)))
}

/// Reverts every applied migration, newest first; returns their names.
pub async fn revert_all(endpoint: &Endpoint) -> anyhow::Result<Vec<String>> {
    with_harness(endpoint, |conn| {
        let reverted = conn
            .revert_all_migrations(MIGRATIONS)
            .map_err(anyhow::Error::from_boxed)?;
        Ok(reverted.iter().map(name_of).collect())
    })
    .await
}

/// Reverts the most recent migration and applies it again; returns its name.
pub async fn redo_last(endpoint: &Endpoint) -> anyhow::Result<Option<String>> {
    with_harness(endpoint, |conn| {
        let Some(name) = revert_last_on(conn)? else {
            return Ok(None);
        };
        conn.run_next_migration(MIGRATIONS)
            .map_err(anyhow::Error::from_boxed)?;
        Ok(Some(name))
    })
    .await
}

/// Every embedded migration with whether it is applied, oldest first.
pub async fn status(endpoint: &Endpoint) -> anyhow::Result<Vec<MigrationStatus>> {
    with_harness(endpoint, |conn| {
        let applied: Vec<String> = conn
            .applied_migrations()
            .map_err(anyhow::Error::from_boxed)?
            .iter()
            .map(ToString::to_string)
            .collect();
        let mut migrations =
            MigrationSource::<Pg>::migrations(&MIGRATIONS).map_err(anyhow::Error::from_boxed)?;
        migrations.sort_by_key(|migration| migration.name().version().to_string());
        Ok(migrations
            .iter()
            .map(|migration| MigrationStatus {
                name: migration.name().to_string(),
                applied: applied.contains(&migration.name().version().to_string()),
            })
            .collect())
    })
    .await
}

/// The names of the embedded migrations the database does not have yet.
pub async fn pending(endpoint: &Endpoint) -> anyhow::Result<Vec<String>> {
    Ok(status(endpoint)
        .await?
        .into_iter()
        .filter(|migration| !migration.applied)
        .map(|migration| migration.name)
        .collect())
}

/// The directory name of the embedded migration with this version.
fn name_of(version: &diesel::migration::MigrationVersion<'_>) -> String {
    MigrationSource::<Pg>::migrations(&MIGRATIONS)
        .ok()
        .and_then(|migrations| {
            migrations
                .iter()
                .find(|migration| migration.name().version() == *version)
                .map(|migration| migration.name().to_string())
        })
        .unwrap_or_else(|| version.to_string())
}

async fn with_harness<T, F>(endpoint: &Endpoint, operation: F) -> anyhow::Result<T>
where
    F: FnOnce(&mut SyncConnection) -> anyhow::Result<T> + Send + 'static,
    T: Send + 'static,
{
    // Connected here, on the runtime; the harness then drives it from a blocking thread.
    let conn = endpoint.establish().await?;
    tokio::task::spawn_blocking(move || {
        let mut conn = SyncConnection::from(conn);
        operation(&mut conn)
    })
    .await?
}

//! The use cases: each loads through `db`, decides through `domain`, and writes in one
//! transaction together with its audit row.

pub mod attempts;
pub mod audit;
pub mod auth;
pub mod error;
pub mod staff;

pub use error::{ServiceError, ServiceResult};

use scoped_futures::ScopedBoxFuture;

use crate::db::{self, DbConn};
use crate::state::AppState;

/// Runs `body` in a serializable write transaction, retried on serialization failures (see
/// [`db::write_transaction`]), with the services' error type.
pub async fn transaction<'a, T, F>(state: &AppState, body: F) -> ServiceResult<T>
where
    F: for<'r> FnMut(&'r mut DbConn) -> ScopedBoxFuture<'a, 'r, ServiceResult<T>> + Send + 'a,
    T: Send + 'a,
{
    db::write_transaction(&state.db, body).await
}

/// Runs `body` in a READ COMMITTED transaction, for work that orders itself with row locks
/// (see [`db::Isolation::ReadCommitted`]); retried like [`transaction`].
pub async fn locking_transaction<'a, T, F>(state: &AppState, body: F) -> ServiceResult<T>
where
    F: for<'r> FnMut(&'r mut DbConn) -> ScopedBoxFuture<'a, 'r, ServiceResult<T>> + Send + 'a,
    T: Send + 'a,
{
    db::transaction(&state.db, db::Isolation::ReadCommitted, body).await
}

/// Where a request came from, for the audit trail and the login history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

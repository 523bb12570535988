//! The use cases: each loads through `db`, decides through `domain`, and writes in one
//! transaction together with its audit row.

pub mod assignments;
pub mod attempts;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod catalog;
pub mod charges;
pub mod documents;
pub mod error;
pub mod exports;
pub mod loans;
pub mod members;
pub mod notes;
pub mod printouts;
pub mod records;
pub mod repayments;
pub mod reports;
pub mod settings;
pub mod staff;
pub mod unions;
pub mod users;

pub use error::{ServiceError, ServiceResult};

use scoped_futures::ScopedBoxFuture;

use crate::db::{self, DbConn};
use crate::domain::permissions::{self, Actor};
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

/// Who acts and from where: what every use case on behalf of staff takes.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub meta: RequestMeta,
}

impl Caller {
    /// Whether deleted rows may be read: `includeDeleted` is for administrators.
    pub fn include_deleted(&self, requested: bool) -> ServiceResult<bool> {
        if requested {
            check(permissions::can_access_deleted(&self.actor), "Record")?;
        }
        Ok(requested)
    }

    pub fn scope(&self) -> permissions::Scope {
        permissions::scope(&self.actor)
    }
}

/// A permission decision as a service result; out of scope reads as "`what` not found."
pub fn check(decision: permissions::Decision, what: &str) -> ServiceResult<()> {
    decision.map_err(|denied| ServiceError::denied(denied, what))
}

/// A required text: trimmed, not blank.
pub fn required(field: &str, value: &str) -> ServiceResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        Err(ServiceError::bad_input(field, "This field is required."))
    } else {
        Ok(trimmed.to_owned())
    }
}

/// An optional text: trimmed, blank becomes absent.
pub fn optional(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

/// Where a request came from, for the audit trail and the login history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

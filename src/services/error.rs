//! The one error type of the use cases. Every variant maps to one client code in
//! `graphql::error`; database and pool failures are classified here on purpose.

use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::PoolError;

use crate::auth::passwords::{MAX_PASSWORD_BYTES, PasswordError};
use crate::db::Retryable;
use crate::db::constraints::{self, Violation};
use crate::domain::permissions::Denied;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No valid login, or credentials refused.
    #[error("{0}")]
    Unauthenticated(String),

    /// Too many failed logins: refused until `until`.
    #[error("Too many failed login attempts. Try again after the lock ends.")]
    AccountLocked { until: DateTime<Utc> },

    /// A visible object, but the actor lacks the right.
    #[error("{0}")]
    Forbidden(String),

    /// Missing, deleted, or outside the actor's scope.
    #[error("{0}")]
    NotFound(String),

    /// The input is wrong; `field` names the input field (camelCase).
    #[error("{message}")]
    BadInput { field: String, message: String },

    /// The change collides with the current state.
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },

    /// Serialization failures outlasted the retries.
    #[error("Too many simultaneous changes to the same records. Try again.")]
    Contention,

    /// The database cannot serve the request now.
    #[error("{0}")]
    Unavailable(String),

    /// Anything else: logged with the request id, never shown.
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            field: None,
            message: message.into(),
        }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }

    /// A permission refusal about `what` (e.g. "Loan"): out of scope reads as not found.
    pub fn denied(denied: Denied, what: &str) -> Self {
        match denied {
            Denied::NotVisible => Self::NotFound(format!("{what} not found.")),
            Denied::Forbidden(reason) => Self::Forbidden(reason.to_owned()),
        }
    }
}

const DATABASE_UNAVAILABLE: &str = "The database is unavailable right now. Try again in a moment.";

impl From<DieselError> for ServiceError {
    fn from(err: DieselError) -> Self {
        match &err {
            DieselError::NotFound => Self::NotFound("The record was not found.".into()),
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::Contention
            }
            DieselError::DatabaseError(_, info) if crate::db::connection_lost(&err) => {
                tracing::warn!(error = info.message(), "the database connection was lost");
                Self::Unavailable(DATABASE_UNAVAILABLE.into())
            }
            // A primary turned standby (a failover) refuses writes until the service reaches
            // the new primary.
            DieselError::DatabaseError(DatabaseErrorKind::ReadOnlyTransaction, info) => {
                tracing::warn!(error = info.message(), "the database refuses writes");
                Self::Unavailable(DATABASE_UNAVAILABLE.into())
            }
            DieselError::DatabaseError(kind, info) => {
                match info.constraint_name().and_then(constraints::describe) {
                    Some(Violation::Conflict { field, message }) => Self::Conflict {
                        field: field.map(str::to_owned),
                        message: message.into(),
                    },
                    Some(Violation::Invalid { field, message }) => Self::BadInput {
                        field: field.unwrap_or("input").to_owned(),
                        message: message.into(),
                    },
                    // PostgreSQL stores no NUL character (U+0000) in text: what it refuses
                    // is the caller's input, not a fault (found by tests/bench/fuzz.sh).
                    None if info
                        .message()
                        .starts_with("invalid byte sequence for encoding") =>
                    {
                        Self::BadInput {
                            field: "input".to_owned(),
                            message: "Text may not contain the NUL character (U+0000).".into(),
                        }
                    }
                    None if info.message().contains("statement timeout") => Self::Unavailable(
                        "The request took too long and was stopped. Narrow it and try again."
                            .into(),
                    ),
                    None if matches!(kind, DatabaseErrorKind::ForeignKeyViolation) => {
                        Self::conflict(
                            "A referenced record does not exist, or the record is still in use.",
                        )
                    }
                    None => Self::Internal(err.into()),
                }
            }
            _ => Self::Internal(err.into()),
        }
    }
}

impl From<PasswordError> for ServiceError {
    fn from(err: PasswordError) -> Self {
        match err {
            PasswordError::TooLong => Self::bad_input(
                "password",
                format!("A password is at most {MAX_PASSWORD_BYTES} bytes long."),
            ),
            PasswordError::Failed(_) => Self::internal(err),
        }
    }
}

impl From<PoolError> for ServiceError {
    fn from(err: PoolError) -> Self {
        if crate::db::pool_error_is_unavailability(&err) {
            tracing::warn!(error = %err, "no database connection");
            Self::Unavailable(DATABASE_UNAVAILABLE.into())
        } else {
            Self::Internal(anyhow::anyhow!("connection pool misconfigured: {err}"))
        }
    }
}

impl Retryable for ServiceError {
    fn is_serialization_failure(&self) -> bool {
        matches!(self, Self::Contention)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(kind: DatabaseErrorKind, message: &str) -> ServiceError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned())).into()
    }

    #[test]
    fn a_connection_the_database_ends_is_unavailability_not_a_fault() {
        for message in [
            "terminating connection due to administrator command",
            "terminating connection because of crash of another server process",
            "the database system is shutting down",
        ] {
            assert!(
                matches!(
                    database_error(DatabaseErrorKind::Unknown, message),
                    ServiceError::Unavailable(_)
                ),
                "{message}"
            );
        }
        assert!(matches!(
            database_error(
                DatabaseErrorKind::ReadOnlyTransaction,
                "cannot execute INSERT in a read-only transaction"
            ),
            ServiceError::Unavailable(_)
        ));
        assert!(matches!(
            database_error(DatabaseErrorKind::Unknown, "division by zero"),
            ServiceError::Internal(_)
        ));
    }
}

//! The error contract of SPEC 6: every error a client sees carries `extensions.code`.
//!
//! Resolvers return `async_graphql::Result` and use `?` on [`ServiceError`]s; async-graphql keeps
//! the original error as the `source` of its error, and [`finish_errors`] turns each one into
//! its code, a plain message, and (for bad input) the field. Errors raised by async-graphql
//! itself (syntax, validation, argument types, limits) are the client's mistakes. Anything else
//! is internal: it is logged with the request id and the client gets only a generic sentence
//! and that id. [`super::batch`], the one way the schema is run, applies this to every response.

use std::sync::Arc;

use async_graphql::{ErrorExtensionValues, ServerError, Value};

use crate::services::ServiceError;

/// The values of `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    MaintenanceMode,
    RateLimited,
    ServiceUnavailable,
    InternalServerError,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: [ErrorCode; 9] = [
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NotFound,
        Self::BadUserInput,
        Self::Conflict,
        Self::MaintenanceMode,
        Self::RateLimited,
        Self::ServiceUnavailable,
        Self::InternalServerError,
    ];

    /// The code written `code` in `extensions.code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|known| known.as_str() == code)
    }

    /// The code of an error as it will be answered (`None` for an error without one).
    pub fn of(error: &ServerError) -> Option<Self> {
        match error.extensions.as_ref()?.get("code")? {
            Value::String(code) => Self::from_code(code),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Conflict => "CONFLICT",
            Self::MaintenanceMode => "MAINTENANCE_MODE",
            Self::RateLimited => "RATE_LIMITED",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }
}

/// The message shown for internal errors.
pub const INTERNAL_MESSAGE: &str =
    "Something went wrong on our side. It has been logged; quote the request id if you report it.";

/// How a service error is presented to clients.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientError {
    pub code: ErrorCode,
    pub message: String,
    /// Extra extensions (`field`, `retryAfterSeconds`, …).
    pub extra: Vec<(&'static str, Value)>,
}

impl ClientError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            extra: Vec::new(),
        }
    }

    pub fn with(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.extra.push((key, value.into()));
        self
    }

    /// The error as a GraphQL `ServerError` (for responses built outside a resolver).
    pub fn into_server_error(self) -> ServerError {
        let mut error = ServerError::new(self.message, None);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", self.code.as_str());
        for (key, value) in self.extra {
            extensions.set(key, value);
        }
        error.extensions = Some(extensions);
        error
    }
}

/// The client-facing form of a service error. Internal errors lose their details here; the
/// caller logs them.
pub fn present(error: &ServiceError) -> ClientError {
    use ErrorCode::*;
    match error {
        ServiceError::Unauthenticated(message) => ClientError::new(Unauthenticated, message),
        ServiceError::AccountLocked { until } => ClientError::new(
            Unauthenticated,
            "Too many failed login attempts. The account is locked for 15 minutes; try again later.",
        )
        .with("reason", "ACCOUNT_LOCKED")
        .with("lockedUntil", until.to_rfc3339()),
        ServiceError::Forbidden(message) => ClientError::new(Forbidden, message),
        ServiceError::NotFound(message) => ClientError::new(NotFound, message),
        ServiceError::BadInput { field, message } => {
            ClientError::new(BadUserInput, message).with("field", field.as_str())
        }
        ServiceError::Conflict { field, message } => {
            let error = ClientError::new(Conflict, message);
            match field {
                Some(field) => error.with("field", field.as_str()),
                None => error,
            }
        }
        ServiceError::Contention => ClientError::new(Conflict, error.to_string()),
        ServiceError::Unavailable(message) => ClientError::new(ServiceUnavailable, message),
        ServiceError::Internal(_) => ClientError::new(InternalServerError, INTERNAL_MESSAGE),
    }
}

/// Gives every error of a response its code, hides internals, and logs internal errors.
pub fn finish_errors(errors: &mut [ServerError], request_id: Option<&str>) {
    for error in errors {
        finish_error(error, request_id);
    }
}

fn finish_error(error: &mut ServerError, request_id: Option<&str>) {
    let already_coded = error
        .extensions
        .as_ref()
        .is_some_and(|extensions| extensions.get("code").is_some());
    let service_error = error.source::<ServiceError>().or_else(|| {
        // Loaders share one error among the fields waiting for them.
        error
            .source::<Arc<ServiceError>>()
            .map(|shared| shared.as_ref())
    });
    let presented = match service_error {
        Some(service_error) => {
            if let ServiceError::Internal(internal) = service_error {
                tracing::error!(request_id, path = ?error.path, error = ?internal, "internal error");
            }
            Some(present(service_error))
        }
        None if already_coded => None,
        None if error.source.is_some() => {
            // An error our code raised without going through `ServiceError`.
            tracing::error!(request_id, path = ?error.path, message = %error.message, "unclassified error");
            Some(ClientError::new(
                ErrorCode::InternalServerError,
                INTERNAL_MESSAGE,
            ))
        }
        None => {
            // Raised by async-graphql: the request itself is wrong.
            let presented = ClientError::new(ErrorCode::BadUserInput, error.message.clone());
            Some(match argument_name(&error.message) {
                Some(field) => presented.with("field", field),
                None => presented,
            })
        }
    };
    if let Some(presented) = presented {
        let is_internal = presented.code == ErrorCode::InternalServerError;
        let rebuilt = presented.into_server_error();
        error.message = rebuilt.message;
        error.extensions = rebuilt.extensions;
        error.source = None;
        if let (true, Some(extensions), Some(id)) =
            (is_internal, error.extensions.as_mut(), request_id)
        {
            extensions.set("requestId", id);
        }
    }
}

/// The argument named in an async-graphql argument error, e.g. `email` in
/// `Invalid value for argument "email", expected type "String"`.
fn argument_name(message: &str) -> Option<String> {
    let rest = message.split_once("argument \"")?.1;
    let name = rest.split_once('"')?.0;
    Some(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn code_of(error: &ServerError) -> Option<String> {
        match error.extensions.as_ref()?.get("code")? {
            Value::String(code) => Some(code.clone()),
            _ => None,
        }
    }

    #[test]
    fn every_service_error_has_its_code() {
        let cases = [
            (ServiceError::Unauthenticated("x".into()), "UNAUTHENTICATED"),
            (
                ServiceError::AccountLocked { until: Utc::now() },
                "UNAUTHENTICATED",
            ),
            (ServiceError::Forbidden("x".into()), "FORBIDDEN"),
            (ServiceError::NotFound("x".into()), "NOT_FOUND"),
            (ServiceError::bad_input("email", "x"), "BAD_USER_INPUT"),
            (ServiceError::conflict("x"), "CONFLICT"),
            (ServiceError::Contention, "CONFLICT"),
            (ServiceError::Unavailable("x".into()), "SERVICE_UNAVAILABLE"),
            (
                ServiceError::internal(anyhow::anyhow!("boom")),
                "INTERNAL_SERVER_ERROR",
            ),
        ];
        for (service_error, code) in cases {
            assert_eq!(present(&service_error).code.as_str(), code);
        }
    }

    #[test]
    fn resolver_errors_are_finished_from_their_source() {
        let error: async_graphql::Error =
            ServiceError::bad_input("email", "Enter a valid email.").into();
        let mut server_error = error.into_server_error(async_graphql::Pos::default());
        finish_error(&mut server_error, Some("req-1"));
        assert_eq!(code_of(&server_error).as_deref(), Some("BAD_USER_INPUT"));
        assert_eq!(server_error.message, "Enter a valid email.");
        let field = server_error
            .extensions
            .as_ref()
            .and_then(|e| e.get("field"))
            .cloned();
        assert_eq!(field, Some(Value::String("email".into())));
    }

    #[test]
    fn errors_shared_by_a_loader_keep_their_code() {
        let shared = Arc::new(ServiceError::Unavailable(
            "The database is unavailable.".into(),
        ));
        let error = async_graphql::Error::from(shared);
        let mut server_error = error.into_server_error(async_graphql::Pos::default());
        finish_error(&mut server_error, None);
        assert_eq!(
            code_of(&server_error).as_deref(),
            Some("SERVICE_UNAVAILABLE")
        );
        assert_eq!(server_error.message, "The database is unavailable.");
    }

    #[test]
    fn internal_details_never_reach_the_client() {
        let error: async_graphql::Error = ServiceError::internal(anyhow::anyhow!(
            "duplicate key value violates unique constraint \"users_email_key\""
        ))
        .into();
        let mut server_error = error.into_server_error(async_graphql::Pos::default());
        finish_error(&mut server_error, Some("req-42"));
        assert_eq!(
            code_of(&server_error).as_deref(),
            Some("INTERNAL_SERVER_ERROR")
        );
        assert_eq!(server_error.message, INTERNAL_MESSAGE);
        assert!(!format!("{server_error:?}").contains("users_email_key"));
        let request_id = server_error
            .extensions
            .as_ref()
            .and_then(|e| e.get("requestId"))
            .cloned();
        assert_eq!(request_id, Some(Value::String("req-42".into())));
    }

    #[test]
    fn foreign_errors_with_a_source_are_internal() {
        let error: async_graphql::Error = std::io::Error::other("disk on fire at /var/lib").into();
        let mut server_error = error.into_server_error(async_graphql::Pos::default());
        finish_error(&mut server_error, None);
        assert_eq!(
            code_of(&server_error).as_deref(),
            Some("INTERNAL_SERVER_ERROR")
        );
        assert!(!server_error.message.contains("/var/lib"));
    }

    #[test]
    fn engine_errors_are_bad_input_naming_the_argument() {
        let mut server_error = ServerError::new(
            "Invalid value for argument \"email\", expected type \"String\"",
            None,
        );
        finish_error(&mut server_error, None);
        assert_eq!(code_of(&server_error).as_deref(), Some("BAD_USER_INPUT"));
        let field = server_error
            .extensions
            .as_ref()
            .and_then(|e| e.get("field"))
            .cloned();
        assert_eq!(field, Some(Value::String("email".into())));
    }
}

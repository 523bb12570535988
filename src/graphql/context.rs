//! What resolvers learn about their request: the state, the confirmed actor, and the request's
//! origin for the audit trail.

use async_graphql::Context;

use crate::domain::permissions::Actor;
use crate::services::{RequestMeta, ServiceError};
use crate::state::AppState;

/// The authenticated caller of a request, if any (absent for anonymous requests).
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestAuth(pub Option<Actor>);

/// Per-request data attached by the HTTP layer.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub meta: RequestMeta,
}

pub trait ContextExt {
    fn state(&self) -> &AppState;
    /// The caller, or `UNAUTHENTICATED`.
    fn actor(&self) -> Result<&Actor, ServiceError>;
    fn meta(&self) -> &RequestMeta;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        // Present on every schema built by `build_schema`.
        self.data_unchecked::<AppState>()
    }

    fn actor(&self) -> Result<&Actor, ServiceError> {
        self.data_opt::<RequestAuth>()
            .and_then(|auth| auth.0.as_ref())
            .ok_or_else(|| {
                ServiceError::Unauthenticated("You must be logged in to do this.".into())
            })
    }

    fn meta(&self) -> &RequestMeta {
        static EMPTY: RequestMeta = RequestMeta {
            request_id: None,
            ip_address: None,
            user_agent: None,
        };
        self.data_opt::<RequestContext>()
            .map_or(&EMPTY, |request| &request.meta)
    }
}

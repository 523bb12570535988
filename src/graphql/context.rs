//! The request context: everything a resolver learns about its request, in one value built by
//! [`RequestContext::new`] for each HTTP request (a batch shares one), and read back with one
//! call, [`ContextExt::request`], together with the request's dataloaders
//! ([`ContextExt::loaders`]), which every operation of a batch shares.

use std::sync::{Arc, OnceLock};

use async_graphql::Context;
use chrono::{DateTime, Utc};

use super::loaders::Loaders;
use crate::domain::permissions::Actor;
use crate::services::{Caller, RequestMeta, ServiceError};
use crate::state::AppState;

/// Who is asking, from where, and when.
#[derive(Clone, Default)]
pub struct RequestContext {
    actor: Option<Actor>,
    meta: RequestMeta,
    started_at: Option<DateTime<Utc>>,
    /// Built on first use; clones (one per operation of a batch) share them.
    loaders: Arc<OnceLock<Loaders>>,
}

impl std::fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestContext")
            .field("actor", &self.actor)
            .field("meta", &self.meta)
            .field("started_at", &self.started_at)
            .finish_non_exhaustive()
    }
}

impl RequestContext {
    /// The context of a request by `actor` (`None`: anonymous), started at `started_at` by the
    /// state's clock.
    pub fn new(actor: Option<Actor>, meta: RequestMeta, started_at: DateTime<Utc>) -> Self {
        Self {
            actor,
            meta,
            started_at: Some(started_at),
            loaders: Arc::default(),
        }
    }

    /// The caller of a use case: the confirmed actor and where the request came from.
    pub fn caller(&self) -> Result<Caller, ServiceError> {
        Ok(Caller {
            actor: *self.actor()?,
            meta: self.meta.clone(),
        })
    }

    /// The confirmed caller, or `UNAUTHENTICATED`.
    pub fn actor(&self) -> Result<&Actor, ServiceError> {
        self.actor.as_ref().ok_or_else(|| {
            ServiceError::Unauthenticated("You must be logged in to do this.".into())
        })
    }

    /// Whether a member of staff is logged in.
    pub fn is_authenticated(&self) -> bool {
        self.actor.is_some()
    }

    /// Request id, client address and user agent, for the audit trail and the login history.
    pub fn meta(&self) -> &RequestMeta {
        &self.meta
    }

    /// The request id, when the request has one.
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id.as_deref()
    }

    /// When the request started: one instant for everything a request computes "as of now".
    pub fn started_at(&self) -> Option<DateTime<Utc>> {
        self.started_at
    }
}

/// What resolvers take from the async-graphql context.
pub trait ContextExt {
    fn state(&self) -> &AppState;
    /// The request's context; an anonymous, empty one when the schema runs without any.
    fn request(&self) -> &RequestContext;
    /// The request's dataloaders, for the logged-in actor.
    fn loaders(&self) -> Result<&Loaders, ServiceError>;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        // Present on every schema built by `build_schemas`.
        self.data_unchecked::<AppState>()
    }

    fn request(&self) -> &RequestContext {
        static ANONYMOUS: OnceLock<RequestContext> = OnceLock::new();
        self.data_opt::<RequestContext>()
            .unwrap_or_else(|| ANONYMOUS.get_or_init(RequestContext::default))
    }

    fn loaders(&self) -> Result<&Loaders, ServiceError> {
        let request = self.request();
        if let Some(loaders) = request.loaders.get() {
            return Ok(loaders);
        }
        let caller = request.caller()?;
        Ok(request
            .loaders
            .get_or_init(|| Loaders::new(self.state(), caller)))
    }
}

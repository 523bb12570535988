//! The GraphQL API (SPEC 6): types, inputs and thin resolvers over `services`. The SDL is
//! committed as `schema.graphql` and checked by a test.

pub mod context;
pub mod error;
pub mod guards;
mod scalars;
mod types;

mod auth;

use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};

use crate::config::Limits;
use crate::state::AppState;

pub use context::{RequestAuth, RequestContext};

#[derive(MergedObject, Default)]
pub struct QueryRoot(auth::AuthQuery);

#[derive(MergedObject, Default)]
pub struct MutationRoot(auth::AuthMutation);

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// The schema with its limits, without data: for printing the SDL and for `build_schema`.
pub fn schema_builder(
    limits: &Limits,
) -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .limit_depth(limits.query_depth)
    .limit_complexity(limits.query_complexity)
}

/// The executable schemas, holding the application state: one for logged-in staff, and one for
/// anonymous callers that never suggests field names (introspection is refused per request).
#[derive(Clone)]
pub struct Schemas {
    pub staff: AppSchema,
    pub anonymous: AppSchema,
}

pub fn build_schemas(state: AppState) -> Schemas {
    let limits = state.config.limits;
    Schemas {
        staff: schema_builder(&limits).data(state.clone()).finish(),
        anonymous: schema_builder(&limits)
            .disable_suggestions()
            .data(state)
            .finish(),
    }
}

/// The SDL of the API, as committed in `schema.graphql`.
pub fn sdl() -> String {
    schema_builder(&Limits::default()).finish().sdl()
}

//! The GraphQL API (SPEC 6): types, inputs and thin resolvers over `services`, and the one path
//! that runs them ([`batch`]): bounded analysis first ([`analysis`]), then the schema, then the
//! coding of its errors ([`error::finish_errors`]). The SDL is committed as `schema.graphql` and
//! checked by a test.

pub mod aggregates;
pub mod analysis;
pub mod batch;
pub mod context;
pub mod error;
pub mod exports;
pub mod guards;
pub mod sensitive;

pub mod loaders;
pub mod pagination;
pub mod preload;

mod assignments;
mod audit;
mod auth;
mod backups;
mod catalog;
mod charges;
mod documents;
mod loans;
mod members;
mod notes;
mod repayments;
mod reports;
mod scalars;
mod settings;
mod types;
mod unions;
mod users;

use std::sync::Arc;

use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};

use crate::config::Limits;
use crate::state::AppState;

pub use batch::{Executed, Inspected, Outcome, inspect};
pub use context::{ContextExt, RequestContext};
pub use sensitive::SensitiveFields;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    auth::AuthQuery,
    users::UserQuery,
    unions::UnionQuery,
    members::UnionMemberQuery,
    assignments::AssignmentQuery,
    catalog::CatalogQuery,
    audit::RecordsQuery,
    notes::NoteQuery,
    settings::SettingsQuery,
    loans::LoanQuery,
    repayments::RepaymentQuery,
    backups::BackupQuery,
    reports::ReportQuery,
    documents::DocumentQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    auth::AuthMutation,
    users::UserMutation,
    unions::UnionMutation,
    members::UnionMemberMutation,
    catalog::CatalogMutation,
    notes::NoteMutation,
    settings::SettingsMutation,
    loans::LoanMutation,
    repayments::RepaymentMutation,
    charges::ChargeMutation,
    backups::BackupMutation,
    reports::ReportMutation,
    documents::DocumentMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// The schema with its limits, without data: for printing the SDL and for [`build_schemas`].
/// The depth limit is applied by [`analysis`], which counts introspection apart; complexity
/// stays with async-graphql, which is safe once the analysis has bounded the expanded size of
/// the document.
///
/// It has no schema extensions. async-graphql wraps every field of every answer in each
/// extension's resolve hook once there is any extension, even one that hooks only the request,
/// which cost an answer of a thousand objects a fifth of its time. What extensions would do —
/// the analysis, the error codes, handing the thread back — [`batch`] does around each
/// operation, and only it runs the schemas.
fn schema_builder(limits: &Limits) -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .limit_complexity(limits.query_complexity)
}

/// The executable schemas, holding the application state: one for logged-in staff, and one for
/// anonymous callers that never suggests field names (introspection is refused per request).
#[derive(Clone)]
pub struct Schemas {
    /// Private: [`batch::Inspected::execute`] is the one way to run them, so no operation skips
    /// the analysis, the error codes or the statement attribution.
    staff: AppSchema,
    anonymous: AppSchema,
    /// The fields marked `@sensitive`, read from the schema.
    pub sensitive: Arc<SensitiveFields>,
    /// The filters of the exportable lists, read from the schema.
    pub export_filters: Arc<exports::ExportFilters>,
}

pub fn build_schemas(state: AppState) -> Schemas {
    let limits = state.config.limits;
    let staff = schema_builder(&limits).data(state.clone()).finish();
    let sdl = staff.sdl();
    let sensitive = Arc::new(SensitiveFields::from_sdl(&sdl));
    let export_filters = Arc::new(exports::ExportFilters::from_sdl(&sdl));
    Schemas {
        staff,
        anonymous: schema_builder(&limits)
            .disable_suggestions()
            .data(state)
            .finish(),
        sensitive,
        export_filters,
    }
}

/// The SDL of the API, as committed in `schema.graphql`.
pub fn sdl() -> String {
    schema_builder(&Limits::default()).finish().sdl()
}

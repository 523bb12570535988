//! Every request measured for `/metrics` on its way out: its route pattern, status and time, the
//! SQL statements it sent — counted through the task-local [`Origin`] set here, which also names
//! the request in slow-statement logs — and what its handler reported in a [`Report`]: the
//! GraphQL operations it ran and the error codes it answered.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::client::REQUEST_ID_HEADER;
use crate::db::instrument::Origin;
use crate::graphql::Executed;
use crate::graphql::error::ErrorCode;
use crate::metrics::{self, Metrics};

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";
/// The code label of an error that has none (every error should have one).
const UNCODED: &str = "UNKNOWN";

/// What a handler tells the measurements about its answer, in the response's extensions.
#[derive(Debug, Clone, Default)]
pub struct Report {
    operations: Vec<OperationRecord>,
    errors: Vec<&'static str>,
}

#[derive(Debug, Clone)]
struct OperationRecord {
    name: Option<String>,
    outcome: &'static str,
    took: Duration,
}

impl Report {
    /// A request refused with one error coded `code`.
    pub fn refused(code: ErrorCode) -> Self {
        Self {
            operations: Vec::new(),
            errors: vec![code.as_str()],
        }
    }

    /// The operations of a GraphQL request: each one's name, outcome (`ok` or the code of its
    /// first error) and time, and every error's code.
    pub fn executed(executed: &Executed) -> Self {
        let mut report = Self::default();
        for outcome in &executed.outcomes {
            let codes: Vec<&'static str> = outcome
                .response
                .errors
                .iter()
                .map(|error| ErrorCode::of(error).map_or(UNCODED, ErrorCode::as_str))
                .collect();
            report.operations.push(OperationRecord {
                name: outcome.operation.clone(),
                outcome: codes.first().copied().unwrap_or(metrics::OK),
                took: outcome.took,
            });
            report.errors.extend(codes);
        }
        report
    }

    /// `response`, carrying this report.
    pub fn attach(self, mut response: Response) -> Response {
        response.extensions_mut().insert(self);
        response
    }
}

/// The middleware: attributes the request's statements to it and records it once answered.
pub async fn observe(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok());
    let origin = Origin::request(request_id);
    let started = Instant::now();
    let response = origin.clone().run(next.run(request)).await;
    metrics.http_request(
        &route,
        response.status().as_u16(),
        started.elapsed(),
        origin.statements(),
    );
    if let Some(report) = response.extensions().get::<Report>() {
        for operation in &report.operations {
            metrics.graphql_operation(operation.name.as_deref(), operation.outcome, operation.took);
        }
        for code in &report.errors {
            metrics.error(code);
        }
    }
    response
}

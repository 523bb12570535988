//! `POST /graphql` (one operation or a batch), `GET /graphql` (queries only) and `GET /graphiql`.
//!
//! Before executing, the handler checks what it can without a resolver: the batch size, that
//! GET carries no mutation, that `login`/`refreshSession` travel alone, and the bearer token —
//! a presented token that is not valid answers HTTP 401. Anonymous callers get no introspection
//! and no field suggestions.

use std::convert::Infallible;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{BatchRequest, BatchResponse, IntrospectionMode, ParseRequestError, Request};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::HttpState;
use super::client::{bearer_token, request_meta};
use crate::graphql::error::{ClientError, ErrorCode, finish_errors, present};
use crate::graphql::{RequestAuth, RequestContext};
use crate::services::RequestMeta;
use crate::services::auth::{self, AuthenticationError};

/// Mutations that open or renew a session: never batched, and they ignore a stale bearer token.
const SESSION_MUTATIONS: &[&str] = &["login", "refreshSession"];

pub async fn post_graphql(
    State(state): State<HttpState>,
    Client(meta): Client,
    headers: HeaderMap,
    request: GraphQLBatchRequest<BadRequest>,
) -> Response {
    execute(
        &state,
        meta,
        &headers,
        request.into_inner(),
        Transport::Post,
    )
    .await
}

pub async fn get_graphql(
    State(state): State<HttpState>,
    Client(meta): Client,
    headers: HeaderMap,
    request: GraphQLBatchRequest<BadRequest>,
) -> Response {
    execute(&state, meta, &headers, request.into_inner(), Transport::Get).await
}

pub async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Millennium — GraphiQL")
            .finish(),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Get,
    Post,
}

async fn execute(
    state: &HttpState,
    meta: RequestMeta,
    headers: &HeaderMap,
    mut batch: BatchRequest,
    transport: Transport,
) -> Response {
    let limits = state.app.config.limits;
    let requests: &mut [Request] = match &mut batch {
        BatchRequest::Single(request) => std::slice::from_mut(request),
        BatchRequest::Batch(requests) => requests,
    };
    if requests.is_empty() {
        return refuse(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "The batch holds no operation.",
        );
    }
    if requests.len() > limits.batch_size {
        let message = format!("A batch may hold at most {} operations.", limits.batch_size);
        return refuse(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, message);
    }
    let summaries: Vec<Option<OperationSummary>> = requests.iter_mut().map(summarize).collect();
    let has_mutation = summaries
        .iter()
        .flatten()
        .any(|summary| summary.kind == OperationType::Mutation);
    if transport == Transport::Get && has_mutation {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::BadUserInput,
            "Mutations must be sent with POST.",
        );
    }
    let opens_session = |summary: &Option<OperationSummary>| {
        summary.as_ref().is_some_and(|summary| {
            summary.kind == OperationType::Mutation
                && summary
                    .root_fields
                    .iter()
                    .any(|field| SESSION_MUTATIONS.contains(&field.as_str()))
        })
    };
    if requests.len() > 1 && summaries.iter().any(opens_session) {
        return refuse(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "login and refreshSession cannot be batched; send each on its own.",
        );
    }
    let session_only = summaries.iter().all(|summary| {
        opens_session(summary)
            && summary.as_ref().is_some_and(|summary| {
                summary
                    .root_fields
                    .iter()
                    .all(|field| SESSION_MUTATIONS.contains(&field.as_str()))
            })
    });

    let actor = if session_only {
        None
    } else {
        match bearer_token(headers) {
            None => None,
            Some(Err(())) => {
                return unauthorized("The Authorization header must be \"Bearer <token>\".");
            }
            Some(Ok(token)) => match auth::authenticate(&state.app, token).await {
                Ok(actor) => Some(actor),
                Err(AuthenticationError::Rejected(reason)) => {
                    tracing::debug!(reason, "bearer token rejected");
                    return unauthorized(
                        "The access token is invalid or has expired. Refresh the session or log in again.",
                    );
                }
                Err(AuthenticationError::Service(error)) => {
                    let presented = present(&error);
                    let status = match presented.code {
                        ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
                        _ => StatusCode::INTERNAL_SERVER_ERROR,
                    };
                    if presented.code == ErrorCode::InternalServerError {
                        tracing::error!(error = ?error, "authentication failed");
                    }
                    return error_response(status, presented);
                }
            },
        }
    };

    for request in requests.iter_mut() {
        if actor.is_none() {
            request.introspection_mode = IntrospectionMode::Disabled;
        }
        request.data.insert(RequestAuth(actor));
        request.data.insert(RequestContext { meta: meta.clone() });
    }
    let schema = if actor.is_some() {
        &state.schemas.staff
    } else {
        &state.schemas.anonymous
    };
    let mut response = schema.execute_batch(batch).await;
    let request_id = meta.request_id.as_deref();
    let responses = match &mut response {
        BatchResponse::Single(single) => std::slice::from_mut(single),
        BatchResponse::Batch(all) => all.as_mut_slice(),
    };
    for (single, summary) in responses.iter_mut().zip(&summaries) {
        finish_errors(&mut single.errors, request_id);
        if actor.is_none() && summary.as_ref().is_some_and(OperationSummary::introspects) {
            single.errors.push(
                ClientError::new(
                    ErrorCode::Unauthenticated,
                    "The schema is available to logged-in staff only. Log in and send the access token.",
                )
                .into_server_error(),
            );
        }
    }
    GraphQLResponse::from(response).into_response()
}

/// The kind and root fields of the operation a request will run.
#[derive(Debug)]
struct OperationSummary {
    kind: OperationType,
    root_fields: Vec<String>,
}

impl OperationSummary {
    /// Whether the operation reads the schema (`__schema` or `__type`).
    fn introspects(&self) -> bool {
        self.root_fields
            .iter()
            .any(|field| field == "__schema" || field == "__type")
    }
}

/// `None` when the request does not parse (execution then reports the syntax error).
fn summarize(request: &mut Request) -> Option<OperationSummary> {
    let operation_name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    let operation = match operation_name {
        Some(name) => {
            document
                .operations
                .iter()
                .find(|(op_name, _)| op_name.is_some_and(|op_name| op_name.as_str() == name))?
                .1
        }
        None => document.operations.iter().next()?.1,
    };
    let mut root_fields = Vec::new();
    collect_fields(
        document,
        &operation.node.selection_set.node,
        &mut root_fields,
        0,
    );
    Some(OperationSummary {
        kind: operation.node.ty,
        root_fields,
    })
}

fn collect_fields(
    document: &ExecutableDocument,
    selection_set: &SelectionSet,
    fields: &mut Vec<String>,
    depth: usize,
) {
    // Fragments cannot nest deeper than the document; the bound only guards against cycles,
    // which validation rejects anyway.
    if depth > 16 {
        return;
    }
    for selection in &selection_set.items {
        match &selection.node {
            Selection::Field(field) => fields.push(field.node.name.node.to_string()),
            Selection::InlineFragment(fragment) => {
                collect_fields(
                    document,
                    &fragment.node.selection_set.node,
                    fields,
                    depth + 1,
                );
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect_fields(
                        document,
                        &fragment.node.selection_set.node,
                        fields,
                        depth + 1,
                    );
                }
            }
        }
    }
}

fn error_response(status: StatusCode, error: ClientError) -> Response {
    let server_error = error.into_server_error();
    (status, Json(json!({ "errors": [server_error] }))).into_response()
}

fn refuse(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Response {
    error_response(status, ClientError::new(code, message))
}

fn unauthorized(message: &str) -> Response {
    let mut response = refuse(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
        message,
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

/// The caller's origin, read from the request head.
pub struct Client(pub RequestMeta);

impl FromRequestParts<HttpState> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &HttpState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(request_meta(
            &parts.headers,
            &parts.extensions,
            state.app.config.http.trust_proxy,
        )))
    }
}

/// A body that is not a GraphQL request: 400 (or 413) with a GraphQL-shaped error.
pub struct BadRequest(ParseRequestError);

impl From<ParseRequestError> for BadRequest {
    fn from(error: ParseRequestError) -> Self {
        Self(error)
    }
}

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        match self.0 {
            ParseRequestError::PayloadTooLarge => refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BadUserInput,
                "The request body is too large.",
            ),
            // The body limit, hit while streaming a body of undeclared length.
            ParseRequestError::Io(error) if error.to_string().contains("length limit exceeded") => {
                refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::BadUserInput,
                    "The request body is too large.",
                )
            }
            error => refuse(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                format!("The request is not a valid GraphQL request: {error}"),
            ),
        }
    }
}

//! One HTTP request's operations — a single one or a batch — from inspection to responses: the
//! one way the schema is run. [`inspect`] analyses every operation within one shared budget and
//! applies the rules that span the request (batch size, sensitive operations); the HTTP layer
//! then reads what it needs (is there a mutation, does it need the caller, which sensitive call
//! to rate-limit) and [`Inspected::execute`] runs what passed.
//!
//! Parsing, validating and running an operation is CPU work that never waits, so a request
//! would hold its worker thread from start to end while every other request — `/health`
//! included — queues behind it. Both steps hand the thread back before each operation, so that
//! a busy server shares its threads in slices of one operation (whose size the analysis
//! bounds). Running an operation also codes its errors ([`super::error::finish_errors`]).

use std::time::{Duration, Instant};

use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, IntrospectionMode, Request, Response, ServerError, Value};
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::analysis::{self, Analysis, Budget};
use super::error::{ClientError, ErrorCode, finish_errors};
use super::sensitive::{Account, SensitiveCall, SensitiveFields};
use super::{RequestContext, Schemas};
use crate::config::Limits;
use crate::db::instrument::Origin;

/// A request's operations, analysed.
#[derive(Debug)]
pub struct Inspected {
    entries: Vec<Entry>,
    batched: bool,
    sensitive: Option<SensitiveCall>,
}

#[derive(Debug)]
enum Entry {
    Ready {
        request: Box<Request>,
        analysis: Analysis,
    },
    /// Refused before execution: a request error (parse, budget, operation, variables), with
    /// the `operationName` the client gave.
    Refused {
        error: ServerError,
        operation: Option<String>,
    },
}

/// Analyses every operation of `batch` within one budget. A refusal of the whole request (an
/// empty or oversized batch, a sensitive operation that is not alone) is an error; a refusal
/// of one operation is kept as that operation's response.
pub async fn inspect(
    batch: BatchRequest,
    limits: &Limits,
    sensitive_fields: &SensitiveFields,
) -> Result<Inspected, ClientError> {
    let (requests, batched) = match batch {
        BatchRequest::Single(request) => (vec![request], false),
        BatchRequest::Batch(requests) => (requests, true),
    };
    if requests.is_empty() {
        return Err(ClientError::new(
            ErrorCode::BadUserInput,
            "The batch holds no operation.",
        ));
    }
    if requests.len() > limits.batch_size {
        return Err(ClientError::new(
            ErrorCode::BadUserInput,
            format!("A batch may hold at most {} operations.", limits.batch_size),
        ));
    }
    let mut budget = Budget::new(limits);
    let mut entries = Vec::with_capacity(requests.len());
    for mut request in requests {
        tokio::task::yield_now().await;
        entries.push(match analysis::analyze(&mut request, &budget) {
            Ok(analysis) => {
                budget.spend(&analysis);
                Entry::Ready {
                    request: Box::new(request),
                    analysis,
                }
            }
            Err(error) => Entry::Refused {
                error,
                operation: request.operation_name.clone(),
            },
        });
    }
    let sensitive = sensitive_call(&entries, sensitive_fields)?;
    Ok(Inspected {
        entries,
        batched,
        sensitive,
    })
}

/// The request's sensitive call, if it makes one; refused unless it is the only field of the
/// only operation.
fn sensitive_call(
    entries: &[Entry],
    fields: &SensitiveFields,
) -> Result<Option<SensitiveCall>, ClientError> {
    let mut calls = entries.iter().flat_map(|entry| match entry {
        Entry::Ready { analysis, .. } if analysis.operation.kind == OperationType::Mutation => {
            analysis
                .operation
                .root_fields
                .iter()
                .filter_map(|field| fields.call(field))
                .collect()
        }
        _ => Vec::new(),
    });
    let Some(call) = calls.next() else {
        return Ok(None);
    };
    let alone = calls.next().is_none()
        && entries.len() == 1
        && entries.iter().all(|entry| match entry {
            Entry::Ready { analysis, .. } => analysis.operation.root_fields.len() == 1,
            Entry::Refused { .. } => false,
        });
    if alone {
        Ok(Some(call))
    } else {
        Err(ClientError::new(
            ErrorCode::BadUserInput,
            format!(
                "{} must be sent once and on its own: one request holding one operation with \
                 that single field (no aliases, no other fields, no batch).",
                call.field
            ),
        ))
    }
}

impl Inspected {
    /// Whether any operation is a mutation (refused over GET).
    pub fn has_mutation(&self) -> bool {
        self.entries.iter().any(|entry| {
            matches!(entry, Entry::Ready { analysis, .. } if analysis.operation.kind == OperationType::Mutation)
        })
    }

    /// The names of the root fields of the request's mutations.
    pub fn mutation_fields(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().flat_map(|entry| match entry {
            Entry::Ready { analysis, .. } if analysis.operation.kind == OperationType::Mutation => {
                analysis
                    .operation
                    .root_fields
                    .iter()
                    .map(|field| field.name.as_str())
                    .collect()
            }
            _ => Vec::new(),
        })
    }

    /// The request's sensitive call, for its rate limit.
    pub fn sensitive(&self) -> Option<&SensitiveCall> {
        self.sensitive.as_ref()
    }

    /// Whether the caller's bearer token matters. A request that only makes a sensitive call
    /// about a named account (`login`, `refreshSession`) ignores it, so that a stale token
    /// left in a client's headers does not stop anybody from logging in again.
    pub fn uses_bearer_token(&self) -> bool {
        !matches!(
            self.sensitive,
            Some(SensitiveCall {
                account: Account::Named(_),
                ..
            })
        )
    }

    /// Runs every operation that passed inspection, in order, with `context`; anonymous callers
    /// get neither introspection nor field suggestions. The statements of each operation are
    /// attributed to it (see [`crate::db::instrument`]).
    pub async fn execute(self, schemas: &Schemas, context: RequestContext) -> Executed {
        let authenticated = context.is_authenticated();
        let schema = if authenticated {
            &schemas.staff
        } else {
            &schemas.anonymous
        };
        let mut outcomes = Vec::with_capacity(self.entries.len());
        for entry in self.entries {
            outcomes.push(match entry {
                Entry::Refused { error, operation } => Outcome::request_error(error, operation),
                Entry::Ready { analysis, .. }
                    if !authenticated && analysis.operation.introspects() =>
                {
                    Outcome::request_error(
                        ClientError::new(
                            ErrorCode::Unauthenticated,
                            "The schema is available to logged-in staff only. Log in and send \
                             the access token.",
                        )
                        .into_server_error(),
                        analysis.operation.name,
                    )
                }
                Entry::Ready { request, analysis } => {
                    let mut request = *request;
                    request.introspection_mode = if authenticated {
                        IntrospectionMode::Enabled
                    } else {
                        IntrospectionMode::Disabled
                    };
                    request.data.insert(context.clone());
                    let name = analysis.operation.name;
                    tokio::task::yield_now().await;
                    let started = Instant::now();
                    let mut response = match Origin::current() {
                        Some(origin) => {
                            origin
                                .operation(name.as_deref())
                                .run(schema.execute(request))
                                .await
                        }
                        None => schema.execute(request).await,
                    };
                    finish_errors(&mut response.errors, context.request_id());
                    Outcome::new(response, name, started.elapsed())
                }
            });
        }
        Executed {
            outcomes,
            batched: self.batched,
        }
    }
}

/// The responses of a request, in the order of its operations.
#[derive(Debug)]
pub struct Executed {
    pub outcomes: Vec<Outcome>,
    /// Whether the request was a batch (answered with an array).
    pub batched: bool,
}

/// The response to one operation.
#[derive(Debug)]
pub struct Outcome {
    pub response: Response,
    /// Refused before execution began (syntax, validation, budget, variables): a GraphQL
    /// "request error", whose response has no `data` entry.
    pub request_error: bool,
    /// The operation's name, as the document or the client gave it (`None`: anonymous).
    pub operation: Option<String>,
    /// How long it ran (zero when refused before execution).
    pub took: Duration,
}

impl Outcome {
    fn request_error(error: ServerError, operation: Option<String>) -> Self {
        Self {
            response: Response::from_errors(vec![error]),
            request_error: true,
            operation,
            took: Duration::ZERO,
        }
    }

    /// The response of an operation that was run. One that has no data and only errors
    /// without a path was refused before execution: async-graphql reports parse and validation
    /// errors (variables included) so.
    fn new(response: Response, operation: Option<String>, took: Duration) -> Self {
        let request_error = response.data == Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|error| error.path.is_empty());
        Self {
            response,
            request_error,
            operation,
            took,
        }
    }
}

/// The response, without `data` for a request error. Written straight from async-graphql's
/// values, with no JSON tree in between.
impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.request_error {
            return self.response.serialize(serializer);
        }
        let extensions = &self.response.extensions;
        let mut refused = serializer.serialize_map(None)?;
        if !extensions.is_empty() {
            refused.serialize_entry("extensions", extensions)?;
        }
        refused.serialize_entry("errors", &self.response.errors)?;
        refused.end()
    }
}

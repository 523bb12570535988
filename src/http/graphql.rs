//! `POST /graphql` (one operation or a batch) and `GET /graphql` (queries only), following the
//! GraphQL-over-HTTP specification: JSON bodies (`application/json`, else 415) or, for uploads,
//! GraphQL multipart requests (`multipart/form-data`, see [`super::multipart`]), the
//! response type chosen from `Accept`, and with `application/graphql-response+json` a request
//! refused before execution answered 400. Everything else is HTTP only: the body limit, the
//! bearer token (a presented token that is not valid answers 401), maintenance mode (503), the
//! sensitive rate limit;
//! what a request may ask is decided by `graphql::inspect`, and `graphql` runs it.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::HttpState;
use super::client::{self, bearer_token, request_meta};
use super::edge::too_many_requests;
use super::multipart;
use super::observe::Report;
use crate::domain::permissions::Actor;
use crate::domain::settings::OPEN_DURING_MAINTENANCE;
use crate::graphql::error::{ClientError, ErrorCode, present};
use crate::graphql::sensitive::Account;
use crate::graphql::{Executed, Inspected, RequestContext};
use crate::services::auth::{self, AuthenticationError};
use crate::services::settings;

/// The media type of GraphQL-over-HTTP responses.
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

pub async fn post_graphql(State(state): State<HttpState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let format = ResponseFormat::negotiate(&parts.headers);
    if multipart::is_multipart(&parts.headers) {
        return post_multipart(&state, &parts, body, format).await;
    }
    if let Err(refusal) = check_content_type(&parts.headers) {
        return format.refusal(StatusCode::UNSUPPORTED_MEDIA_TYPE, refusal);
    }
    let limit = state.app.config.limits.body_bytes;
    let body = match read_body(body, &parts.headers, limit).await {
        Ok(body) => body,
        Err((status, error)) => return format.refusal(status, error),
    };
    let batch = match serde_json::from_slice::<async_graphql::BatchRequest>(&body) {
        Ok(batch) => batch,
        Err(error) => {
            return format.refusal(
                StatusCode::BAD_REQUEST,
                ClientError::new(
                    ErrorCode::BadUserInput,
                    format!("The body is not a GraphQL request: {error}"),
                ),
            );
        }
    };
    if let Err((status, error)) = multipart::refuse_file_markers(&batch) {
        return format.refusal(status, error);
    }
    execute(&state, &parts, format, batch, Transport::Post, None).await
}

/// A multipart request (uploads): for logged-in staff only, so the token is checked before the
/// body is read.
async fn post_multipart(
    state: &HttpState,
    parts: &axum::http::request::Parts,
    body: Body,
    format: ResponseFormat,
) -> Response {
    let actor = match authenticate(state, &parts.headers, format).await {
        Ok(Some(actor)) => actor,
        Ok(None) => {
            return unauthorized(
                format,
                "Uploads are for logged-in staff: send the access token as \"Bearer <token>\".",
            );
        }
        Err(response) => return response,
    };
    match multipart::read_batch(body, &parts.headers, &state.app.config.limits).await {
        Ok(batch) => execute(state, parts, format, batch, Transport::Post, Some(actor)).await,
        Err((status, error)) => format.refusal(status, error),
    }
}

pub async fn get_graphql(State(state): State<HttpState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let format = ResponseFormat::negotiate(&parts.headers);
    let query = parts.uri.query().unwrap_or_default();
    match async_graphql::http::parse_query_string(query) {
        Ok(single) => {
            let batch = async_graphql::BatchRequest::Single(single);
            if let Err((status, error)) = multipart::refuse_file_markers(&batch) {
                return format.refusal(status, error);
            }
            execute(&state, &parts, format, batch, Transport::Get, None).await
        }
        Err(error) => format.refusal(
            StatusCode::BAD_REQUEST,
            ClientError::new(
                ErrorCode::BadUserInput,
                format!("The query string is not a GraphQL request: {error}"),
            ),
        ),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Get,
    Post,
}

async fn execute(
    state: &HttpState,
    parts: &axum::http::request::Parts,
    format: ResponseFormat,
    batch: async_graphql::BatchRequest,
    transport: Transport,
    authenticated: Option<Actor>,
) -> Response {
    let app = &state.app;
    let inspected =
        match crate::graphql::inspect(batch, &app.config.limits, &state.schemas.sensitive).await {
            Ok(inspected) => inspected,
            Err(refusal) => return format.refusal(StatusCode::BAD_REQUEST, refusal),
        };
    if transport == Transport::Get && inspected.has_mutation() {
        let mut response = format.refusal(
            StatusCode::METHOD_NOT_ALLOWED,
            ClientError::new(ErrorCode::BadUserInput, "Mutations must be sent with POST."),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let actor = if authenticated.is_some() {
        authenticated
    } else if inspected.uses_bearer_token() {
        match authenticate(state, &parts.headers, format).await {
            Ok(actor) => actor,
            Err(response) => return response,
        }
    } else {
        None
    };
    if let Some(response) = refuse_in_maintenance(state, &inspected, actor.as_ref(), format).await {
        return response;
    }
    if let Some(response) = limit_sensitive(state, parts, &inspected, actor.as_ref()) {
        return response;
    }
    let meta = request_meta(&parts.headers, &parts.extensions, &app.config.http);
    let context = RequestContext::new(actor, meta, app.clock.now());
    let executed = inspected.execute(&state.schemas, context).await;
    Report::executed(&executed).attach(format.render(&executed))
}

/// In maintenance mode, a request holding a mutation by anybody but an administrator is refused
/// with 503 — except `login`, `refreshSession` and `logout`, which stay open to everybody.
async fn refuse_in_maintenance(
    state: &HttpState,
    inspected: &Inspected,
    actor: Option<&Actor>,
    format: ResponseFormat,
) -> Option<Response> {
    if actor.is_some_and(Actor::is_admin) {
        return None;
    }
    let mut fields = inspected.mutation_fields().peekable();
    fields.peek()?;
    if fields.all(|field| OPEN_DURING_MAINTENANCE.contains(&field)) {
        return None;
    }
    let (on, message) = match settings::maintenance(&state.app).await {
        Ok(maintenance) => maintenance,
        Err(error) => {
            tracing::warn!(error = %error, "could not read maintenance mode");
            return Some(format.refusal(StatusCode::SERVICE_UNAVAILABLE, present(&error)));
        }
    };
    if !on {
        return None;
    }
    let message = message.unwrap_or_else(|| {
        "The loan book is under maintenance: changes are paused; reading still works. Try again          later."
            .into()
    });
    Some(format.refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        ClientError::new(ErrorCode::MaintenanceMode, message),
    ))
}

/// The caller of the bearer token, `None` without one; a token that is not valid is refused.
async fn authenticate(
    state: &HttpState,
    headers: &HeaderMap,
    format: ResponseFormat,
) -> Result<Option<Actor>, Response> {
    let token = match bearer_token(headers) {
        None => return Ok(None),
        Some(Err(())) => {
            return Err(unauthorized(
                format,
                "The Authorization header must be \"Bearer <token>\".",
            ));
        }
        Some(Ok(token)) => token,
    };
    match auth::authenticate(&state.app, token).await {
        Ok(actor) => Ok(Some(actor)),
        Err(AuthenticationError::Rejected(reason)) => {
            tracing::debug!(reason, "bearer token rejected");
            Err(unauthorized(
                format,
                "The access token is invalid or has expired. Refresh the session or log in again.",
            ))
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
            Err(format.refusal(status, presented))
        }
    }
}

/// Counts a sensitive call against its address's and account's budgets; over either, the 429
/// to answer.
fn limit_sensitive(
    state: &HttpState,
    parts: &axum::http::request::Parts,
    inspected: &Inspected,
    actor: Option<&Actor>,
) -> Option<Response> {
    let call = inspected.sensitive()?;
    let address = client::client_address(&parts.headers, &parts.extensions, &state.app.config.http);
    let account = match (&call.account, actor) {
        (Account::Named(name), _) => format!("{}:{name}", call.field),
        (Account::Caller, Some(actor)) => format!("user:{}", actor.user_id),
        (Account::Caller, None) => "anonymous".to_owned(),
    };
    state
        .throttle
        .check_sensitive(client::rate_limit_key(address), &account)
        .err()
        .map(|retry| too_many_requests(retry, address))
}

fn unauthorized(format: ResponseFormat, message: &str) -> Response {
    let mut response = format.refusal(
        StatusCode::UNAUTHORIZED,
        ClientError::new(ErrorCode::Unauthenticated, message),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

/// A POST must carry `application/json` (with any `charset`).
fn check_content_type(headers: &HeaderMap) -> Result<(), ClientError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    match content_type.as_deref() {
        Some("application/json") => Ok(()),
        Some(other) => Err(ClientError::new(
            ErrorCode::BadUserInput,
            format!("Send the request as application/json, not {other}."),
        )),
        None => Err(ClientError::new(
            ErrorCode::BadUserInput,
            "Send the request as application/json: the Content-Type header is missing.",
        )),
    }
}

/// The body, read up to `limit` bytes; a declared length over the limit is refused unread.
async fn read_body(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Bytes, (StatusCode, ClientError)> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            ClientError::new(
                ErrorCode::BadUserInput,
                format!("The request body is too large: the limit is {limit} bytes."),
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        if std::error::Error::source(&error)
            .is_some_and(|source| source.is::<http_body_util::LengthLimitError>())
        {
            too_large()
        } else {
            (
                StatusCode::BAD_REQUEST,
                ClientError::new(
                    ErrorCode::BadUserInput,
                    "The request body could not be read.",
                ),
            )
        }
    })
}

/// A quality value (`0`, `0.5`, `1.000`, …) in thousandths.
fn quality_thousandths(q: &str) -> Option<u16> {
    let (whole, fraction) = q.split_once('.').unwrap_or((q, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = whole.parse().ok()?;
    let fraction: u16 = format!("{fraction:0<3}").parse().ok()?;
    let value = whole.checked_mul(1000)?.checked_add(fraction)?;
    (value <= 1000).then_some(value)
}

/// The response's media type, from the `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseFormat {
    /// `application/json`: every well-formed GraphQL request is answered 200.
    Json,
    /// `application/graphql-response+json`: a request error is answered 400.
    GraphqlResponse,
}

impl ResponseFormat {
    /// `application/graphql-response+json` when the client accepts it at least as much as
    /// `application/json`; `application/json` otherwise, also without an `Accept` header (and
    /// for clients that accept neither, rather than 406).
    fn negotiate(headers: &HeaderMap) -> Self {
        // Qualities in thousandths, as RFC 9110 writes them (at most three decimals).
        let mut graphql_response = 0_u16;
        let mut json = 0_u16;
        for range in headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
        {
            let mut pieces = range.split(';');
            let media = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let quality = pieces
                .filter_map(|parameter| parameter.trim().strip_prefix("q="))
                .find_map(|q| quality_thousandths(q.trim()))
                .unwrap_or(1000);
            match media.as_str() {
                GRAPHQL_RESPONSE_JSON => graphql_response = graphql_response.max(quality),
                "application/json" | "application/*" | "*/*" => json = json.max(quality),
                _ => {}
            }
        }
        if graphql_response > 0 && graphql_response >= json {
            Self::GraphqlResponse
        } else {
            Self::Json
        }
    }

    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::Json => "application/json; charset=utf-8",
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        })
    }

    fn respond(self, status: StatusCode, body: &impl Serialize) -> Response {
        // Serialising values that came out of the schema cannot fail: their map keys are strings.
        let body = serde_json::to_vec(body).unwrap_or_default();
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, self.content_type());
        response
    }

    /// A request refused before any operation ran.
    fn refusal(self, status: StatusCode, error: ClientError) -> Response {
        let report = Report::refused(error.code);
        report.attach(self.respond(status, &json!({ "errors": [error.into_server_error()] })))
    }

    /// The responses of the operations: one object, or an array for a batch. With
    /// `application/graphql-response+json`, a single operation refused before execution is
    /// answered 400; everything else is 200.
    fn render(self, executed: &Executed) -> Response {
        let status = match (self, executed.batched, executed.outcomes.as_slice()) {
            (Self::GraphqlResponse, false, [outcome]) if outcome.request_error => {
                StatusCode::BAD_REQUEST
            }
            _ => StatusCode::OK,
        };
        match executed.outcomes.as_slice() {
            [outcome] if !executed.batched => self.respond(status, outcome),
            outcomes => self.respond(status, &outcomes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> ResponseFormat {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(value).expect("header"),
        );
        ResponseFormat::negotiate(&headers)
    }

    #[test]
    fn the_response_type_follows_accept() {
        assert_eq!(
            ResponseFormat::negotiate(&HeaderMap::new()),
            ResponseFormat::Json
        );
        assert_eq!(accept("application/json"), ResponseFormat::Json);
        assert_eq!(
            accept(GRAPHQL_RESPONSE_JSON),
            ResponseFormat::GraphqlResponse
        );
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            ResponseFormat::GraphqlResponse
        );
        assert_eq!(
            accept("application/json, application/graphql-response+json;q=0.5"),
            ResponseFormat::Json
        );
        assert_eq!(accept("*/*"), ResponseFormat::Json);
        assert_eq!(accept("text/html"), ResponseFormat::Json);
        assert_eq!(
            accept("application/graphql-response+json;q=0"),
            ResponseFormat::Json
        );
    }

    #[test]
    fn qualities_are_read_without_floating_point() {
        assert_eq!(quality_thousandths("1"), Some(1000));
        assert_eq!(quality_thousandths("0.9"), Some(900));
        assert_eq!(quality_thousandths("0.125"), Some(125));
        assert_eq!(quality_thousandths("0"), Some(0));
        assert_eq!(quality_thousandths("1.5"), None);
        assert_eq!(quality_thousandths("0.1234"), None);
        assert_eq!(quality_thousandths("x"), None);
    }

    #[test]
    fn only_json_bodies_are_accepted() {
        let mut headers = HeaderMap::new();
        assert!(check_content_type(&headers).is_err());
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert!(check_content_type(&headers).is_ok());
        for other in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/graphql",
        ] {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(other));
            assert!(check_content_type(&headers).is_err(), "{other}");
        }
    }
}

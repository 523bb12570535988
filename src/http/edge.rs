//! What every request passes through on its way in and out: a client request id kept only when
//! it is short and plain, the general rate limit, a time limit, a panic turned into a 500, and
//! the error body these refusals share with GraphQL.

use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use serde_json::json;

use super::HttpState;
use super::client::{self, REQUEST_ID_HEADER};
use super::observe::Report;
use super::rate_limit::RetryAfter;
use crate::graphql::error::{ClientError, ErrorCode, INTERNAL_MESSAGE};

/// Removes a client `X-Request-Id` that is too long or not plain, so that a fresh one is made
/// (and nothing odd reaches the logs or the audit trail).
pub async fn sanitize_request_id(mut request: Request, next: Next) -> Response {
    let name = HeaderName::from_static(REQUEST_ID_HEADER);
    let acceptable = request
        .headers()
        .get_all(&name)
        .iter()
        .map(|value| client::is_acceptable_request_id(value.as_bytes()))
        .collect::<Vec<_>>();
    if acceptable != [true] {
        request.headers_mut().remove(&name);
    }
    next.run(request).await
}

/// Answers a request that takes longer than the configured time with 503, and a handler that
/// panics with 500, both with the usual error body and the request id.
pub async fn guard(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let run = AssertUnwindSafe(next.run(request)).catch_unwind();
    match tokio::time::timeout(limit, run).await {
        Ok(Ok(response)) => response,
        Ok(Err(panic)) => {
            let cause = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(request_id, cause, "a request handler panicked");
            let error = ClientError::new(ErrorCode::InternalServerError, INTERNAL_MESSAGE);
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                with_request_id(error, request_id.as_deref()),
            )
        }
        Err(_elapsed) => {
            tracing::warn!(request_id, limit = ?limit, "a request ran out of time");
            error_response(StatusCode::SERVICE_UNAVAILABLE, timed_out(limit))
        }
    }
}

fn timed_out(limit: Duration) -> ClientError {
    ClientError::new(
        ErrorCode::ServiceUnavailable,
        format!(
            "The request took longer than {} ms and was stopped. Try again, or ask for less.",
            limit.as_millis()
        ),
    )
}

fn with_request_id(error: ClientError, request_id: Option<&str>) -> ClientError {
    match request_id {
        Some(id) => error.with("requestId", id),
        None => error,
    }
}

/// Counts the request against its address's general budget (SPEC 7); over it, 429.
pub async fn rate_limit(State(state): State<HttpState>, request: Request, next: Next) -> Response {
    let address = client::client_address(
        request.headers(),
        request.extensions(),
        &state.app.config.http,
    );
    match state
        .throttle
        .check_request(client::rate_limit_key(address))
    {
        Ok(()) => next.run(request).await,
        Err(retry) => too_many_requests(retry, address),
    }
}

/// 429 with `Retry-After` and the error body.
pub fn too_many_requests(retry: RetryAfter, address: Option<IpAddr>) -> Response {
    let seconds = retry.seconds();
    tracing::info!(?address, seconds, "rate limited");
    let error = ClientError::new(
        ErrorCode::RateLimited,
        format!("Too many requests. Try again in {seconds} seconds."),
    )
    .with("retryAfterSeconds", seconds);
    let mut response = error_response(StatusCode::TOO_MANY_REQUESTS, error);
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// A GraphQL-shaped error body (`{"errors":[…]}`) as `application/json`, reported to the
/// metrics.
pub fn error_response(status: StatusCode, error: ClientError) -> Response {
    let report = Report::refused(error.code);
    report.attach(
        (
            status,
            Json(json!({ "errors": [error.into_server_error()] })),
        )
            .into_response(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[test]
    fn a_timeout_says_how_long_was_allowed() {
        let error = timed_out(Duration::from_millis(250));
        assert_eq!(error.code, ErrorCode::ServiceUnavailable);
        assert!(error.message.contains("250 ms"), "{}", error.message);
    }

    async fn call(path: &str) -> (StatusCode, serde_json::Value) {
        async fn boom() -> &'static str {
            panic!("a bug in a handler")
        }
        let router = Router::new()
            .route("/boom", get(boom))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .layer(axum::middleware::from_fn_with_state(
                Duration::from_millis(50),
                guard,
            ));
        let request = axum::http::Request::get(path)
            .header(REQUEST_ID_HEADER, "req-7")
            .body(Body::empty())
            .expect("request");
        let response = router.oneshot(request).await.expect("infallible");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, serde_json::from_slice(&bytes).expect("JSON body"))
    }

    #[tokio::test]
    async fn a_panic_is_a_500_in_the_usual_shape() {
        let (status, body) = call("/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR");
        assert_eq!(error["extensions"]["requestId"], "req-7");
        assert!(!error.to_string().contains("a bug in a handler"), "{error}");
    }

    #[tokio::test]
    async fn a_slow_request_is_a_503_in_the_usual_shape() {
        let (status, body) = call("/slow").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "SERVICE_UNAVAILABLE"
        );
    }
}

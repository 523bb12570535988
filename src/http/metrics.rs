//! `GET /metrics`: the Prometheus text of [`crate::metrics`], with the pool sampled at the
//! scrape. With `METRICS_TOKEN` set, only `Authorization: Bearer <METRICS_TOKEN>` gets it (401
//! otherwise, from anywhere); without one, only a client on this machine that came through no
//! proxy does (403 otherwise). Exempt from the rate limit, like `/health`.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::HttpState;
use super::client::{self, bearer_token};
use super::edge::error_response;
use crate::config::HttpConfig;
use crate::graphql::error::{ClientError, ErrorCode};
use crate::metrics::{self, PoolSample};

pub async fn metrics(State(state): State<HttpState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    if let Some(refusal) = refusal(&parts, &state.app.config.http) {
        return refusal;
    }
    let text = state
        .app
        .metrics
        .render(PoolSample::from(state.app.db.status()));
    (
        [
            (header::CONTENT_TYPE, metrics::CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

/// The answer to a caller who may not read the metrics; `None` for one who may.
fn refusal(parts: &axum::http::request::Parts, config: &HttpConfig) -> Option<Response> {
    let Some(expected) = &config.metrics_token else {
        if client::is_local(&parts.headers, &parts.extensions, config) {
            return None;
        }
        return Some(error_response(
            StatusCode::FORBIDDEN,
            ClientError::new(
                ErrorCode::Forbidden,
                "Metrics are served to this machine only; set METRICS_TOKEN to scrape them from \
                 elsewhere.",
            ),
        ));
    };
    match bearer_token(&parts.headers) {
        Some(Ok(token)) if same_secret(token, expected.expose()) => None,
        None => Some(unauthorized(
            "Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.",
            "Bearer realm=\"metrics\"",
        )),
        Some(_) => Some(unauthorized(
            "The metrics token is not valid.",
            "Bearer realm=\"metrics\", error=\"invalid_token\"",
        )),
    }
}

fn unauthorized(message: &str, challenge: &'static str) -> Response {
    let mut response = error_response(
        StatusCode::UNAUTHORIZED,
        ClientError::new(ErrorCode::Unauthenticated, message),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

/// Whether two secrets are equal, compared in time that does not depend on where they differ
/// (their digests are compared in full).
fn same_secret(given: &str, expected: &str) -> bool {
    let given = Sha256::digest(given.as_bytes());
    let expected = Sha256::digest(expected.as_bytes());
    given
        .iter()
        .zip(expected.iter())
        .fold(0_u8, |difference, (a, b)| difference | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_match_only_in_full() {
        assert!(same_secret("scrape-me-0123456789", "scrape-me-0123456789"));
        assert!(!same_secret("scrape-me-012345678", "scrape-me-0123456789"));
        assert!(!same_secret("scrape-me-0123456780", "scrape-me-0123456789"));
        assert!(!same_secret("", "scrape-me-0123456789"));
    }
}

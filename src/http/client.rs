//! Who is calling: the request id, the client's address and user agent, and the bearer token.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap, header};

use crate::services::RequestMeta;

/// The header carrying the request id, set on every request and response.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The request's origin, for the audit trail and the login history.
pub fn request_meta(
    headers: &HeaderMap,
    extensions: &Extensions,
    trust_proxy: bool,
) -> RequestMeta {
    let header = |name| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let forwarded = trust_proxy
        .then(|| header(header::HeaderName::from_static("x-forwarded-for")))
        .flatten()
        .and_then(|list| list.split(',').next().map(|ip| ip.trim().to_owned()))
        .filter(|ip| !ip.is_empty());
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    RequestMeta {
        request_id: header(header::HeaderName::from_static(REQUEST_ID_HEADER)),
        ip_address: forwarded.or(peer),
        user_agent: header(header::USER_AGENT).map(|agent| agent.chars().take(512).collect()),
    }
}

/// The bearer token of the `Authorization` header: `None` when there is no header,
/// `Some(Err(()))` when the header is not a bearer token.
pub fn bearer_token(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    Some(
        value
            .to_str()
            .ok()
            .and_then(|value| {
                let (scheme, token) = value.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
            .ok_or(()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_bearer_tokens() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc.def"),
        );
        assert_eq!(bearer_token(&headers), Some(Ok("abc.def")));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  xyz "),
        );
        assert_eq!(bearer_token(&headers), Some(Ok("xyz")));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic dXNlcg=="),
        );
        assert_eq!(bearer_token(&headers), Some(Err(())));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&headers), Some(Err(())));
    }

    #[test]
    fn the_forwarded_address_counts_only_behind_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 10.0.0.1"),
        );
        let mut extensions = Extensions::new();
        extensions.insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 2], 5000))));
        assert_eq!(
            request_meta(&headers, &extensions, true)
                .ip_address
                .as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            request_meta(&headers, &extensions, false)
                .ip_address
                .as_deref(),
            Some("10.0.0.2")
        );
    }
}

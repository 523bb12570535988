//! Who is calling: the request id, the client's address and user agent, and the bearer token.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap, HeaderName, header};

use crate::config::HttpConfig;
use crate::services::RequestMeta;

/// The header carrying the request id, set on every request and response.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// The longest client-supplied request id that is kept.
pub const MAX_REQUEST_ID_LENGTH: usize = 64;

const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// Whether a client's `X-Request-Id` may be kept (and written to the audit trail): at most
/// [`MAX_REQUEST_ID_LENGTH`] characters of `[A-Za-z0-9._-]`.
pub fn is_acceptable_request_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LENGTH
        && id
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
}

/// The client's address. Behind `TRUST_PROXY`, the entry of `X-Forwarded-For` that the
/// outermost trusted proxy wrote (`TRUSTED_PROXY_HOPS` from the right), when it is a valid IP
/// address; otherwise the address of the connection. IPv4 addresses mapped into IPv6 are shown
/// as IPv4.
pub fn client_address(
    headers: &HeaderMap,
    extensions: &Extensions,
    config: &HttpConfig,
) -> Option<IpAddr> {
    let forwarded = config
        .trust_proxy
        .then(|| {
            let entries: Vec<&str> = headers
                .get_all(FORWARDED_FOR)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .map(str::trim)
                .collect();
            let index = entries.len().checked_sub(config.trusted_proxy_hops)?;
            entries.get(index)?.parse::<IpAddr>().ok()
        })
        .flatten();
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    forwarded.or(peer).map(|ip| ip.to_canonical())
}

/// Headers a proxy adds on the way; a request carrying one did not come straight from its
/// client.
const PROXY_HEADERS: [&str; 3] = ["x-forwarded-for", "forwarded", "x-real-ip"];

/// Whether the request comes from this machine itself: a loopback client address, and no proxy
/// header — a proxy on this machine would make every client look local.
pub fn is_local(headers: &HeaderMap, extensions: &Extensions, config: &HttpConfig) -> bool {
    let proxied = PROXY_HEADERS.iter().any(|name| headers.contains_key(*name));
    !proxied && client_address(headers, extensions, config).is_some_and(|ip| ip.is_loopback())
}

/// The key a client's requests are counted under: its address, or one shared key for requests
/// that arrive without one (only in-process tests do).
pub fn rate_limit_key(address: Option<IpAddr>) -> IpAddr {
    address.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The request's origin, for the audit trail and the login history.
pub fn request_meta(
    headers: &HeaderMap,
    extensions: &Extensions,
    config: &HttpConfig,
) -> RequestMeta {
    let header = |name| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    RequestMeta {
        request_id: header(HeaderName::from_static(REQUEST_ID_HEADER)),
        ip_address: client_address(headers, extensions, config).map(|ip| ip.to_string()),
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
    use crate::config::Config;
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

    fn http_config(vars: &[(&str, &str)]) -> HttpConfig {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .expect("valid")
            .http
    }

    fn address(forwarded: &[&str], config: &HttpConfig) -> Option<String> {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append(FORWARDED_FOR, HeaderValue::from_str(value).expect("header"));
        }
        let mut extensions = Extensions::new();
        extensions.insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 2], 5000))));
        client_address(&headers, &extensions, config).map(|ip| ip.to_string())
    }

    #[test]
    fn the_forwarded_address_counts_trusted_hops_from_the_right() {
        let direct = http_config(&[]);
        let one = http_config(&[("TRUST_PROXY", "true")]);
        let two = http_config(&[("TRUST_PROXY", "true"), ("TRUSTED_PROXY_HOPS", "2")]);
        // The client wrote "203.0.113.9" itself; the one trusted proxy appended the address it
        // saw, which is the client.
        let list = ["203.0.113.9, 198.51.100.7"];
        assert_eq!(address(&list, &one).as_deref(), Some("198.51.100.7"));
        assert_eq!(address(&list, &two).as_deref(), Some("203.0.113.9"));
        assert_eq!(address(&list, &direct).as_deref(), Some("10.0.0.2"));
        // Several headers are one list, in order.
        assert_eq!(
            address(&["203.0.113.9", "198.51.100.7"], &one).as_deref(),
            Some("198.51.100.7")
        );
        // Not an IP address, or fewer entries than hops: the connection's address.
        assert_eq!(
            address(&["evil.example.com"], &one).as_deref(),
            Some("10.0.0.2")
        );
        assert_eq!(
            address(&["1.2.3.4; drop table"], &one).as_deref(),
            Some("10.0.0.2")
        );
        assert_eq!(
            address(&["198.51.100.7"], &two).as_deref(),
            Some("10.0.0.2")
        );
        assert_eq!(address(&[], &one).as_deref(), Some("10.0.0.2"));
        assert_eq!(
            address(&["::ffff:192.0.2.1"], &one).as_deref(),
            Some("192.0.2.1")
        );
    }

    #[test]
    fn only_a_loopback_client_without_a_proxy_is_local() {
        let local = |peer: Option<[u8; 4]>, header: Option<(&str, &str)>, config: &HttpConfig| {
            let mut headers = HeaderMap::new();
            if let Some((name, value)) = header {
                headers.insert(
                    HeaderName::from_bytes(name.as_bytes()).expect("name"),
                    HeaderValue::from_str(value).expect("value"),
                );
            }
            let mut extensions = Extensions::new();
            if let Some(peer) = peer {
                extensions.insert(ConnectInfo(SocketAddr::from((peer, 5000))));
            }
            is_local(&headers, &extensions, config)
        };
        let direct = http_config(&[]);
        let proxied = http_config(&[("TRUST_PROXY", "true")]);
        assert!(local(Some([127, 0, 0, 1]), None, &direct));
        assert!(local(Some([127, 0, 0, 1]), None, &proxied));
        assert!(!local(Some([10, 0, 0, 2]), None, &direct));
        assert!(!local(None, None, &direct), "no address is not local");
        for header in [
            ("x-forwarded-for", "127.0.0.1"),
            ("forwarded", "for=127.0.0.1"),
            ("x-real-ip", "127.0.0.1"),
        ] {
            assert!(
                !local(Some([127, 0, 0, 1]), Some(header), &direct),
                "{header:?}"
            );
            assert!(
                !local(Some([127, 0, 0, 1]), Some(header), &proxied),
                "{header:?}"
            );
        }
    }

    #[test]
    fn only_short_plain_request_ids_are_kept() {
        assert!(is_acceptable_request_id(b"trace-me-123"));
        assert!(is_acceptable_request_id(b"A.b_c-9"));
        assert!(is_acceptable_request_id(&[b'a'; 64]));
        assert!(!is_acceptable_request_id(&[b'a'; 65]));
        assert!(!is_acceptable_request_id(b""));
        assert!(!is_acceptable_request_id(b"has space"));
        assert!(!is_acceptable_request_id(b"<script>"));
        assert!(!is_acceptable_request_id("naïve".as_bytes()));
    }
}

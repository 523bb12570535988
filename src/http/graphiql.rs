//! `GET /graphiql`: the playground, served entirely by this server. GraphiQL and React come from
//! their npm packages at pinned versions (`assets/graphiql/fetch.sh`), stored gzipped and
//! embedded in the binary, so the playground works without internet access. A
//! `Content-Security-Policy` lets the page load nothing but these files and talk to nothing but
//! this server.

use std::io::Read;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::HttpState;

/// Where the playground and its files are served.
const PREFIX: &str = "/graphiql";

/// What the playground page may load and contact: its own files and `/graphql`, nothing else
/// (no inline script or style; GraphiQL's fonts are `data:` URLs inside its stylesheet).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; font-src 'self' data:; img-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// One file of the playground.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: Content,
    /// Named with its version: it never changes, so it may be cached for good.
    immutable: bool,
}

enum Content {
    Gzip(&'static [u8]),
    Plain(&'static [u8]),
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "react-18.3.1.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: Content::Gzip(include_bytes!(
            "../../assets/graphiql/react-18.3.1.production.min.js.gz"
        )),
        immutable: true,
    },
    Asset {
        name: "react-dom-18.3.1.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: Content::Gzip(include_bytes!(
            "../../assets/graphiql/react-dom-18.3.1.production.min.js.gz"
        )),
        immutable: true,
    },
    Asset {
        name: "graphiql-3.8.3.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: Content::Gzip(include_bytes!(
            "../../assets/graphiql/graphiql-3.8.3.min.js.gz"
        )),
        immutable: true,
    },
    Asset {
        name: "graphiql-3.8.3.min.css",
        content_type: "text/css; charset=utf-8",
        body: Content::Gzip(include_bytes!(
            "../../assets/graphiql/graphiql-3.8.3.min.css.gz"
        )),
        immutable: true,
    },
    Asset {
        name: "playground.css",
        content_type: "text/css; charset=utf-8",
        body: Content::Plain(include_bytes!("../../assets/graphiql/playground.css")),
        immutable: false,
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: Content::Plain(include_bytes!("../../assets/graphiql/app.js")),
        immutable: false,
    },
];

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route(PREFIX, get(page))
        .route(&format!("{PREFIX}/{{file}}"), get(asset))
}

/// The page: the stylesheets, then the scripts in order, all from [`ASSETS`].
fn page_html() -> String {
    let mut styles = String::new();
    let mut scripts = String::new();
    for asset in ASSETS {
        if asset.content_type.starts_with("text/css") {
            styles.push_str(&format!(
                "    <link rel=\"stylesheet\" href=\"{PREFIX}/{}\">\n",
                asset.name
            ));
        } else {
            scripts.push_str(&format!(
                "    <script src=\"{PREFIX}/{}\"></script>\n",
                asset.name
            ));
        }
    }
    format!(
        "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\">\n    \
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n    \
         <title>Millennium — GraphiQL</title>\n{styles}  </head>\n  <body>\n    \
         <div id=\"graphiql\">Loading the playground…</div>\n{scripts}  </body>\n</html>\n"
    )
}

async fn page() -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page_html(),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|asset| asset.name == file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cache = if asset.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = match asset.body {
        Content::Plain(bytes) => bytes.into_response(),
        Content::Gzip(bytes) if accepts_gzip(&headers) => {
            let mut response = bytes.into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            response
        }
        Content::Gzip(bytes) => {
            let mut plain = Vec::new();
            if let Err(error) = flate2::read::GzDecoder::new(bytes).read_to_end(&mut plain) {
                tracing::error!(%error, file, "an embedded playground file is corrupt");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            plain.into_response()
        }
    };
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// Whether gzip may be sent: without `Accept-Encoding` any coding is acceptable (RFC 9110).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut listed = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .peekable();
    if listed.peek().is_none() {
        return true;
    }
    listed.any(|coding| {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let refused = parts.any(|parameter| {
            parameter
                .trim()
                .strip_prefix("q=")
                .is_some_and(|q| q.trim_end_matches(['0', '.']).is_empty())
        });
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_every_asset_and_nothing_else() {
        let html = page_html();
        for asset in ASSETS {
            assert!(
                html.contains(&format!("{PREFIX}/{}", asset.name)),
                "{}",
                asset.name
            );
        }
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "no inline script: {html}");
    }

    #[test]
    fn embedded_files_unpack() {
        for asset in ASSETS {
            if let Content::Gzip(bytes) = asset.body {
                let mut plain = Vec::new();
                flate2::read::GzDecoder::new(bytes)
                    .read_to_end(&mut plain)
                    .expect("valid gzip");
                assert!(plain.len() > bytes.len(), "{}", asset.name);
            }
        }
    }

    #[test]
    fn gzip_is_sent_only_when_acceptable() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).expect("header"),
            );
            accepts_gzip(&headers)
        };
        assert!(accepts_gzip(&HeaderMap::new()));
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, gzip;q=0.8"));
        assert!(with("*"));
        assert!(!with("identity"));
        assert!(!with("gzip;q=0"));
        assert!(!with("br, gzip;q=0.000"));
    }
}

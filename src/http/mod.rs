//! The HTTP surface (SPEC 7), axum only: routes, request ids, tracing, CORS, the body limit,
//! and the translation of bearer tokens into actors. No business rules here.

mod client;
mod graphql;
mod health;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::graphql::{Schemas, build_schemas};
use crate::state::AppState;

pub use client::REQUEST_ID_HEADER;

/// What the handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub app: AppState,
    pub schemas: Schemas,
}

/// The whole HTTP application.
pub fn router(app: AppState) -> Router {
    let body_limit = app.config.limits.body_bytes;
    let cors = cors_layer(&app.config.http.cors_origins);
    let state = HttpState {
        schemas: build_schemas(app.clone()),
        app,
    };
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let router = Router::new()
        .route(
            "/graphql",
            get(graphql::get_graphql).post(graphql::post_graphql),
        )
        .route("/graphiql", get(graphql::graphiql))
        .route("/health", get(health::health))
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(body_limit));
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let request_id = request
                    .headers()
                    .get(REQUEST_ID_HEADER)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id,
                )
            }),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Only the configured origins get CORS headers; with none configured, nobody does.
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static(REQUEST_ID_HEADER),
            ])
            .expose_headers([HeaderName::from_static(REQUEST_ID_HEADER)])
            .max_age(Duration::from_secs(3600)),
    )
}

//! The HTTP surface (SPEC 7), axum only: routes, request ids, tracing, CORS, rate limits, time
//! limits, security headers, and the translation of bearer tokens into actors. No business
//! rules here.

mod backups;
mod client;
mod edge;
mod exports;
mod files;
mod graphiql;
mod graphql;
mod health;
mod metrics;
mod multipart;
pub mod observe;
mod printouts;
pub mod rate_limit;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::middleware;
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::graphql::{Schemas, build_schemas};
use crate::state::AppState;

pub use client::REQUEST_ID_HEADER;
use rate_limit::Throttle;

/// What the handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub app: AppState,
    pub schemas: Schemas,
    pub throttle: Throttle,
    /// The permits of running exports.
    pub exports: std::sync::Arc<tokio::sync::Semaphore>,
}

/// The whole HTTP application.
pub fn router(app: AppState) -> Router {
    let cors = cors_layer(&app.config.http.cors_origins);
    let state = HttpState {
        schemas: build_schemas(app.clone()),
        throttle: Throttle::new(&app.config.http.rate_limits),
        exports: exports::limiter(),
        app,
    };
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let graphql = Router::new()
        .route(
            "/graphql",
            get(graphql::get_graphql).post(graphql::post_graphql),
        )
        // Answers carry tokens and personal data: never stored by a browser or a proxy.
        .route_layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let router = graphql
        .merge(graphiql::routes())
        .route("/backups/{id}/download", get(backups::download))
        .route("/files/{document_id}", get(files::download))
        .route("/exports/{file}", get(exports::export))
        .route(
            "/exports/collection-sheet.pdf",
            get(printouts::collection_sheet),
        )
        .route("/receipts/{file}", get(printouts::receipt))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            edge::rate_limit,
        ))
        // Exempt from the rate limit: monitoring must always get an answer.
        .route("/health", get(health::health))
        .route("/metrics", get(metrics::metrics))
        .layer(middleware::from_fn_with_state(
            state.app.config.http.request_timeout,
            edge::guard,
        ))
        .layer(middleware::from_fn_with_state(
            state.app.metrics.clone(),
            observe::observe,
        ))
        .with_state(state);
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
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
        .layer(middleware::from_fn(edge::sanitize_request_id))
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
                header::ACCEPT,
                HeaderName::from_static(REQUEST_ID_HEADER),
            ])
            .expose_headers([
                HeaderName::from_static(REQUEST_ID_HEADER),
                header::RETRY_AFTER,
                // The name of a downloaded file (`GET /files/{id}`).
                header::CONTENT_DISPOSITION,
            ])
            .max_age(Duration::from_secs(3600)),
    )
}

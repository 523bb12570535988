//! `GET /health`: whether the service can reach its database right now.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::HttpState;
use crate::db;

/// How long the database check may take before the answer is "disconnected".
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

pub async fn health(State(state): State<HttpState>) -> Response {
    let connected = matches!(
        tokio::time::timeout(CHECK_TIMEOUT, db::ping(&state.app.db)).await,
        Ok(Ok(()))
    );
    let timestamp = state.app.clock.now().to_rfc3339();
    if connected {
        Json(json!({ "status": "ok", "timestamp": timestamp, "database": "connected" }))
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "timestamp": timestamp, "database": "disconnected" })),
        )
            .into_response()
    }
}

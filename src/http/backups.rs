//! `GET /backups/{id}/download`: an administrator downloads a backup's file, streamed from the
//! store with its size and checksum in the headers.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use serde_json::json;

use super::HttpState;
use super::client::{bearer_token, request_meta};
use super::observe::Report;
use crate::domain::BackupId;
use crate::graphql::error::{ErrorCode, present};
use crate::services::auth::{self, AuthenticationError};
use crate::services::{Caller, ServiceError, backups};

pub async fn download(
    State(state): State<HttpState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let caller = match caller(&state, &parts).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let Ok(id) = id.parse::<BackupId>() else {
        return error(
            StatusCode::NOT_FOUND,
            ServiceError::NotFound("Backup not found.".into()),
        );
    };
    match backups::download(&state.app, &caller, id).await {
        Ok((record, object)) => {
            let body = Body::from_stream(object.stream.map_err(std::io::Error::other));
            let mut response = (StatusCode::OK, body).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/gzip"),
            );
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(object.size));
            if let Ok(disposition) =
                HeaderValue::from_str(&format!("attachment; filename=\"{}\"", record.file_name))
            {
                headers.insert(header::CONTENT_DISPOSITION, disposition);
            }
            if let Some(Ok(sha256)) = record.sha256.as_deref().map(HeaderValue::from_str) {
                headers.insert("x-checksum-sha256", sha256);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err) => {
            let status = match &err {
                ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
                ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
                ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                tracing::error!(error = ?err, "a backup download failed");
            }
            error(status, err)
        }
    }
}

/// The caller of a plain route's bearer token; without a valid one, the 401 to answer.
pub(super) async fn caller(
    state: &HttpState,
    parts: &axum::http::request::Parts,
) -> Result<Caller, Response> {
    let unauthenticated = |message: &str| {
        let mut response = error(
            StatusCode::UNAUTHORIZED,
            ServiceError::Unauthenticated(message.to_owned()),
        );
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        response
    };
    let token = match bearer_token(&parts.headers) {
        Some(Ok(token)) => token,
        _ => {
            return Err(unauthenticated(
                "Send the access token as \"Authorization: Bearer <token>\".",
            ));
        }
    };
    match auth::authenticate(&state.app, token).await {
        Ok(actor) => Ok(Caller {
            actor,
            meta: request_meta(&parts.headers, &parts.extensions, &state.app.config.http),
        }),
        Err(AuthenticationError::Rejected(_)) => Err(unauthenticated(
            "The access token is invalid or has expired. Refresh the session or log in again.",
        )),
        Err(AuthenticationError::Service(err)) => Err(error(StatusCode::SERVICE_UNAVAILABLE, err)),
    }
}

/// A JSON error body with the same `extensions.code` as GraphQL's.
pub(super) fn error(status: StatusCode, err: ServiceError) -> Response {
    let mut presented = present(&err);
    if status == StatusCode::UNAUTHORIZED {
        presented.code = ErrorCode::Unauthenticated;
    }
    let report = Report::refused(presented.code);
    let body = json!({ "errors": [presented.into_server_error()] });
    let mut response = report.attach((status, body.to_string()).into_response());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

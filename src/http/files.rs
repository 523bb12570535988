//! `GET /files/{documentId}`: a document's file, for logged-in staff who can see its member or
//! loan (SPEC 7). A malformed id and a missing, deleted or out-of-scope document all get the
//! same 404, so the answer never tells whether a document exists. The service checks the
//! content against the size and SHA-256 recorded at upload: a corrupted or missing object is
//! an internal error (500, logged with the request id), never a download.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::HttpState;
use super::backups::{caller, error};
use super::edge::error_response;
use crate::domain::DocumentId;
use crate::graphql::error::{ClientError, ErrorCode, INTERNAL_MESSAGE};
use crate::services::ServiceError;
use crate::services::documents::{self, Download};

pub async fn download(
    State(state): State<HttpState>,
    Path(document_id): Path<String>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let caller = match caller(&state, &parts).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let request_id = caller.meta.request_id.clone();
    let Ok(id) = document_id.parse::<DocumentId>() else {
        return not_found();
    };
    match documents::download(&state.app, &caller, id).await {
        Ok(download) => file(download),
        // The service's message: the same for every document out of reach, or why an
        // imported document has no file here.
        Err(missing @ ServiceError::NotFound(_)) => error(StatusCode::NOT_FOUND, missing),
        Err(failure) => failed(failure, request_id.as_deref()),
    }
}

/// The one answer for every document the caller may not have.
fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        ServiceError::NotFound("Document not found.".into()),
    )
}

/// A service failure other than not found: the database away (503), or an internal error
/// (500), logged with the request id, which the client gets too.
fn failed(failure: ServiceError, request_id: Option<&str>) -> Response {
    if matches!(failure, ServiceError::Unavailable(_)) {
        return error(StatusCode::SERVICE_UNAVAILABLE, failure);
    }
    tracing::error!(request_id, error = ?failure, "a document could not be served");
    let presented = ClientError::new(ErrorCode::InternalServerError, INTERNAL_MESSAGE);
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        match request_id {
            Some(id) => presented.with("requestId", id),
            None => presented,
        },
    )
}

/// The file as an attachment of its recorded type, streamed.
fn file(download: Download) -> Response {
    let details = &download.document.details;
    let content_type = HeaderValue::from_str(&details.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disposition = content_disposition(&details.file_name);
    let length = HeaderValue::from(details.size_bytes);
    let mut response = Response::new(Body::from_stream(download.body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_LENGTH, length);
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `attachment` with the name twice (RFC 6266): plain ASCII for old clients (anything else, and
/// quotes, backslashes and percent signs, as `_`), and the exact name percent-encoded in UTF-8.
pub(super) fn content_disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| match c {
            '"' | '\\' | '%' => '_',
            ' ' => ' ',
            c if c.is_ascii_graphic() => c,
            _ => '_',
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disposition_names_the_file_safely_twice() {
        assert_eq!(
            content_disposition("ID card.pdf"),
            "attachment; filename=\"ID card.pdf\"; filename*=UTF-8''ID%20card.pdf"
        );
        assert_eq!(
            content_disposition("Ìdánimọ̀ \"1\".png"),
            "attachment; filename=\"_d_nim__ _1_.png\"; \
             filename*=UTF-8''%C3%8Cd%C3%A1nim%E1%BB%8D%CC%80%20%221%22.png"
        );
        assert_eq!(
            content_disposition("100%;x.pdf"),
            "attachment; filename=\"100_;x.pdf\"; filename*=UTF-8''100%25%3Bx.pdf"
        );
    }
}

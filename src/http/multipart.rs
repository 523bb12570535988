//! GraphQL multipart requests (the GraphQL multipart request specification): a
//! `multipart/form-data` body of an `operations` part (the JSON of one operation or a batch), a
//! `map` part (which file goes to which variable), then the files. Read with `multer` as the
//! body arrives, so every limit refuses a request before the rest of it is read: the declared
//! length, the operations (the JSON body limit), each file (`MAX_UPLOAD_BYTES`, refused as soon
//! as a file passes it) and the number of files (`MAX_UPLOAD_FILES`, refused at the header of
//! the file one too many).
//!
//! Cross-site requests: a browser sends `multipart/form-data` to another site without a CORS
//! preflight, so a forged form could reach this endpoint. It cannot act as anyone, since uploads
//! require a bearer token in the `Authorization` header, which a browser never adds on its own
//! (no cookie authenticates here), and the request is refused before its body is read.

use std::collections::HashMap;

use async_graphql::{BatchRequest, UploadValue};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;
use multer::{Constraints, Multipart, SizeLimit};

use crate::config::Limits;
use crate::graphql::error::{ClientError, ErrorCode};

/// Room for the multipart framing (boundaries, part headers) and the `map` part, beyond the
/// operations and the files themselves.
const FRAMING_BYTES: usize = 64 * 1024;

/// Where a file goes, async-graphql writes this marker and the file's index into the variables
/// (`#__graphql_file__:0`), and trusts it when it reads an `Upload` argument: a forged marker
/// reads past the files or fails to parse, and panics. Only [`read_batch`] may write one.
const FILE_MARKER: &str = "#__graphql_file__:";

const OPERATIONS: &str = "operations";
const MAP: &str = "map";

/// A refusal: its HTTP status and the error to answer with.
pub type Refusal = (StatusCode, ClientError);

/// Whether the request's body is `multipart/form-data`.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("multipart/form-data"))
}

fn bad_request(message: impl Into<String>) -> Refusal {
    (
        StatusCode::BAD_REQUEST,
        ClientError::new(ErrorCode::BadUserInput, message),
    )
}

fn too_large(message: String) -> Refusal {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        ClientError::new(ErrorCode::BadUserInput, message),
    )
}

/// The largest body a multipart request may have: every file at its limit, the operations at
/// theirs, and the framing.
fn largest_body(limits: &Limits) -> usize {
    limits
        .upload_files
        .saturating_mul(limits.upload_bytes)
        .saturating_add(limits.body_bytes)
        .saturating_add(FRAMING_BYTES)
}

/// The refusal of a body that is larger than any request may be.
fn body_too_large(limits: &Limits) -> Refusal {
    too_large(format!(
        "The request body is too large: at most {} files of {} bytes each, and operations of \
         {} bytes.",
        limits.upload_files, limits.upload_bytes, limits.body_bytes
    ))
}

fn holds_file_marker(value: &async_graphql::Value) -> bool {
    use async_graphql::Value;
    match value {
        Value::String(text) => text.starts_with(FILE_MARKER),
        Value::List(items) => items.iter().any(holds_file_marker),
        Value::Object(fields) => fields.values().any(holds_file_marker),
        _ => false,
    }
}

/// Refuses operations that carry a file marker of their own (in the query or the variables):
/// files come only as the parts of a multipart request.
pub fn refuse_file_markers(batch: &BatchRequest) -> Result<(), Refusal> {
    let requests = match batch {
        BatchRequest::Single(request) => std::slice::from_ref(request),
        BatchRequest::Batch(requests) => requests.as_slice(),
    };
    let forged = requests.iter().any(|request| {
        request.query.contains(FILE_MARKER) || request.variables.values().any(holds_file_marker)
    });
    if forged {
        Err(bad_request(
            "Files can only be sent as the parts of a multipart request.",
        ))
    } else {
        Ok(())
    }
}

/// What `multer` failed with, as a refusal.
fn refusal(error: multer::Error, limits: &Limits) -> Refusal {
    match error {
        multer::Error::FieldSizeExceeded { field_name, .. } => match field_name.as_deref() {
            Some(OPERATIONS | MAP) => too_large(format!(
                "The {} part is too large: the limit is {} bytes.",
                field_name.as_deref().unwrap_or(OPERATIONS),
                limits.body_bytes
            )),
            _ => too_large(format!(
                "A file is too large: the limit is {} bytes per file.",
                limits.upload_bytes
            )),
        },
        multer::Error::StreamSizeExceeded { .. } => body_too_large(limits),
        other => bad_request(format!("The multipart body could not be read: {other}.")),
    }
}

/// The operations of a multipart request with their files in place; `body` is read only as far
/// as the first refusal.
pub async fn read_batch(
    body: Body,
    headers: &HeaderMap,
    limits: &Limits,
) -> Result<BatchRequest, Refusal> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| bad_request("The multipart/form-data Content-Type has no boundary."))?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let largest = largest_body(limits);
    if declared.is_some_and(|length| length > largest as u64) {
        return Err(body_too_large(limits));
    }
    let constraints = Constraints::new().size_limit(
        SizeLimit::new()
            .whole_stream(largest as u64)
            .per_field(limits.upload_bytes as u64)
            .for_field(OPERATIONS, limits.body_bytes as u64)
            .for_field(MAP, limits.body_bytes as u64),
    );
    let mut multipart = Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let failed = |error| refusal(error, limits);

    let mut batch = match multipart.next_field().await.map_err(failed)? {
        Some(field) if field.name() == Some(OPERATIONS) => {
            let json = field.bytes().await.map_err(failed)?;
            serde_json::from_slice::<BatchRequest>(&json).map_err(|error| {
                bad_request(format!("The operations are not a GraphQL request: {error}"))
            })?
        }
        _ => return Err(bad_request("The first part must be \"operations\".")),
    };
    refuse_file_markers(&batch)?;
    let mut map: HashMap<String, Vec<String>> =
        match multipart.next_field().await.map_err(failed)? {
            Some(field) if field.name() == Some(MAP) => {
                let json = field.bytes().await.map_err(failed)?;
                serde_json::from_slice(&json).map_err(|_| {
                    bad_request("The map must be a JSON object of file names to lists of paths.")
                })?
            }
            _ => return Err(bad_request("The second part must be \"map\".")),
        };
    let mut files = 0usize;
    while let Some(field) = multipart.next_field().await.map_err(failed)? {
        files += 1;
        if files > limits.upload_files {
            return Err(too_large(format!(
                "Too many files: at most {} may be uploaded in one request.",
                limits.upload_files
            )));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let Some(paths) = map.remove(&name) else {
            return Err(bad_request(format!(
                "The part {name:?} is not named in the map (or comes twice)."
            )));
        };
        let filename = field.file_name().unwrap_or_default().to_owned();
        let content_type = field.content_type().map(ToString::to_string);
        let content = field.bytes().await.map_err(failed)?;
        for path in &paths {
            place(&mut batch, path, &filename, content_type.as_ref(), &content)?;
        }
    }
    if let Some(missing) = map.keys().next() {
        return Err(bad_request(format!(
            "The map names the file {missing:?}, which the request does not hold."
        )));
    }
    Ok(batch)
}

/// Puts a file at `path` of the operations: `variables.…` for a single operation, `N.variables.…`
/// for the operation N of a batch.
fn place(
    batch: &mut BatchRequest,
    path: &str,
    filename: &str,
    content_type: Option<&String>,
    content: &Bytes,
) -> Result<(), Refusal> {
    let (request, variable) = match batch {
        BatchRequest::Single(request) => (Some(request), path),
        BatchRequest::Batch(requests) => match path.split_once('.') {
            Some((index, rest)) => (
                index
                    .parse::<usize>()
                    .ok()
                    .and_then(|index| requests.get_mut(index)),
                rest,
            ),
            None => (None, path),
        },
    };
    let Some(request) = request else {
        return Err(bad_request(format!(
            "The map path {path:?} names no operation of the request."
        )));
    };
    let before = request.uploads.len();
    request.set_upload(
        variable,
        UploadValue {
            filename: filename.to_owned(),
            content_type: content_type.cloned(),
            content: content.clone(),
        },
    );
    if request.uploads.len() == before {
        return Err(bad_request(format!(
            "The map path {path:?} names no variable of the operations."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const BOUNDARY: &str = "XyZ";

    fn limits() -> Limits {
        Limits {
            upload_bytes: 10,
            upload_files: 2,
            body_bytes: 200,
            ..Limits::default()
        }
    }

    fn headers(length: Option<usize>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=XyZ"),
        );
        if let Some(length) = length {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        }
        headers
    }

    /// A part: its name, its file name if it is a file, its content.
    type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

    /// A multipart body of `parts`.
    fn body(parts: &[Part<'_>]) -> Vec<u8> {
        let mut body = Vec::new();
        for (name, file, content) in parts {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            let disposition = match file {
                Some(file) => format!("form-data; name=\"{name}\"; filename=\"{file}\""),
                None => format!("form-data; name=\"{name}\""),
            };
            body.extend_from_slice(
                format!("Content-Disposition: {disposition}\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        body
    }

    const ONE: &[u8] = br#"{"query":"mutation($f: Upload!) { x(f: $f) }","variables":{"f":null}}"#;

    async fn read(parts: &[Part<'_>]) -> Result<BatchRequest, Refusal> {
        read_batch(Body::from(body(parts)), &headers(None), &limits()).await
    }

    #[tokio::test]
    async fn files_go_where_the_map_says() {
        let batch = read(&[
            ("operations", None, ONE),
            ("map", None, br#"{"0":["variables.f"]}"#),
            ("0", Some("a.pdf"), b"%PDF-"),
        ])
        .await
        .expect("a request");
        let BatchRequest::Single(request) = batch else {
            panic!("one operation");
        };
        assert_eq!(request.uploads.len(), 1);
        assert_eq!(request.uploads[0].filename, "a.pdf");
        assert_eq!(request.uploads[0].content, Bytes::from_static(b"%PDF-"));

        let batch = read(&[
            (
                "operations",
                None,
                format!(
                    "[{}, {}]",
                    "{\"query\":\"{a}\"}",
                    std::str::from_utf8(ONE).unwrap_or_default()
                )
                .as_bytes(),
            ),
            ("map", None, br#"{"x":["1.variables.f"]}"#),
            ("x", Some("b.png"), b"png"),
        ])
        .await
        .expect("a batch");
        let BatchRequest::Batch(requests) = batch else {
            panic!("a batch");
        };
        assert_eq!(requests[1].uploads.len(), 1);
    }

    #[tokio::test]
    async fn limits_refuse_with_413() {
        let status = |result: Result<BatchRequest, Refusal>| result.err().map(|(status, _)| status);
        let big = read(&[
            ("operations", None, ONE),
            ("map", None, br#"{"0":["variables.f"]}"#),
            ("0", Some("a"), b"eleven byte"),
        ])
        .await;
        let message = big.as_ref().err().map(|(_, error)| error.message.clone());
        assert_eq!(status(big), Some(StatusCode::PAYLOAD_TOO_LARGE));
        assert!(message.unwrap_or_default().contains("10 bytes per file"));

        let many = read(&[
            ("operations", None, ONE),
            (
                "map",
                None,
                br#"{"0":["variables.f"],"1":["variables.f"],"2":["variables.f"]}"#,
            ),
            ("0", Some("a"), b"1"),
            ("1", Some("b"), b"2"),
            ("2", Some("c"), b"3"),
        ])
        .await;
        assert_eq!(status(many), Some(StatusCode::PAYLOAD_TOO_LARGE));

        let operations = vec![b' '; 201];
        let long = read(&[("operations", None, &operations)]).await;
        assert_eq!(status(long), Some(StatusCode::PAYLOAD_TOO_LARGE));

        let declared = read_batch(
            Body::empty(),
            &headers(Some(2 * 10 + 200 + FRAMING_BYTES + 1)),
            &limits(),
        )
        .await;
        assert_eq!(status(declared), Some(StatusCode::PAYLOAD_TOO_LARGE));
    }

    #[tokio::test]
    async fn operations_may_not_name_files_themselves() {
        let forged: &[u8] = br##"{"query":"mutation($f: Upload!) { x(f: $f) }","variables":{"f":"#__graphql_file__:7"}}"##;
        let literal: &[u8] = br##"{"query":"mutation { x(f: \"#__graphql_file__:x\") }"}"##;
        for operations in [forged, literal] {
            let result = read(&[("operations", None, operations), ("map", None, b"{}")]).await;
            assert_eq!(
                result.err().map(|(status, _)| status),
                Some(StatusCode::BAD_REQUEST)
            );
        }
    }

    #[tokio::test]
    async fn malformed_requests_are_refused_with_400() {
        let cases: [&[Part<'_>]; 5] = [
            &[("map", None, b"{}")],
            &[("operations", None, ONE)],
            &[
                ("operations", None, ONE),
                ("map", None, br#"{"0":["variables.f"]}"#),
            ],
            &[
                ("operations", None, ONE),
                ("map", None, br#"{"0":["variables.nothing"]}"#),
                ("0", Some("a"), b"1"),
            ],
            &[
                ("operations", None, ONE),
                ("map", None, br#"{"0":["variables.f"]}"#),
                ("1", Some("a"), b"1"),
            ],
        ];
        for parts in cases {
            let result = read(parts).await;
            assert_eq!(
                result.err().map(|(status, error)| (status, error.code)),
                Some((StatusCode::BAD_REQUEST, ErrorCode::BadUserInput))
            );
        }
    }
}

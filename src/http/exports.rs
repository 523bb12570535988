//! `GET /exports/{list}.csv` and `GET /exports/{list}.xlsx` (SPEC 6 and 8.2): a list's whole
//! filtered set as a file, for logged-in staff, in their scope. The filter comes as query
//! parameters or `filter=<JSON>` (read by `graphql::exports`), the rows from
//! `services::exports`; this module only answers.
//!
//! - No or a bad token: 401. An unknown list or extension: 404. A bad filter: 400 with
//!   `BAD_USER_INPUT` and the field. The audit log for a credit officer: 403, as `auditLogs`.
//! - CSV is written into the body a chunk of rows at a time. XLSX is a zip, complete only at
//!   its end: it is written on a blocking thread to an unnamed temporary file (the system's
//!   temporary directory, `TMPDIR`) and streamed from there. Both answer 200 as soon as the
//!   first chunk of rows is read, so a long export is not cut by the request time limit; a
//!   failure after that ends the body early (the client sees an incomplete transfer) and is
//!   logged with the request id.
//! - At most [`MAX_CONCURRENT_EXPORTS`] exports run at once (each holds a database connection
//!   for its transaction); another one answers 503 until one ends.

use std::io::{Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::io::ReaderStream;

use super::HttpState;
use super::backups::{caller, error};
use super::edge::error_response;
use super::files::content_disposition;
use crate::export::xlsx::XlsxWriter;
use crate::export::{Format, csv, file_name};
use crate::graphql::error::{ClientError, ErrorCode, INTERNAL_MESSAGE};
use crate::services::ServiceError;
use crate::services::exports::{self, Export, Rows};

/// Exports running at once.
pub const MAX_CONCURRENT_EXPORTS: usize = 2;

/// The permits of running exports.
pub fn limiter() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(MAX_CONCURRENT_EXPORTS))
}

pub async fn export(
    State(state): State<HttpState>,
    Path(file): Path<String>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let caller = match caller(&state, &parts).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let request_id = caller.meta.request_id.clone();
    let Some((list, format)) = file
        .rsplit_once('.')
        .and_then(|(list, extension)| Some((list, Format::from_extension(extension)?)))
    else {
        return not_found();
    };
    let parameters = match Query::<Vec<(String, String)>>::try_from_uri(&parts.uri) {
        Ok(Query(parameters)) => parameters,
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                ServiceError::bad_input("filter", "The query string is not well formed."),
            );
        }
    };
    let list = match state.schemas.export_filters.parse(list, &parameters) {
        None => return not_found(),
        Some(Err(err)) => return failed(err, request_id.as_deref()),
        Some(Ok(list)) => list,
    };
    let Ok(permit) = Arc::clone(&state.exports).try_acquire_owned() else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            ServiceError::Unavailable(format!(
                "{MAX_CONCURRENT_EXPORTS} exports are already running. Try again when one has \
                 finished."
            )),
        );
    };
    let export = match exports::start(&state.app, &caller, list).await {
        Ok(export) => export,
        Err(err) => return failed(err, request_id.as_deref()),
    };
    let day = state.app.clock.now().date_naive();
    let name = file_name(&export.table, format, day);
    let body = match format {
        Format::Csv => csv_body(export, permit, request_id),
        Format::Xlsx => xlsx_body(export, permit, request_id),
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(header::CONTENT_DISPOSITION, content_disposition(&name));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        ServiceError::NotFound(
            "No such export. Exports are /exports/{list}.csv or .xlsx for loans, unionMembers, \
             unions, repayments, scheduleItems, users and auditLogs."
                .into(),
        ),
    )
}

/// A refusal with its status; an internal error is logged with the request id, which the
/// client gets too.
pub(super) fn failed(err: ServiceError, request_id: Option<&str>) -> Response {
    let status = match &err {
        ServiceError::Unauthenticated(_) | ServiceError::AccountLocked { .. } => {
            StatusCode::UNAUTHORIZED
        }
        ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::BadInput { .. } => StatusCode::BAD_REQUEST,
        ServiceError::Conflict { .. } | ServiceError::Contention => StatusCode::CONFLICT,
        ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        ServiceError::Internal(_) => {
            tracing::error!(request_id, error = ?err, "an export failed");
            let presented = ClientError::new(ErrorCode::InternalServerError, INTERNAL_MESSAGE);
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                match request_id {
                    Some(id) => presented.with("requestId", id),
                    None => presented,
                },
            );
        }
    };
    error(status, err)
}

/// Ends a body early after a failure, logged with the request id.
fn broken(request_id: Option<&str>, failure: &dyn std::fmt::Debug) -> std::io::Error {
    tracing::error!(request_id, error = ?failure, "an export stopped before its end");
    std::io::Error::other("the export stopped before its end")
}

/// The header line, then each chunk of rows as CSV lines as it is read.
fn csv_body(export: Export, permit: OwnedSemaphorePermit, request_id: Option<String>) -> Body {
    struct Reading {
        rows: Rows,
        header: Option<Bytes>,
        _permit: OwnedSemaphorePermit,
        request_id: Option<String>,
    }
    let header = match csv::header(export.table.columns) {
        Ok(header) => header,
        Err(err) => {
            let error = broken(request_id.as_deref(), &err);
            return Body::from_stream(futures_util::stream::once(async { Err::<Bytes, _>(error) }));
        }
    };
    let start = Reading {
        rows: export.rows,
        header: Some(header),
        _permit: permit,
        request_id,
    };
    Body::from_stream(futures_util::stream::unfold(
        Some(start),
        |reading| async move {
            let mut reading = reading?;
            if let Some(header) = reading.header.take() {
                return Some((Ok(header), Some(reading)));
            }
            let request_id = reading.request_id.clone();
            match reading.rows.next().await? {
                Ok(chunk) => match csv::rows(&chunk) {
                    Ok(lines) => Some((Ok(lines), Some(reading))),
                    Err(err) => Some((Err(broken(request_id.as_deref(), &err)), None)),
                },
                Err(err) => Some((Err(broken(request_id.as_deref(), &err)), None)),
            }
        },
    ))
}

/// Sets a flag when dropped: the body is gone, the writer may stop.
struct Abandoned(Arc<AtomicBool>);

impl Drop for Abandoned {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The workbook, written on a blocking thread to a temporary file, then that file.
fn xlsx_body(export: Export, permit: OwnedSemaphorePermit, request_id: Option<String>) -> Body {
    enum Stage {
        Writing(JoinHandle<anyhow::Result<std::fs::File>>),
        Sending(ReaderStream<tokio::fs::File>),
    }
    struct Sending {
        stage: Stage,
        _permit: OwnedSemaphorePermit,
        _abandoned: Abandoned,
        request_id: Option<String>,
    }
    let abandoned = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&abandoned);
    let Export { table, mut rows } = export;
    let writing = tokio::task::spawn_blocking(move || -> anyhow::Result<std::fs::File> {
        let mut writer = XlsxWriter::new(table, None)?;
        while let Some(chunk) = rows.blocking_next() {
            if stop.load(Ordering::Relaxed) {
                anyhow::bail!("the client left before the workbook was complete");
            }
            writer.write(&chunk?)?;
        }
        let mut file = tempfile::tempfile()?;
        writer.finish(&mut file)?;
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    });
    let start = Sending {
        stage: Stage::Writing(writing),
        _permit: permit,
        _abandoned: Abandoned(abandoned),
        request_id,
    };
    Body::from_stream(futures_util::stream::unfold(
        Some(start),
        |sending| async move {
            let mut sending = sending?;
            let request_id = sending.request_id.clone();
            if let Stage::Writing(writing) = &mut sending.stage {
                let file = match writing.await {
                    Ok(Ok(file)) => file,
                    Ok(Err(err)) => return Some((Err(broken(request_id.as_deref(), &err)), None)),
                    Err(err) => return Some((Err(broken(request_id.as_deref(), &err)), None)),
                };
                sending.stage = Stage::Sending(ReaderStream::with_capacity(
                    tokio::fs::File::from_std(file),
                    64 * 1024,
                ));
            }
            let Stage::Sending(reader) = &mut sending.stage else {
                return None;
            };
            match reader.next().await? {
                Ok(bytes) => Some((Ok(bytes), Some(sending))),
                Err(err) => Some((Err(broken(request_id.as_deref(), &err)), None)),
            }
        },
    ))
}

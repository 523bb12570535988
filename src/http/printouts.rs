//! Printed documents as PDF, for logged-in staff, in their scope:
//!
//! - `GET /receipts/{repaymentId}.pdf` — a repayment's receipt; a malformed, missing or
//!   out-of-scope repayment gets the same 404, as `repayment(id)`.
//! - `GET /exports/collection-sheet.pdf?date=YYYY-MM-DD&creditOfficerId=…` (or `unionId=…`) —
//!   what each member of an officer's unions owes on a day; `date` defaults to today, and a
//!   credit officer may leave out whose (their own). An officer or union out of scope is 404,
//!   a bad date or id 400.
//!
//! The data comes from `services::printouts`; the pages are laid out by `pdf::` on a blocking
//! thread (font subsetting and compression are CPU work).

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use super::HttpState;
use super::backups::{caller, error};
use super::exports::failed;
use super::files::content_disposition;
use crate::domain::RepaymentId;
use crate::services::ServiceError;
use crate::services::printouts::{self, SheetOf};

pub async fn receipt(
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
    let Some(id) = file
        .strip_suffix(".pdf")
        .and_then(|id| id.parse::<RepaymentId>().ok())
    else {
        return error(
            StatusCode::NOT_FOUND,
            ServiceError::NotFound("Repayment not found.".into()),
        );
    };
    let receipt = match printouts::receipt(&state.app, &caller, id).await {
        Ok(receipt) => receipt,
        Err(err) => return failed(err, request_id.as_deref()),
    };
    let name = format!(
        "receipt-{}-{}.pdf",
        receipt.loan_number,
        receipt.repayment.paid_at.format("%Y-%m-%d")
    );
    let rendered = tokio::task::spawn_blocking(move || crate::pdf::receipt::render(&receipt)).await;
    pdf(rendered, &name, request_id.as_deref())
}

pub async fn collection_sheet(State(state): State<HttpState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let caller = match caller(&state, &parts).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let request_id = caller.meta.request_id.clone();
    let parameters = match Query::<Vec<(String, String)>>::try_from_uri(&parts.uri) {
        Ok(Query(parameters)) => parameters,
        Err(_) => {
            return failed(
                ServiceError::bad_input("date", "The query string is not well formed."),
                None,
            );
        }
    };
    let (date, of) = match sheet_parameters(&parameters, state.app.clock.now().date_naive()) {
        Ok(read) => read,
        Err(err) => return failed(err, request_id.as_deref()),
    };
    let sheet = match printouts::collection_sheet(&state.app, &caller, date, of).await {
        Ok(sheet) => sheet,
        Err(err) => return failed(err, request_id.as_deref()),
    };
    let name = format!("collection-sheet-{date}.pdf");
    let rendered =
        tokio::task::spawn_blocking(move || crate::pdf::collection_sheet::render(&sheet)).await;
    pdf(rendered, &name, request_id.as_deref())
}

/// `date` (default `today`), `creditOfficerId` and `unionId`; anything else is refused.
fn sheet_parameters(
    parameters: &[(String, String)],
    today: NaiveDate,
) -> Result<(NaiveDate, SheetOf), ServiceError> {
    let mut date = today;
    let mut of = SheetOf {
        credit_officer_id: None,
        union_id: None,
    };
    let not_an_id = |field: &str, value: &str| {
        ServiceError::bad_input(field, format!("{value:?} is not a valid id."))
    };
    for (name, value) in parameters {
        match name.as_str() {
            "date" => {
                date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
                    ServiceError::bad_input(
                        "date",
                        format!("{value:?} is not a date (YYYY-MM-DD)."),
                    )
                })?;
            }
            "creditOfficerId" => {
                of.credit_officer_id = Some(
                    value
                        .parse()
                        .map_err(|_| not_an_id("creditOfficerId", value))?,
                );
            }
            "unionId" => {
                of.union_id = Some(value.parse().map_err(|_| not_an_id("unionId", value))?);
            }
            other => {
                return Err(ServiceError::bad_input(
                    other,
                    format!(
                        "`{other}` is not a parameter of the collection sheet: date, creditOfficerId, unionId."
                    ),
                ));
            }
        }
    }
    Ok((date, of))
}

/// The rendered PDF as an attachment, or the failure logged as an internal error.
fn pdf(
    rendered: Result<Result<Vec<u8>, crate::pdf::PdfError>, tokio::task::JoinError>,
    name: &str,
    request_id: Option<&str>,
) -> Response {
    let bytes = match rendered {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(err)) => return failed(ServiceError::internal(err), request_id),
        Err(err) => return failed(ServiceError::internal(err), request_id),
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(header::CONTENT_DISPOSITION, content_disposition(name));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

//! Printed documents: a repayment's receipt and a collection sheet, each rendered to an image
//! with `pdftoppm` (checked not blank) and read back with `pdftotext` (the member, the loan
//! number and the amounts are on it); scope as `repayment(id)` and the lists. Without
//! poppler's tools the checks of the pictures and texts print why they are skipped — except
//! under `CI=true`, where they fail (`.ci/run` installs `poppler-utils`).

use std::path::Path;
use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Days;
use serde_json::{Value, json};

use crate::support::app::{RawResponse, Session};
use crate::support::{Org, TestApp};

/// Whether poppler's `pdftoppm` and `pdftotext` can run; outside CI a missing tool skips.
fn poppler() -> bool {
    let found = ["pdftoppm", "pdftotext"].iter().all(|tool| {
        Command::new(tool)
            .arg("-v")
            .output()
            .is_ok_and(|output| output.status.success() || !output.stderr.is_empty())
    });
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pdftoppm and pdftotext (poppler-utils) are required in CI"
        );
        eprintln!(
            "skipping the PDF picture and text checks: pdftoppm/pdftotext not found (apt-get install poppler-utils)"
        );
    }
    found
}

/// The PDF's text, as `pdftotext -layout` reads it.
fn text_of(pdf: &[u8], dir: &Path) -> String {
    let file = dir.join("document.pdf");
    std::fs::write(&file, pdf).expect("write the PDF");
    let output = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 text")
}

/// The number of pages and, for each page, how many of its pixels are not white.
fn inked_pixels(pdf: &[u8], dir: &Path) -> Vec<usize> {
    let file = dir.join("picture.pdf");
    std::fs::write(&file, pdf).expect("write the PDF");
    let status = Command::new("pdftoppm")
        .args(["-gray", "-r", "40"])
        .arg(&file)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm");
    assert!(status.success());
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .expect("the pages")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "pgm"))
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|page| {
            let bytes = std::fs::read(page).expect("a PGM page");
            // "P5\n<width> <height>\n<max>\n" then one byte per pixel.
            let mut fields = 0;
            let mut start = 0;
            let mut in_field = false;
            for (index, byte) in bytes.iter().enumerate() {
                if byte.is_ascii_whitespace() {
                    if in_field {
                        fields += 1;
                        in_field = false;
                        if fields == 4 {
                            start = index + 1;
                            break;
                        }
                    }
                } else {
                    in_field = true;
                }
            }
            bytes[start..].iter().filter(|pixel| **pixel < 200).count()
        })
        .collect()
}

/// Keeps a copy of a document under `target/` to look at (as the playground's test keeps its
/// screenshot).
fn keep(name: &str, pdf: &[u8]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(name);
    let _ = std::fs::write(path, pdf);
}

async fn get(app: &TestApp, uri: &str, session: Option<&Session>) -> RawResponse {
    let mut request = Request::get(uri);
    if let Some(session) = session {
        request = request.header(
            header::AUTHORIZATION,
            format!("Bearer {}", session.access_token),
        );
    }
    app.send(request.body(Body::empty()).expect("request"))
        .await
}

/// An active daily loan of 10,000 over 30 days for our member, started `days_ago` days ago;
/// its id and number.
async fn loan(app: &TestApp, org: &Org, days_ago: u64) -> (Value, String) {
    let product = app
        .gql("mutation { createLoanType(input: {name: \"Daily\", minAmount: \"1000\", maxAmount: \"20000\", termUnit: DAY, minTerm: 10, maxTerm: 60}) { id } }")
        .by(&org.admin)
        .send()
        .await
        .data()["createLoanType"]["id"]
        .clone();
    let start = app.state.clock.now().date_naive() - Days::new(days_ago);
    let response = app
        .gql("mutation($input: CreateLoanInput!) { createLoan(input: $input) { id loanNumber } }")
        .var(
            "input",
            json!({ "unionMemberId": org.member.id, "loanTypeId": product,
                    "principalAmount": "10000", "termCount": 30, "startDate": start,
                    "creditOfficerId": org.officer.user.id }),
        )
        .by(&org.admin)
        .send()
        .await;
    let loan = &response.data()["createLoan"];
    (
        loan["id"].clone(),
        loan["loanNumber"].as_str().expect("a number").to_owned(),
    )
}

async fn repay(app: &TestApp, session: &Session, loan: &Value, amount: &str, key: &str) -> String {
    app.gql("mutation($input: RecordRepaymentInput!) { recordRepayment(input: $input) { id } }")
        .var(
            "input",
            json!({"loanId": loan, "amount": amount, "method": "CASH", "idempotencyKey": key,
                   "reference": "RCPT-0042"}),
        )
        .by(session)
        .send()
        .await
        .data()["recordRepayment"]["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

#[tokio::test]
async fn a_receipt_shows_the_payment_its_allocation_and_the_balance() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let (loan, number) = loan(&app, &org, 5).await;
    let first = repay(&app, &org.officer, &loan, "1500.50", "r-1").await;
    let twice = repay(&app, &org.officer, &loan, "250", "r-2").await;
    app.gql("mutation($id: ID!) { reverseRepayment(id: $id, reason: \"Recorded twice\") { id } }")
        .var("id", twice.clone())
        .by(&org.admin)
        .send()
        .await;
    let outstanding = app
        .gql("query($id: ID!) { loan(id: $id) { balance { totalOutstanding } } }")
        .var("id", loan.clone())
        .by(&org.admin)
        .send()
        .await
        .data()["loan"]["balance"]["totalOutstanding"]
        .as_str()
        .expect("an amount")
        .to_owned();

    let response = get(&app, &format!("/receipts/{first}.pdf"), Some(&org.officer)).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("application/pdf")
    );
    let disposition = response.header("content-disposition").expect("a file name");
    assert!(
        disposition.contains(&format!("receipt-{number}-")),
        "{disposition}"
    );
    assert!(response.bytes.starts_with(b"%PDF-"));
    let reversed = get(
        &app,
        &format!("/receipts/{twice}.pdf"),
        Some(&org.supervisor),
    )
    .await;
    assert_eq!(reversed.status, StatusCode::OK);
    keep("receipt.pdf", &response.bytes);
    keep("receipt-reversed.pdf", &reversed.bytes);

    // Scope: as `repayment(id)`.
    for (session, status) in [
        (Some(&org.other_officer), StatusCode::NOT_FOUND),
        (Some(&org.other_supervisor), StatusCode::NOT_FOUND),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        let response = get(&app, &format!("/receipts/{first}.pdf"), session).await;
        assert_eq!(response.status, status);
        assert!(!response.bytes.starts_with(b"%PDF"));
    }
    for uri in [
        "/receipts/not-an-id.pdf",
        &format!("/receipts/{first}"),
        &format!("/receipts/{}.pdf", uuid::Uuid::new_v4()),
    ] {
        let response = get(&app, uri, Some(&org.admin)).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{uri}");
    }

    if !poppler() {
        return;
    }
    let dir = tempfile::tempdir().expect("a directory");
    let text = text_of(&response.bytes, dir.path());
    for expected in [
        "Repayment receipt",
        "Chiamaka Nwosu",
        &org.member.code,
        &number,
        &org.union.name,
        "₦1,500.50",
        "RCPT-0042",
        "Chidi Officer",
        "Installment 1",
        "Balance outstanding",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    let outstanding = crate_money(&outstanding);
    assert!(text.contains(&outstanding), "{outstanding} not in:\n{text}");
    assert!(!text.contains("REVERSED"));
    let pages = inked_pixels(&response.bytes, dir.path());
    assert_eq!(pages.len(), 1);
    assert!(pages[0] > 1_000, "a receipt prints: {pages:?}");

    let dir = tempfile::tempdir().expect("a directory");
    let text = text_of(&reversed.bytes, dir.path());
    assert!(text.contains("REVERSED"), "{text}");
    assert!(text.contains("Recorded twice"), "{text}");
    assert!(text.contains("₦250.00"), "{text}");
}

/// `1234.5` as the documents print it: `₦1,234.50`.
fn crate_money(amount: &str) -> String {
    millennium::pdf::money("₦", amount.parse().expect("an amount"))
}

#[tokio::test]
async fn a_collection_sheet_lists_what_each_member_owes_on_the_day() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let (loan, number) = loan(&app, &org, 5).await;
    repay(&app, &org.officer, &loan, "500", "c-1").await;
    let day = app.state.clock.now().date_naive();
    let balance = app
        .gql("query($id: ID!, $day: Date!) { loan(id: $id) { balance(asOf: $day) { dueToday overdueAmount } } }")
        .var("id", loan.clone())
        .var("day", day.to_string())
        .by(&org.admin)
        .send()
        .await
        .data()["loan"]["balance"]
        .clone();
    let due = crate_money(balance["dueToday"].as_str().expect("due"));
    let overdue = crate_money(balance["overdueAmount"].as_str().expect("overdue"));
    assert_ne!(overdue, "₦0.00", "the loan is behind");

    let officer = org.officer.user.id;
    let uri = format!("/exports/collection-sheet.pdf?date={day}&creditOfficerId={officer}");
    let response = get(&app, &uri, Some(&org.supervisor)).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("application/pdf")
    );
    let disposition = response.header("content-disposition").expect("a file name");
    assert!(
        disposition.contains(&format!("collection-sheet-{day}.pdf")),
        "{disposition}"
    );
    keep("collection-sheet.pdf", &response.bytes);
    // The officer's own, without naming themself; and by union.
    let own = get(
        &app,
        &format!("/exports/collection-sheet.pdf?date={day}"),
        Some(&org.officer),
    )
    .await;
    assert_eq!(own.status, StatusCode::OK);
    let by_union = format!(
        "/exports/collection-sheet.pdf?date={day}&unionId={}",
        org.union.id
    );
    assert_eq!(
        get(&app, &by_union, Some(&org.admin)).await.status,
        StatusCode::OK
    );

    // Scope and input.
    for (uri, session, status) in [
        (uri.clone(), &org.other_officer, StatusCode::NOT_FOUND),
        (uri.clone(), &org.other_supervisor, StatusCode::NOT_FOUND),
        (by_union.clone(), &org.other_officer, StatusCode::NOT_FOUND),
        (
            "/exports/collection-sheet.pdf".to_owned(),
            &org.admin,
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/exports/collection-sheet.pdf?date=24-11-2026&creditOfficerId={officer}"),
            &org.admin,
            StatusCode::BAD_REQUEST,
        ),
        (
            "/exports/collection-sheet.pdf?creditOfficerId=42".to_owned(),
            &org.admin,
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let refused = get(&app, &uri, Some(session)).await;
        assert_eq!(refused.status, status, "{uri}: {:?}", refused.body);
    }
    let theirs = format!("/exports/collection-sheet.pdf?date={day}");
    let theirs = get(&app, &theirs, Some(&org.other_officer)).await;
    assert_eq!(
        theirs.status,
        StatusCode::OK,
        "an officer without loans due gets an empty sheet"
    );

    if !poppler() {
        return;
    }
    let dir = tempfile::tempdir().expect("a directory");
    let text = text_of(&response.bytes, dir.path());
    for expected in [
        "Collection sheet",
        "Chidi Officer",
        &org.union.name,
        "Chiamaka Nwosu",
        &number,
        &due,
        &overdue,
        "Collected",
        "Total to collect",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    let pages = inked_pixels(&response.bytes, dir.path());
    assert!(pages.iter().all(|inked| *inked > 500), "{pages:?}");
    let dir = tempfile::tempdir().expect("a directory");
    let text = text_of(&theirs.bytes, dir.path());
    assert!(
        text.contains("Nothing is due or overdue on this day."),
        "{text}"
    );
    assert!(!text.contains("Chiamaka Nwosu"), "{text}");
}

//! Exports (`GET /exports/{list}.csv|.xlsx`): each file read back — CSV with the `csv` crate,
//! XLSX with `calamine` — equals the GraphQL list's nodes for the same filter and caller, in the
//! same order; scope as the lists (an officer's unions, a supervisor's team, a filter that
//! cannot widen it); bad filters, unknown lists and missing tokens refused with nothing else.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Data, DataType, Reader, Xlsx};
use chrono::{DateTime, NaiveDate, SecondsFormat, Timelike, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::app::{RawResponse, Session};
use crate::support::money::{active_loan, repay};
use crate::support::scenario::Scenario;
use crate::support::{Org, TestApp};

/// How a column's values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Money,
    Integer,
    Date,
    Instant,
}

/// A list and the columns compared: the export's header, the kind, and where the value is in
/// a GraphQL node (a JSON pointer; two pointers joined by a space for a full name).
struct Listed {
    list: &'static str,
    query: &'static str,
    columns: &'static [(&'static str, Kind, &'static str)],
}

const LOANS: Listed = Listed {
    list: "loans",
    query: "query($filter: LoanFilter) { list: loans(filter: $filter, first: 100) { nodes {
        loanNumber status principalAmount startDate createdAt
        unionMember { code fullName } union { name } assignedOfficer { fullName }
        loanType { name } balance { totalPaid totalOutstanding daysInArrears } } } }",
    columns: &[
        ("Loan number", Kind::Text, "/loanNumber"),
        ("Status", Kind::Text, "/status"),
        ("Member code", Kind::Text, "/unionMember/code"),
        ("Member", Kind::Text, "/unionMember/fullName"),
        ("Union", Kind::Text, "/union/name"),
        ("Credit officer", Kind::Text, "/assignedOfficer/fullName"),
        ("Product", Kind::Text, "/loanType/name"),
        ("Principal", Kind::Money, "/principalAmount"),
        ("Start date", Kind::Date, "/startDate"),
        ("Total paid", Kind::Money, "/balance/totalPaid"),
        ("Outstanding", Kind::Money, "/balance/totalOutstanding"),
        ("Days in arrears", Kind::Integer, "/balance/daysInArrears"),
        ("Created at", Kind::Instant, "/createdAt"),
    ],
};

const REPAYMENTS: Listed = Listed {
    list: "repayments",
    query: "query($filter: RepaymentFilter) { list: repayments(filter: $filter, first: 100) {
        nodes { id amount paidAt method reversedAt receivedBy { fullName }
        loan { loanNumber unionMember { code fullName } union { name } } } } }",
    columns: &[
        ("Repayment ID", Kind::Text, "/id"),
        ("Paid at", Kind::Instant, "/paidAt"),
        ("Loan number", Kind::Text, "/loan/loanNumber"),
        ("Member code", Kind::Text, "/loan/unionMember/code"),
        ("Member", Kind::Text, "/loan/unionMember/fullName"),
        ("Union", Kind::Text, "/loan/union/name"),
        ("Amount", Kind::Money, "/amount"),
        ("Method", Kind::Text, "/method"),
        ("Received by", Kind::Text, "/receivedBy/fullName"),
        ("Reversed at", Kind::Instant, "/reversedAt"),
    ],
};

const SCHEDULE_ITEMS: Listed = Listed {
    list: "scheduleItems",
    query: "query($filter: ScheduleItemFilter) { list: scheduleItems(filter: $filter, first: 100) {
        nodes { sequence dueDate principalDue interestDue totalDue paidAmount remainingAmount
        status loan { loanNumber unionMember { fullName } } } } }",
    columns: &[
        ("Loan number", Kind::Text, "/loan/loanNumber"),
        ("Member", Kind::Text, "/loan/unionMember/fullName"),
        ("Installment", Kind::Integer, "/sequence"),
        ("Due date", Kind::Date, "/dueDate"),
        ("Principal due", Kind::Money, "/principalDue"),
        ("Interest due", Kind::Money, "/interestDue"),
        ("Total due", Kind::Money, "/totalDue"),
        ("Paid", Kind::Money, "/paidAmount"),
        ("Remaining", Kind::Money, "/remainingAmount"),
        ("Status", Kind::Text, "/status"),
    ],
};

const UNION_MEMBERS: Listed = Listed {
    list: "unionMembers",
    query: "query($filter: UnionMemberFilter) { list: unionMembers(filter: $filter, first: 100) {
        nodes { code firstName lastName phone createdAt union { name }
        creditOfficer { fullName } } } }",
    columns: &[
        ("Member code", Kind::Text, "/code"),
        ("First name", Kind::Text, "/firstName"),
        ("Last name", Kind::Text, "/lastName"),
        ("Union", Kind::Text, "/union/name"),
        ("Credit officer", Kind::Text, "/creditOfficer/fullName"),
        ("Phone", Kind::Text, "/phone"),
        ("Created at", Kind::Instant, "/createdAt"),
    ],
};

const UNIONS: Listed = Listed {
    list: "unions",
    query: "query($filter: UnionFilter) { list: unions(filter: $filter, first: 100) {
        nodes { name location memberCount loanCount creditOfficer { fullName email } } } }",
    columns: &[
        ("Union", Kind::Text, "/name"),
        ("Location", Kind::Text, "/location"),
        ("Credit officer", Kind::Text, "/creditOfficer/fullName"),
        ("Credit officer email", Kind::Text, "/creditOfficer/email"),
        ("Members", Kind::Integer, "/memberCount"),
        ("Loans", Kind::Integer, "/loanCount"),
    ],
};

const USERS: Listed = Listed {
    list: "users",
    query: "query($filter: UserFilter) { list: users(filter: $filter, first: 100) {
        nodes { firstName lastName email role supervisor { fullName } } } }",
    columns: &[
        ("First name", Kind::Text, "/firstName"),
        ("Last name", Kind::Text, "/lastName"),
        ("Email", Kind::Text, "/email"),
        ("Role", Kind::Text, "/role"),
        ("Supervisor", Kind::Text, "/supervisor/fullName"),
    ],
};

const AUDIT_LOGS: Listed = Listed {
    list: "auditLogs",
    query: "query($filter: AuditLogFilter) { list: auditLogs(filter: $filter, first: 100) {
        nodes { action entityName entityId createdAt actor { fullName email } } } }",
    columns: &[
        ("At", Kind::Instant, "/createdAt"),
        ("Action", Kind::Text, "/action"),
        ("Entity", Kind::Text, "/entityName"),
        ("Entity ID", Kind::Text, "/entityId"),
        ("Actor", Kind::Text, "/actor/fullName"),
        ("Actor email", Kind::Text, "/actor/email"),
    ],
};

/// A GraphQL value as the text the comparison uses.
fn from_json(kind: Kind, value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => return String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    normalised(kind, &text)
}

/// A CSV (or GraphQL) text in the comparison's form: money with two places, instants to the
/// second in UTC.
fn normalised(kind: Kind, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    match kind {
        Kind::Money => format!("{:.2}", text.parse::<Decimal>().expect("an amount")),
        Kind::Instant => DateTime::parse_from_rfc3339(text)
            .expect("an instant")
            .with_timezone(&Utc)
            .with_nanosecond(0)
            .expect("whole seconds")
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        Kind::Text | Kind::Integer | Kind::Date => text.to_owned(),
    }
}

/// An XLSX cell in the comparison's form; checks that money and days are numbers and dates.
fn from_xlsx(kind: Kind, cell: &Data) -> String {
    match (kind, cell) {
        (_, Data::Empty) => String::new(),
        (Kind::Text, Data::String(text)) => text.clone(),
        (Kind::Money, Data::Float(value)) => format!("{value:.2}"),
        (Kind::Integer, Data::Float(value)) => format!("{value:.0}"),
        (Kind::Integer, Data::Int(value)) => value.to_string(),
        (Kind::Date, Data::DateTime(_)) => cell
            .as_date()
            .expect("a date")
            .format("%Y-%m-%d")
            .to_string(),
        (Kind::Instant, Data::DateTime(_)) => {
            let at = cell.as_datetime().expect("a date and time");
            // A spreadsheet's time is a fraction of a day: round to the nearest second.
            let at = (at + chrono::Duration::milliseconds(500))
                .with_nanosecond(0)
                .expect("whole seconds");
            at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
        }
        (kind, cell) => panic!("a {kind:?} column holds {cell:?}"),
    }
}

/// The GraphQL list's nodes as rows of the compared columns.
async fn graphql_rows(
    app: &TestApp,
    session: &Session,
    listed: &Listed,
    filter: &Value,
) -> Vec<Vec<String>> {
    let response = app
        .gql(listed.query)
        .var("filter", filter.clone())
        .by(session)
        .send()
        .await;
    let nodes = response.data()["list"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    nodes
        .iter()
        .map(|node| {
            listed
                .columns
                .iter()
                .map(|(_, kind, pointer)| from_json(*kind, node.pointer(pointer)))
                .collect()
        })
        .collect()
}

/// `GET uri` with the bearer token of `session`, if any.
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

/// The query string of a filter: `filter=<JSON>`, percent-encoded.
fn filter_query(filter: &Value) -> String {
    let text = filter.to_string();
    let encoded: String = text
        .bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect();
    format!("filter={encoded}")
}

/// The CSV export's rows of the compared columns (the header checked to hold them all).
fn csv_rows(listed: &Listed, bytes: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().expect("a header line").clone();
    let at: Vec<usize> = listed
        .columns
        .iter()
        .map(|(name, _, _)| {
            headers
                .iter()
                .position(|header| header == *name)
                .unwrap_or_else(|| panic!("no column {name:?} in {headers:?}"))
        })
        .collect();
    reader
        .records()
        .map(|record| {
            let record = record.expect("a record");
            at.iter()
                .zip(listed.columns)
                .map(|(index, (_, kind, _))| normalised(*kind, &record[*index]))
                .collect()
        })
        .collect()
}

/// The XLSX export's rows of the compared columns, from its first worksheet.
fn xlsx_rows(listed: &Listed, bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("an XLSX file");
    let sheet = workbook
        .worksheet_range_at(0)
        .expect("a worksheet")
        .expect("readable");
    let mut rows = sheet.rows();
    let headers: Vec<String> = rows
        .next()
        .expect("a header row")
        .iter()
        .map(|cell| cell.to_string())
        .collect();
    let at: Vec<usize> = listed
        .columns
        .iter()
        .map(|(name, _, _)| {
            headers
                .iter()
                .position(|header| header == name)
                .unwrap_or_else(|| panic!("no column {name:?} in {headers:?}"))
        })
        .collect();
    rows.map(|row| {
        at.iter()
            .zip(listed.columns)
            .map(|(index, (_, kind, _))| from_xlsx(*kind, row.get(*index).unwrap_or(&Data::Empty)))
            .collect()
    })
    .collect()
}

/// Checks that both files of `listed` equal the GraphQL list for `session` and `filter`;
/// returns the rows.
async fn exports_equal_list(
    app: &TestApp,
    session: &Session,
    listed: &Listed,
    filter: &Value,
) -> Vec<Vec<String>> {
    let expected = graphql_rows(app, session, listed, filter).await;
    let query = filter_query(filter);
    let today = app.state.clock.now().date_naive().format("%Y-%m-%d");

    let csv = get(
        app,
        &format!("/exports/{}.csv?{query}", listed.list),
        Some(session),
    )
    .await;
    assert_eq!(
        csv.status,
        StatusCode::OK,
        "{}: {:?}",
        listed.list,
        csv.body
    );
    assert_eq!(
        csv.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let disposition = csv.header("content-disposition").expect("a file name");
    assert!(
        disposition.contains(&format!("filename=\"{}-{today}.csv\"", listed.list)),
        "{disposition}"
    );
    assert_eq!(
        csv_rows(listed, &csv.bytes),
        expected,
        "{} as CSV",
        listed.list
    );

    let xlsx = get(
        app,
        &format!("/exports/{}.xlsx?{query}", listed.list),
        Some(session),
    )
    .await;
    assert_eq!(
        xlsx.status,
        StatusCode::OK,
        "{}: {:?}",
        listed.list,
        xlsx.body
    );
    assert_eq!(
        xlsx.header("content-type").as_deref(),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let disposition = xlsx.header("content-disposition").expect("a file name");
    assert!(
        disposition.contains(&format!("{}-{today}.xlsx", listed.list)),
        "{disposition}"
    );
    assert_eq!(
        xlsx_rows(listed, xlsx.bytes),
        expected,
        "{} as XLSX",
        listed.list
    );
    expected
}

/// The scenario's organisation with money: a loan in our union (two repayments, one of them
/// reversed) and one in theirs (one repayment).
async fn book(app: &TestApp) -> Scenario {
    let scenario = Scenario::new(app).await;
    let org = &scenario.org;
    let product = app
        .gql("mutation { createLoanType(input: {name: \"Daily\", minAmount: \"1000\", maxAmount: \"20000\", termUnit: DAY, minTerm: 10, maxTerm: 60}) { id } }")
        .by(&org.admin)
        .send()
        .await
        .data()["createLoanType"]["id"]
        .clone();
    let ours = active_loan(
        app,
        &org.admin,
        &product,
        &org.member.id.to_string(),
        &org.officer.user.id.to_string(),
        "10000",
    )
    .await;
    let theirs = active_loan(
        app,
        &org.admin,
        &product,
        &scenario.colleague_member.id.to_string(),
        &scenario.spare_officer.id.to_string(),
        "12000",
    )
    .await;
    repay(app, &org.officer, &ours, "1500.50", "ours-1").await;
    let twice = repay(app, &org.officer, &ours, "400", "ours-2").await;
    app.gql("mutation($id: ID!) { reverseRepayment(id: $id, reason: \"Recorded twice\") { id } }")
        .var("id", twice)
        .by(&org.admin)
        .send()
        .await;
    repay(app, &org.admin, &theirs, "2000", "theirs-1").await;
    scenario
}

#[tokio::test]
async fn every_export_equals_its_graphql_list_for_every_role() {
    let app = TestApp::spawn().await;
    let scenario = book(&app).await;
    let org = &scenario.org;
    let everything = json!({});
    let reversed_too = json!({ "includeReversed": true });
    for session in [&org.admin, &org.supervisor, &org.officer] {
        let role = session.user.role;
        let loans = exports_equal_list(&app, session, &LOANS, &everything).await;
        assert!(!loans.is_empty(), "{role:?} sees loans");
        let repayments = exports_equal_list(&app, session, &REPAYMENTS, &reversed_too).await;
        assert!(!repayments.is_empty(), "{role:?} sees repayments");
        let items = exports_equal_list(&app, session, &SCHEDULE_ITEMS, &everything).await;
        assert!(items.len() >= 30, "{role:?} sees installments");
        assert!(
            !exports_equal_list(&app, session, &UNION_MEMBERS, &everything)
                .await
                .is_empty()
        );
        assert!(
            !exports_equal_list(&app, session, &UNIONS, &everything)
                .await
                .is_empty()
        );
        assert!(
            !exports_equal_list(&app, session, &USERS, &everything)
                .await
                .is_empty()
        );
    }
    for session in [&org.admin, &org.supervisor] {
        let entries = exports_equal_list(&app, session, &AUDIT_LOGS, &everything).await;
        assert!(!entries.is_empty());
    }
    // Filters, as JSON and as query parameters, read the same as the lists'.
    let active = json!({ "status": ["ACTIVE", "DEFAULTED"], "principalMin": "11000", "principalMax": "15000" });
    let loans = exports_equal_list(&app, &org.admin, &LOANS, &active).await;
    assert_eq!(loans.len(), 1, "only the 12,000 loan");
    let by_union = json!({ "unionId": org.union.id, "includeReversed": false });
    let repayments = exports_equal_list(&app, &org.admin, &REPAYMENTS, &by_union).await;
    assert_eq!(repayments.len(), 1, "our loan's live repayment");
    assert_eq!(repayments[0][6], "1500.50");
    let due = json!({ "dueFrom": "2000-01-01", "status": ["PENDING", "PARTIAL"] });
    exports_equal_list(&app, &org.officer, &SCHEDULE_ITEMS, &due).await;
    exports_equal_list(
        &app,
        &org.admin,
        &USERS,
        &json!({ "role": "CREDIT_OFFICER", "isActive": true }),
    )
    .await;

    let as_parameters = get(
        &app,
        "/exports/loans.csv?status=ACTIVE&status=DEFAULTED&principalMin=11000&principalMax=15000",
        Some(&org.admin),
    )
    .await;
    assert_eq!(csv_rows(&LOANS, &as_parameters.bytes), loans);
}

#[tokio::test]
async fn an_export_holds_only_the_callers_scope_and_a_filter_cannot_widen_it() {
    let app = TestApp::spawn().await;
    let scenario = book(&app).await;
    let org = &scenario.org;
    let unions_of = |rows: &[Vec<String>], column: usize| {
        let mut unions: Vec<String> = rows.iter().map(|row| row[column].clone()).collect();
        unions.sort();
        unions.dedup();
        unions
    };
    // The officer: their own unions only, whatever the filter asks.
    let officer = get(&app, "/exports/loans.csv", Some(&org.officer)).await;
    let rows = csv_rows(&LOANS, &officer.bytes);
    assert_eq!(unions_of(&rows, 4), std::slice::from_ref(&org.union.name));
    for widening in [
        format!("unionId={}", scenario.colleague_union.id),
        format!("creditOfficerId={}", scenario.spare_officer.id),
        format!("unionId={}", org.other_union.id),
    ] {
        let response = get(
            &app,
            &format!("/exports/loans.csv?{widening}"),
            Some(&org.officer),
        )
        .await;
        assert_eq!(response.status, StatusCode::OK);
        assert!(csv_rows(&LOANS, &response.bytes).is_empty(), "{widening}");
        if widening.starts_with("unionId") {
            let response = get(
                &app,
                &format!("/exports/repayments.xlsx?{widening}"),
                Some(&org.officer),
            )
            .await;
            assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
            assert!(
                xlsx_rows(&REPAYMENTS, response.bytes).is_empty(),
                "{widening}"
            );
        }
    }
    let members = get(&app, "/exports/unionMembers.csv", Some(&org.officer)).await;
    let members = csv_rows(&UNION_MEMBERS, &members.bytes);
    assert!(
        members
            .iter()
            .all(|row| row[3] == org.union.name || row[3] == scenario.handed_union.name),
        "{members:?}"
    );
    let users = get(&app, "/exports/users.csv", Some(&org.officer)).await;
    let users = csv_rows(&USERS, &users.bytes);
    assert_eq!(users.len(), 1, "an officer sees themself: {users:?}");
    assert_eq!(users[0][2], org.officer.user.email);

    // The supervisor: the team's unions (our officer's and the spare officer's), not theirs.
    let supervisor = get(
        &app,
        "/exports/repayments.csv?includeReversed=true",
        Some(&org.supervisor),
    )
    .await;
    let rows = csv_rows(&REPAYMENTS, &supervisor.bytes);
    assert_eq!(rows.len(), 3);
    assert_eq!(
        unions_of(&rows, 5),
        [
            scenario.colleague_union.name.clone(),
            org.union.name.clone()
        ]
    );
    let theirs = get(&app, "/exports/loans.xlsx", Some(&org.other_supervisor)).await;
    let theirs = xlsx_rows(&LOANS, theirs.bytes);
    assert_eq!(
        unions_of(&theirs, 4),
        std::slice::from_ref(&org.other_union.name)
    );

    // The audit log: none for officers (refused, as `auditLogs` is).
    for format in ["csv", "xlsx"] {
        let response = get(
            &app,
            &format!("/exports/auditLogs.{format}"),
            Some(&org.officer),
        )
        .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN);
        assert_eq!(
            response.body["errors"][0]["extensions"]["code"],
            "FORBIDDEN"
        );
    }
    // Deleted rows are for administrators.
    let response = get(
        &app,
        "/exports/unions.csv?includeDeleted=true",
        Some(&org.officer),
    )
    .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let response = get(
        &app,
        "/exports/unions.csv?includeDeleted=true",
        Some(&org.admin),
    )
    .await;
    let names: Vec<String> = csv_rows(&UNIONS, &response.bytes)
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    assert!(names.contains(&scenario.deleted_union.name), "{names:?}");
}

/// The values of the CSV column `column` in the export at `uri`, and of `pointer` in the nodes
/// of the GraphQL list `query` ordered by `order`: both in their order.
async fn ordered_both_ways(
    app: &TestApp,
    session: &Session,
    uri: &str,
    column: &str,
    query: &str,
    order: Value,
    pointer: &str,
) -> (Vec<String>, Vec<String>) {
    let response = get(app, uri, Some(session)).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{uri}: {:?}",
        response.body
    );
    let mut reader = csv::Reader::from_reader(&response.bytes[..]);
    let at = reader
        .headers()
        .expect("a header line")
        .iter()
        .position(|header| header == column)
        .unwrap_or_else(|| panic!("no column {column:?}"));
    let exported = reader
        .records()
        .map(|record| record.expect("a record")[at].to_owned())
        .collect();
    let listed = app
        .gql(query)
        .var("order", order)
        .by(session)
        .send()
        .await
        .data()["list"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| {
            node.pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    (exported, listed)
}

#[tokio::test]
async fn an_export_follows_the_order_its_list_is_given() {
    let app = TestApp::spawn().await;
    let scenario = book(&app).await;
    let admin = &scenario.org.admin;

    let users = "query($order: UserOrder) { list: users(orderBy: $order, first: 100) {
        nodes { email } } }";
    let (default, _) = ordered_both_ways(
        &app,
        admin,
        "/exports/users.csv",
        "Email",
        users,
        Value::Null,
        "/email",
    )
    .await;
    let cases = [
        ("orderBy=EMAIL", json!({ "field": "EMAIL" })),
        (
            "orderBy=%7B%22field%22%3A%22EMAIL%22%2C%22direction%22%3A%22DESC%22%7D",
            json!({ "field": "EMAIL", "direction": "DESC" }),
        ),
    ];
    for (parameter, order) in cases {
        let uri = format!("/exports/users.csv?{parameter}");
        let (exported, listed) =
            ordered_both_ways(&app, admin, &uri, "Email", users, order, "/email").await;
        assert!(exported.len() > 2, "{exported:?}");
        assert_eq!(exported, listed, "{parameter}");
    }
    let (descending, _) = ordered_both_ways(
        &app,
        admin,
        "/exports/users.csv?orderBy=%7B%22field%22%3A%22EMAIL%22%2C%22direction%22%3A%22DESC%22%7D",
        "Email",
        users,
        Value::Null,
        "/email",
    )
    .await;
    let mut sorted = descending.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(descending, sorted, "by email, Z to A");
    assert_ne!(descending, default, "the order was followed");

    let members = "query($order: UnionMemberOrder) { list: unionMembers(orderBy: $order,
        first: 100) { nodes { code } } }";
    let (exported, listed) = ordered_both_ways(
        &app,
        admin,
        "/exports/unionMembers.csv?orderBy=%7B%22field%22%3A%22CODE%22%2C%22direction%22%3A%22DESC%22%7D",
        "Member code",
        members,
        json!({ "field": "CODE", "direction": "DESC" }),
        "/code",
    )
    .await;
    assert!(exported.len() > 1, "{exported:?}");
    assert_eq!(exported, listed);

    let unions = "query($order: UnionOrder) { list: unions(orderBy: $order, first: 100) {
        nodes { name } } }";
    let (exported, listed) = ordered_both_ways(
        &app,
        admin,
        "/exports/unions.csv?orderBy=CREATED_AT",
        "Union",
        unions,
        json!({ "field": "CREATED_AT" }),
        "/name",
    )
    .await;
    assert!(exported.len() > 1, "{exported:?}");
    assert_eq!(exported, listed);
}

#[tokio::test]
async fn bad_requests_get_an_error_and_nothing_else() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let cases = [
        ("/exports/loans.csv?status=SLEEPING", "status"),
        ("/exports/loans.xlsx?status=ACTIVE&status=LATE", "status"),
        ("/exports/loans.csv?unionId=42", "unionId"),
        ("/exports/loans.csv?principalMin=lots", "principalMin"),
        ("/exports/loans.csv?colour=red", "colour"),
        ("/exports/users.csv?isActive=maybe", "isActive"),
        (
            "/exports/scheduleItems.csv?dueFrom=24%2F11%2F2026",
            "dueFrom",
        ),
        ("/exports/repayments.csv?filter=%7Bnot%20json", "filter"),
        (
            "/exports/repayments.csv?filter=%7B%22paidFrom%22%3A%22yesterday%22%7D",
            "paidFrom",
        ),
        ("/exports/auditLogs.csv?action=DANCED", "action"),
        ("/exports/loans.csv?orderBy=CREATED_AT", "orderBy"),
        ("/exports/users.csv?orderBy=SHOE_SIZE", "orderBy"),
        (
            "/exports/unions.xlsx?orderBy=%7B%22direction%22%3A%22UP%22%7D",
            "orderBy",
        ),
        ("/exports/unionMembers.csv?orderBy=%7Bnope", "orderBy"),
    ];
    for (uri, field) in cases {
        let response = get(&app, uri, Some(&org.admin)).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {:?}",
            response.body
        );
        assert!(
            response
                .header("content-type")
                .unwrap_or_default()
                .starts_with("application/json"),
            "{uri}"
        );
        assert!(response.header("content-disposition").is_none(), "{uri}");
        let error = &response.body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{uri}");
        assert_eq!(error["extensions"]["field"], field, "{uri}: {error}");
        assert_eq!(
            response.body.as_object().map(|body| body.len()),
            Some(1),
            "{uri}"
        );
    }
    for uri in [
        "/exports/payroll.csv",
        "/exports/loans.pdf",
        "/exports/loans",
        "/exports/Loans.csv",
    ] {
        let response = get(&app, uri, Some(&org.admin)).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(
            response.body["errors"][0]["extensions"]["code"],
            "NOT_FOUND"
        );
    }
    let response = get(&app, "/exports/loans.csv", None).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.body["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let response = app
        .send(
            Request::get("/exports/loans.csv")
                .header(header::AUTHORIZATION, "Bearer not-a-token")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn money_and_days_are_numbers_and_dates_in_the_workbook() {
    let app = TestApp::spawn().await;
    let scenario = book(&app).await;
    let response = get(&app, "/exports/loans.xlsx", Some(&scenario.org.admin)).await;
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(response.bytes)).expect("an XLSX file");
    assert_eq!(workbook.sheet_names(), ["Loans"]);
    let sheet = workbook
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    let header: Vec<String> = sheet
        .rows()
        .next()
        .expect("a header")
        .iter()
        .map(|cell| cell.to_string())
        .collect();
    let principal = header
        .iter()
        .position(|name| name == "Principal")
        .expect("Principal");
    let start = header
        .iter()
        .position(|name| name == "Start date")
        .expect("Start date");
    let row = sheet.rows().nth(1).expect("a loan");
    assert!(
        matches!(row[principal], Data::Float(_)),
        "{:?}",
        row[principal]
    );
    let Data::DateTime(day) = &row[start] else {
        panic!("a date: {:?}", row[start]);
    };
    assert!(day.is_datetime());
    let today: NaiveDate = app.state.clock.now().date_naive();
    assert_eq!(row[start].as_date(), Some(today));
}

//! Loans through the API: creation by each role, the lifecycle and who may drive it, one open
//! loan per member (also under concurrency), schedules as SPEC 5.2 computes them, scope, and the
//! statement budget of a page of loans.

use serde_json::{Value, json};

use crate::support::records::audit_actions;
use crate::support::{MemberFactory, Org, TestApp};

const CREATE_PRODUCT: &str =
    "mutation($input: CreateLoanTypeInput!) { createLoanType(input: $input) { id } }";

const CREATE_LOAN: &str = "mutation($input: CreateLoanInput!) {
    createLoan(input: $input) {
        id loanNumber status principalAmount termCount endDate processingFeeCollected
        approvedBy { email } assignedOfficer { email }
        schedule { sequence dueDate totalDue status }
    }
}";

/// A daily and a weekly product, created by the administrator; their ids.
async fn products(app: &TestApp, org: &Org) -> (String, String) {
    let create = |input: Value| async move {
        app.gql(CREATE_PRODUCT)
            .var("input", input)
            .by(&org.admin)
            .send()
            .await
            .data()["createLoanType"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let daily = create(json!({
        "name": "Market Women Daily", "minAmount": "1000", "maxAmount": "20000",
        "termUnit": "DAY", "minTerm": 10, "maxTerm": 60, "defaultProcessingFee": "200"
    }))
    .await;
    let weekly = create(json!({
        "name": "Weekly Trader Loan", "minAmount": "5000", "maxAmount": "100000",
        "termUnit": "WEEK", "minTerm": 4, "maxTerm": 24
    }))
    .await;
    (daily, weekly)
}

fn loan_input(member: impl ToString, product: &str, principal: &str, terms: i64) -> Value {
    json!({
        "unionMemberId": member.to_string(), "loanTypeId": product,
        "principalAmount": principal, "termCount": terms
    })
}

fn with(mut input: Value, extra: Value) -> Value {
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    input
}

#[tokio::test]
async fn the_acceptance_path_from_application_to_active() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let (daily, weekly) = products(&app, &org).await;

    // An administrator's loan is approved and disbursed at once; they name the officer.
    let response = app
        .gql(CREATE_LOAN)
        .var("input", loan_input(org.member.id, &daily, "10000", 30))
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert_eq!(response.error_field().as_deref(), Some("creditOfficerId"));
    let response = app
        .gql(CREATE_LOAN)
        .var(
            "input",
            with(
                loan_input(org.member.id, &daily, "10000", 30),
                json!({"creditOfficerId": org.officer.user.id.to_string()}),
            ),
        )
        .by(&org.admin)
        .send()
        .await;
    let loan = &response.data()["createLoan"];
    assert_eq!(loan["status"], "ACTIVE");
    assert_eq!(loan["loanNumber"], "LN00000001");
    assert_eq!(loan["processingFeeCollected"], true);
    assert_eq!(loan["approvedBy"]["email"], org.admin.user.email);
    assert_eq!(loan["assignedOfficer"]["email"], org.officer.user.email);
    let schedule = loan["schedule"].as_array().expect("schedule");
    assert_eq!(schedule.len(), 30);
    assert!(
        schedule[..29]
            .iter()
            .all(|item| item["totalDue"] == "333.33")
    );
    assert_eq!(schedule[29]["totalDue"], "333.43");
    assert_eq!(schedule[29]["dueDate"], loan["endDate"]);
    assert!(schedule.iter().all(|item| item["status"] == "PENDING"));

    // A second open loan for the same member is refused, naming the first.
    let response = app
        .gql(CREATE_LOAN)
        .var("input", loan_input(org.member.id, &weekly, "50000", 12))
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(response.error_code(), "CONFLICT");
    assert!(
        response.error_message().contains("LN00000001"),
        "{}",
        response.error_message()
    );

    // An officer's application waits for approval.
    let second = MemberFactory::new(&org.union)
        .names("Yetunde", "Bakare")
        .insert(&app)
        .await;
    let response = app
        .gql(CREATE_LOAN)
        .var("input", loan_input(second.id, &weekly, "50000", 12))
        .by(&org.officer)
        .send()
        .await;
    let application = response.data()["createLoan"].clone();
    assert_eq!(application["status"], "PENDING_APPROVAL");
    assert_eq!(application["schedule"][11]["totalDue"], "4166.63");
    let id = application["id"].clone();

    let approve = "mutation($id: ID!) { approveLoan(id: $id, note: \"Good record\") { status approvedBy { email } } }";
    let response = app
        .gql(approve)
        .var("id", id.clone())
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(response.error_code(), "FORBIDDEN");
    let response = app
        .gql(approve)
        .var("id", id.clone())
        .by(&org.other_supervisor)
        .send()
        .await;
    assert_eq!(response.error_code(), "NOT_FOUND");
    let response = app
        .gql(approve)
        .var("id", id.clone())
        .by(&org.supervisor)
        .send()
        .await;
    assert_eq!(response.data()["approveLoan"]["status"], "APPROVED");
    assert_eq!(
        response.data()["approveLoan"]["approvedBy"]["email"],
        org.supervisor.user.email
    );
    // Approving twice is a conflict with the lifecycle.
    let response = app
        .gql(approve)
        .var("id", id.clone())
        .by(&org.supervisor)
        .send()
        .await;
    assert_eq!(response.error_code(), "CONFLICT");

    let response = app
        .gql("mutation($id: ID!) { disburseLoan(id: $id) { status disbursedAt } }")
        .var("id", id.clone())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.data()["disburseLoan"]["status"], "ACTIVE");

    // Every step is audited.
    let actions = audit_actions(&app).await;
    for action in ["LOAN_CREATED", "LOAN_APPROVED", "LOAN_DISBURSED"] {
        assert!(
            actions.contains(&action.to_owned()),
            "{action}: {actions:?}"
        );
    }
}

#[tokio::test]
async fn applications_fit_their_product_and_stay_in_scope() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let (_, weekly) = products(&app, &org).await;
    for (principal, terms, field) in [
        ("4999.99", 12, "principalAmount"),
        ("5000", 30, "termCount"),
        ("5000.001", 12, "principalAmount"),
    ] {
        let response = app
            .gql(CREATE_LOAN)
            .var(
                "input",
                loan_input(org.member.id, &weekly, principal, terms),
            )
            .by(&org.officer)
            .send()
            .await;
        assert_eq!(
            response.error_code(),
            "BAD_USER_INPUT",
            "{principal} {terms}"
        );
        assert_eq!(response.error_field().as_deref(), Some(field));
    }
    // Another team's member cannot be lent to.
    let response = app
        .gql(CREATE_LOAN)
        .var(
            "input",
            loan_input(org.other_member.id, &weekly, "5000", 12),
        )
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert_eq!(response.error_field().as_deref(), Some("unionMemberId"));

    let response = app
        .gql(CREATE_LOAN)
        .var("input", loan_input(org.member.id, &weekly, "5000", 12))
        .by(&org.officer)
        .send()
        .await;
    let number = response.data()["createLoan"]["loanNumber"].clone();
    let by_number = "query($n: String!) { loanByNumber(loanNumber: $n) { loanNumber } }";
    let response = app
        .gql(by_number)
        .var("n", number.clone())
        .by(&org.other_officer)
        .send()
        .await;
    assert_eq!(response.error_code(), "NOT_FOUND");
    let response = app
        .gql(by_number)
        .var("n", number.clone())
        .by(&org.supervisor)
        .send()
        .await;
    assert_eq!(response.data()["loanByNumber"]["loanNumber"], number);
    let list = "{ loans { totalCount } }";
    let response = app.gql(list).by(&org.other_officer).send().await;
    assert_eq!(response.data()["loans"]["totalCount"], 0);
    let response = app.gql(list).by(&org.admin).send().await;
    assert_eq!(response.data()["loans"]["totalCount"], 1);
    let response = app
        .gql("{ loans(filter: {search: \"Oja Oba\", status: [PENDING_APPROVAL]}) { totalCount } }")
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.data()["loans"]["totalCount"], 1);
}

#[tokio::test]
async fn a_disbursement_on_another_day_moves_the_start_and_the_schedule() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let (_, weekly) = products(&app, &org).await;
    let today = app.state.clock.now().date_naive();
    let start = today + chrono::Days::new(14);
    let response = app
        .gql(CREATE_LOAN)
        .var(
            "input",
            with(
                loan_input(org.member.id, &weekly, "8000", 4),
                json!({"startDate": start.to_string()}),
            ),
        )
        .by(&org.officer)
        .send()
        .await;
    let id = response.data()["createLoan"]["id"].clone();
    app.gql("mutation($id: ID!) { approveLoan(id: $id) { status } }")
        .var("id", id.clone())
        .by(&org.supervisor)
        .send()
        .await
        .data();
    let response = app
        .gql("mutation($id: ID!) { disburseLoan(id: $id) { startDate endDate schedule { dueDate } } }")
        .var("id", id)
        .by(&org.supervisor)
        .send()
        .await;
    let loan = &response.data()["disburseLoan"];
    assert_eq!(loan["startDate"], today.to_string());
    assert_eq!(
        loan["schedule"][0]["dueDate"],
        (today + chrono::Days::new(7)).to_string()
    );
    assert_eq!(loan["endDate"], (today + chrono::Days::new(28)).to_string());
}

#[tokio::test]
async fn concurrent_applications_for_one_member_leave_one_open_loan() {
    concurrent_applications(TestApp::spawn().await).await;
}

#[tokio::test]
async fn concurrent_applications_leave_one_open_loan_under_default_serializable() {
    let app = TestApp::spawn_serializable().await;
    assert_eq!(app.default_isolation().await, "serializable");
    concurrent_applications(app).await;
}

async fn concurrent_applications(app: TestApp) {
    let org = Org::new(&app).await;
    let (_, weekly) = products(&app, &org).await;
    let attempts = (0..8).map(|_| {
        app.gql(CREATE_LOAN)
            .var("input", loan_input(org.member.id, &weekly, "6000", 6))
            .by(&org.officer)
            .send()
    });
    let responses = futures_util::future::join_all(attempts).await;
    let created = responses
        .iter()
        .filter(|response| response.body().get("errors").is_none())
        .count();
    assert_eq!(created, 1);
    for response in responses
        .iter()
        .filter(|r| r.body().get("errors").is_some())
    {
        assert_eq!(response.error_code(), "CONFLICT", "{}", response.body());
    }
    let response = app
        .gql("query($m: ID!) { loans(filter: {unionMemberId: $m}) { totalCount } }")
        .var("m", org.member.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.data()["loans"]["totalCount"], 1);
}

#[tokio::test]
async fn a_page_of_loans_costs_the_same_statements_for_ten_and_fifty() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let (_, weekly) = products(&app, &org).await;
    for n in 0..50 {
        let member = MemberFactory::new(if n % 2 == 0 {
            &org.union
        } else {
            &org.other_union
        })
        .insert(&app)
        .await;
        app.gql(CREATE_LOAN)
            .var(
                "input",
                with(
                    loan_input(member.id, &weekly, "10000", 8),
                    json!({"creditOfficerId": org.officer.user.id.to_string()}),
                ),
            )
            .by(&org.admin)
            .send()
            .await
            .data();
    }
    // One statement each: the session, the page, members, unions, officers, products,
    // balances and next installments (`totalCount` would add its count).
    let query = "query($n: Int!) { loans(first: $n) { nodes {
        loanNumber unionMember { code } union { name } assignedOfficer { email }
        loanType { name }
        balance { totalOutstanding overdueAmount daysInArrears nextDueDate }
        nextInstallment { dueDate totalDue }
    } } }";
    let mut costs = Vec::new();
    for n in [10, 50] {
        let before = app.statements();
        let response = app.gql(query).var("n", n).by(&org.admin).send().await;
        let nodes = response.data()["loans"]["nodes"]
            .as_array()
            .expect("nodes")
            .clone();
        assert_eq!(nodes.len(), n as usize);
        assert!(
            nodes
                .iter()
                .all(|node| node["balance"]["totalOutstanding"] == "10000.00"
                    && node["nextInstallment"]["totalDue"] == "1250.00")
        );
        costs.push(app.statements() - before);
    }
    assert_eq!(costs[0], costs[1], "{costs:?}");
    assert!(costs[1] <= 8, "{costs:?}");
}

#[tokio::test]
async fn unions_and_members_list_their_loans_in_scope() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let (_, weekly) = products(&app, &org).await;
    for member in [&org.member, &org.other_member] {
        app.gql(CREATE_LOAN)
            .var(
                "input",
                with(
                    loan_input(member.id, &weekly, "9000", 6),
                    json!({"creditOfficerId": org.officer.user.id.to_string()}),
                ),
            )
            .by(&org.admin)
            .send()
            .await
            .data();
    }
    let query =
        "{ unions { nodes { name loans { totalCount nodes { loanNumber unionMember { code } } } } }
                   unionMembers { nodes { code loans(first: 1) { nodes { status } } } } }";
    let response = app.gql(query).by(&org.admin).send().await;
    let data = response.data();
    for union in data["unions"]["nodes"].as_array().expect("unions") {
        assert_eq!(union["loans"]["totalCount"], 1, "{union}");
    }
    for member in data["unionMembers"]["nodes"].as_array().expect("members") {
        assert_eq!(member["loans"]["nodes"][0]["status"], "ACTIVE", "{member}");
    }
    // The officer sees their union's loan only.
    let response = app.gql(query).by(&org.officer).send().await;
    let unions = response.data()["unions"]["nodes"].clone();
    assert_eq!(unions.as_array().expect("unions").len(), 1);
    assert_eq!(
        unions[0]["loans"]["nodes"][0]["unionMember"]["code"],
        org.member.code
    );
}

const UPDATE_LOAN: &str = "mutation($id: ID!, $input: UpdateLoanInput!) {
    updateLoan(id: $id, input: $input) {
        status principalAmount termCount endDate notes
        schedule { sequence totalDue paidAmount }
        balance { totalScheduled totalPaid totalOutstanding }
    }
}";

fn schedule_total(loan: &Value) -> rust_decimal::Decimal {
    loan["schedule"]
        .as_array()
        .expect("schedule")
        .iter()
        .map(|item| {
            item["totalDue"]
                .as_str()
                .expect("amount")
                .parse::<rust_decimal::Decimal>()
                .expect("decimal")
        })
        .sum()
}

#[tokio::test]
async fn officers_edit_applications_and_administrators_reschedule_active_loans() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let (daily, weekly) = products(&app, &org).await;

    // An officer edits their own application; the schedule follows.
    let application = app
        .gql(CREATE_LOAN)
        .var("input", loan_input(org.member.id, &weekly, "50000", 12))
        .by(&org.officer)
        .send()
        .await
        .data()["createLoan"]
        .clone();
    let edited = app
        .gql(UPDATE_LOAN)
        .var("id", application["id"].clone())
        .var(
            "input",
            json!({"principalAmount": "40000", "termCount": 10, "notes": "Smaller"}),
        )
        .by(&org.officer)
        .send()
        .await;
    let edited = edited.data()["updateLoan"].clone();
    assert_eq!(edited["status"], "PENDING_APPROVAL");
    assert_eq!(edited["termCount"], 10);
    assert_eq!(edited["notes"], "Smaller");
    assert_eq!(edited["schedule"].as_array().expect("items").len(), 10);
    assert_eq!(schedule_total(&edited), rust_decimal::Decimal::from(40000));
    // Out of the product's bounds, or by a supervisor: refused.
    let out_of_bounds = app
        .gql(UPDATE_LOAN)
        .var("id", application["id"].clone())
        .var("input", json!({"termCount": 30}))
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(out_of_bounds.error_code(), "BAD_USER_INPUT");
    let supervisor = app
        .gql(UPDATE_LOAN)
        .var("id", application["id"].clone())
        .var("input", json!({"notes": null}))
        .by(&org.supervisor)
        .send()
        .await;
    assert_eq!(supervisor.error_code(), "FORBIDDEN");
    app.gql("mutation($id: ID!) { cancelLoan(id: $id, reason: \"Re-applying\") { status } }")
        .var("id", application["id"].clone())
        .by(&org.admin)
        .send()
        .await
        .data();

    // An active loan with 5,000 paid, rescheduled over 20 days by an administrator: the
    // payments are re-played over the new schedule.
    let active = app
        .gql(CREATE_LOAN)
        .var(
            "input",
            with(
                loan_input(org.member.id, &daily, "10000", 30),
                json!({"creditOfficerId": org.officer.user.id.to_string()}),
            ),
        )
        .by(&org.admin)
        .send()
        .await
        .data()["createLoan"]
        .clone();
    app.gql("mutation($input: RecordRepaymentInput!) { recordRepayment(input: $input) { id } }")
        .var(
            "input",
            json!({"loanId": active["id"], "amount": "5000", "method": "CASH", "idempotencyKey": "half"}),
        )
        .by(&org.officer)
        .send()
        .await
        .data();
    let officer = app
        .gql(UPDATE_LOAN)
        .var("id", active["id"].clone())
        .var("input", json!({"termCount": 20}))
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(officer.error_code(), "FORBIDDEN");
    let rescheduled = app
        .gql(UPDATE_LOAN)
        .var("id", active["id"].clone())
        .var("input", json!({"termCount": 20}))
        .by(&org.admin)
        .send()
        .await;
    let rescheduled = rescheduled.data()["updateLoan"].clone();
    assert_eq!(rescheduled["status"], "ACTIVE");
    let items = rescheduled["schedule"].as_array().expect("items");
    assert_eq!(items.len(), 20);
    assert_eq!(
        schedule_total(&rescheduled),
        rust_decimal::Decimal::from(10000)
    );
    // 5,000 pays the first ten installments of 500.
    assert!(
        items[..10]
            .iter()
            .all(|item| item["paidAmount"] == "500.00")
    );
    assert!(items[10..].iter().all(|item| item["paidAmount"] == "0.00"));
    assert_eq!(rescheduled["balance"]["totalPaid"], "5000.00");
    assert_eq!(rescheduled["balance"]["totalOutstanding"], "5000.00");
    crate::support::money::assert_invariants(&app).await;

    // A schedule smaller than what was paid is refused, and nothing changes.
    let smaller = app
        .gql(UPDATE_LOAN)
        .var("id", active["id"].clone())
        .var("input", json!({"principalAmount": "4000"}))
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(smaller.error_code(), "BAD_USER_INPUT");
    assert!(
        smaller.error_message().contains("5000"),
        "{}",
        smaller.body()
    );
    let unchanged = app
        .gql("query($id: ID!) { loan(id: $id) { principalAmount schedule { totalDue } } }")
        .var("id", active["id"].clone())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(unchanged.data()["loan"]["principalAmount"], "10000.00");
    assert_eq!(
        unchanged.data()["loan"]["schedule"]
            .as_array()
            .expect("items")
            .len(),
        20
    );
    crate::support::money::assert_invariants(&app).await;

    let actions = audit_actions(&app).await;
    assert!(actions.contains(&"LOAN_UPDATED".to_owned()), "{actions:?}");
    assert!(
        actions.contains(&"LOAN_RESCHEDULED".to_owned()),
        "{actions:?}"
    );
}

/// Found by `tests/bench/fuzz.sh`: a NUL character reached PostgreSQL (`invalid byte sequence
/// for encoding "UTF8": 0x00`) and answered INTERNAL_SERVER_ERROR.
#[tokio::test]
async fn a_nul_character_is_bad_input_wherever_it_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(millennium::domain::Role::Admin).await;
    let literal = app
        .gql(r#"{ loanByNumber(loanNumber: "LN\u0000") { id } }"#)
        .by(&admin)
        .send()
        .await;
    assert_eq!(literal.error_code(), "BAD_USER_INPUT", "{}", literal.body());
    let variable = app
        .gql("query($n: String!) { loanByNumber(loanNumber: $n) { id } }")
        .var("n", "LN\u{0}1")
        .by(&admin)
        .send()
        .await;
    assert_eq!(
        variable.error_code(),
        "BAD_USER_INPUT",
        "{}",
        variable.body()
    );
    let fine = app
        .gql(r#"{ loanByNumber(loanNumber: "LN00000001") { id } }"#)
        .by(&admin)
        .send()
        .await;
    assert_eq!(fine.error_code(), "NOT_FOUND");
}

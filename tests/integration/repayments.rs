//! Repayments through the API: the acceptance path from the first installment to completion
//! and back by a reversal, overpayments, idempotency, and 32 concurrent payments on one loan —
//! with the money invariants checked after every operation.

use serde_json::{Value, json};

use crate::support::money::assert_invariants;
use crate::support::records::audit_actions;
use crate::support::{Org, TestApp};

const RECORD: &str = "mutation($input: RecordRepaymentInput!) {
    recordRepayment(input: $input) { id amount allocations { amount principalAmount interestAmount } }
}";

const LOAN: &str = "query($id: ID!) { loan(id: $id) {
    status repayments { amount reversedAt }
    schedule { sequence paidAmount remainingAmount status }
} }";

/// An active loan of 10,000 over 30 days for the organisation's member; its id.
async fn active_loan(app: &TestApp, org: &Org) -> Value {
    let product = app
        .gql("mutation { createLoanType(input: {name: \"Daily\", minAmount: \"1000\", maxAmount: \"20000\", termUnit: DAY, minTerm: 10, maxTerm: 60}) { id } }")
        .by(&org.admin)
        .send()
        .await
        .data()["createLoanType"]["id"]
        .clone();
    app.gql("mutation($input: CreateLoanInput!) { createLoan(input: $input) { id status } }")
        .var(
            "input",
            json!({
                "unionMemberId": org.member.id.to_string(), "loanTypeId": product,
                "principalAmount": "10000", "termCount": 30,
                "creditOfficerId": org.officer.user.id.to_string()
            }),
        )
        .by(&org.admin)
        .send()
        .await
        .data()["createLoan"]["id"]
        .clone()
}

fn payment(loan: &Value, amount: &str, key: &str) -> Value {
    json!({"loanId": loan, "amount": amount, "method": "CASH", "idempotencyKey": key})
}

#[tokio::test]
async fn from_the_first_installment_to_completion_and_back_by_a_reversal() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let loan = active_loan(&app, &org).await;

    // More than is owed is refused, saying the maximum, and records nothing.
    let response = app
        .gql(RECORD)
        .var("input", payment(&loan, "10000.01", "too-much"))
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert_eq!(response.error_field().as_deref(), Some("amount"));
    assert!(
        response.error_message().contains("10000.00"),
        "{}",
        response.error_message()
    );

    // One installment exactly: it is PAID.
    let response = app
        .gql(RECORD)
        .var("input", payment(&loan, "333.33", "first"))
        .by(&org.officer)
        .send()
        .await;
    let first = &response.data()["recordRepayment"];
    assert_eq!(
        first["allocations"].as_array().expect("allocations").len(),
        1
    );
    assert_eq!(first["allocations"][0]["principalAmount"], "333.33");
    assert_invariants(&app).await;
    let state = app
        .gql(LOAN)
        .var("id", loan.clone())
        .by(&org.officer)
        .send()
        .await;
    let schedule = &state.data()["loan"]["schedule"];
    assert_eq!(schedule[0]["status"], "PAID");
    assert_eq!(schedule[0]["remainingAmount"], "0.00");
    assert_eq!(schedule[1]["status"], "PENDING");

    // The rest: the loan is COMPLETED.
    let response = app
        .gql(RECORD)
        .var("input", payment(&loan, "9666.67", "rest"))
        .by(&org.supervisor)
        .send()
        .await;
    let rest_id = response.data()["recordRepayment"]["id"].clone();
    assert_invariants(&app).await;
    let state = app
        .gql(LOAN)
        .var("id", loan.clone())
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(state.data()["loan"]["status"], "COMPLETED");
    // A completed loan takes no more payments.
    let response = app
        .gql(RECORD)
        .var("input", payment(&loan, "1", "after"))
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(response.error_code(), "CONFLICT");

    // Only an administrator reverses; the loan is ACTIVE again with its balance.
    let reverse = "mutation($id: ID!) { reverseRepayment(id: $id, reason: \"Cheque bounced\") { reversedAt reversedBy { email } } }";
    let response = app
        .gql(reverse)
        .var("id", rest_id.clone())
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(response.error_code(), "FORBIDDEN");
    let response = app
        .gql(reverse)
        .var("id", rest_id.clone())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(
        response.data()["reverseRepayment"]["reversedBy"]["email"],
        org.admin.user.email
    );
    assert_invariants(&app).await;
    let state = app
        .gql(LOAN)
        .var("id", loan.clone())
        .by(&org.admin)
        .send()
        .await;
    let loan_now = &state.data()["loan"];
    assert_eq!(loan_now["status"], "ACTIVE");
    assert_eq!(loan_now["schedule"][0]["status"], "PAID");
    assert_eq!(loan_now["schedule"][1]["paidAmount"], "0.00");
    assert!(loan_now["repayments"][1]["reversedAt"].is_string());
    let response = app
        .gql(reverse)
        .var("id", rest_id)
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.error_code(), "CONFLICT");
    // Two recordings and one reversal were audited; the refused attempts were not.
    let actions = audit_actions(&app).await;
    let count = |name: &str| actions.iter().filter(|action| *action == name).count();
    assert_eq!(count("REPAYMENT_RECORDED"), 2, "{actions:?}");
    assert_eq!(count("REPAYMENT_REVERSED"), 1, "{actions:?}");
}

#[tokio::test]
async fn an_idempotency_key_records_once() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let loan = active_loan(&app, &org).await;
    let send = |amount: &'static str| {
        let (app, org, loan) = (&app, &org, &loan);
        async move {
            app.gql(RECORD)
                .var("input", payment(loan, amount, "receipt-0042"))
                .by(&org.officer)
                .send()
                .await
        }
    };
    let first = send("500").await.data()["recordRepayment"]["id"].clone();
    let again = send("500").await.data()["recordRepayment"]["id"].clone();
    assert_eq!(first, again);
    let different = send("600").await;
    assert_eq!(different.error_code(), "CONFLICT");
    assert_eq!(different.error_field().as_deref(), Some("idempotencyKey"));
    let state = app.gql(LOAN).var("id", loan).by(&org.admin).send().await;
    assert_eq!(
        state.data()["loan"]["repayments"]
            .as_array()
            .expect("repayments")
            .len(),
        1
    );
    assert_invariants(&app).await;
}

#[tokio::test]
async fn thirty_two_concurrent_payments_never_exceed_what_is_owed() {
    thirty_two_concurrent_payments(TestApp::spawn().await).await;
}

#[tokio::test]
async fn thirty_two_concurrent_payments_under_default_serializable() {
    let app = TestApp::spawn_serializable().await;
    assert_eq!(app.default_isolation().await, "serializable");
    thirty_two_concurrent_payments(app).await;
}

#[tokio::test]
async fn concurrent_retries_with_one_key_record_one_repayment() {
    concurrent_retries(TestApp::spawn().await).await;
}

#[tokio::test]
async fn concurrent_retries_record_one_repayment_under_default_serializable() {
    concurrent_retries(TestApp::spawn_serializable().await).await;
}

/// Sixteen clients send the same payment with the same key at once (a retrying app on a bad
/// network): one repayment, and every answer is it.
async fn concurrent_retries(app: TestApp) {
    let org = Org::new(&app).await;
    let loan = active_loan(&app, &org).await;
    let retries = (0..16).map(|_| {
        app.gql(RECORD)
            .var("input", payment(&loan, "1000", "one-key"))
            .by(&org.officer)
            .send()
    });
    let responses = futures_util::future::join_all(retries).await;
    let ids: std::collections::BTreeSet<String> = responses
        .iter()
        .map(|response| {
            response.data()["recordRepayment"]["id"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "every retry answers the one repayment: {ids:?}"
    );
    let state = app.gql(LOAN).var("id", loan).by(&org.admin).send().await;
    assert_eq!(
        state.data()["loan"]["repayments"]
            .as_array()
            .expect("repayments")
            .len(),
        1
    );
    assert_invariants(&app).await;
}

async fn thirty_two_concurrent_payments(app: TestApp) {
    let org = Org::new(&app).await;
    let loan = active_loan(&app, &org).await;
    // 32 × 500 = 16,000 offered against 10,000 owed.
    let payments = (0..32).map(|n| {
        app.gql(RECORD)
            .var("input", payment(&loan, "500", &format!("concurrent-{n}")))
            .by(&org.officer)
            .send()
    });
    let responses = futures_util::future::join_all(payments).await;
    let accepted = responses
        .iter()
        .filter(|response| response.body().get("errors").is_none())
        .count();
    // The refused ones were too much, or came once the loan was complete.
    for response in responses
        .iter()
        .filter(|r| r.body().get("errors").is_some())
    {
        let code = response.error_code();
        assert!(
            code == "BAD_USER_INPUT" || code == "CONFLICT",
            "{}",
            response.body()
        );
    }
    assert_eq!(accepted, 20, "exactly 10,000 / 500 payments fit");
    assert_invariants(&app).await;
    let state = app.gql(LOAN).var("id", loan).by(&org.admin).send().await;
    assert_eq!(state.data()["loan"]["status"], "COMPLETED");
}

#[tokio::test]
async fn repayments_and_installments_list_in_scope_with_their_filters() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let loan = active_loan(&app, &org).await;
    for (amount, key) in [("333.33", "one"), ("666.66", "two")] {
        app.gql(RECORD)
            .var("input", payment(&loan, amount, key))
            .by(&org.officer)
            .send()
            .await
            .data();
    }
    let second = app
        .gql("query($id: ID!) { loan(id: $id) { repayments { id amount } } }")
        .var("id", loan.clone())
        .by(&org.admin)
        .send()
        .await
        .data()["loan"]["repayments"][1]["id"]
        .clone();
    app.gql("mutation($id: ID!) { reverseRepayment(id: $id, reason: \"Bounced\") { id } }")
        .var("id", second)
        .by(&org.admin)
        .send()
        .await
        .data();
    assert_invariants(&app).await;

    let repayments = |filter: Value, who| {
        let app = &app;
        async move {
            app.gql(
                "query($filter: RepaymentFilter) { repayments(filter: $filter) {
                totalCount nodes { amount reversedAt loan { loanNumber } receivedBy { email }
                allocations { amount } } } }",
            )
            .var("filter", filter)
            .by(who)
            .send()
            .await
            .data()["repayments"]
                .clone()
        }
    };
    let live = repayments(json!({"loanId": loan}), &org.officer).await;
    assert_eq!(live["totalCount"], 1, "reversed ones are left out: {live}");
    assert_eq!(live["nodes"][0]["amount"], "333.33");
    assert_eq!(live["nodes"][0]["allocations"][0]["amount"], "333.33");
    assert_eq!(
        live["nodes"][0]["receivedBy"]["email"],
        org.officer.user.email
    );
    let all = repayments(
        json!({"loanId": loan, "includeReversed": true}),
        &org.officer,
    )
    .await;
    assert_eq!(all["totalCount"], 2);
    let cash = repayments(json!({"method": "TRANSFER"}), &org.admin).await;
    assert_eq!(cash["totalCount"], 0);
    let elsewhere = repayments(
        json!({"unionId": org.other_union.id.to_string()}),
        &org.admin,
    )
    .await;
    assert_eq!(elsewhere["totalCount"], 0);
    let outsider = repayments(json!({}), &org.other_officer).await;
    assert_eq!(outsider["totalCount"], 0, "out of scope: {outsider}");

    let items = |filter: Value, who| {
        let app = &app;
        async move {
            app.gql(
                "query($filter: ScheduleItemFilter) { scheduleItems(filter: $filter, first: 5) {
                totalCount nodes { sequence status remainingAmount loan { loanNumber }
                allocations { amount } } } }",
            )
            .var("filter", filter)
            .by(who)
            .send()
            .await
            .data()["scheduleItems"]
                .clone()
        }
    };
    let paid = items(json!({"loanId": loan, "status": ["PAID"]}), &org.officer).await;
    assert_eq!(paid["totalCount"], 1);
    assert_eq!(paid["nodes"][0]["sequence"], 1);
    assert_eq!(paid["nodes"][0]["allocations"][0]["amount"], "333.33");
    let pending = items(
        json!({"creditOfficerId": org.officer.user.id.to_string(), "status": ["PENDING", "PARTIAL"]}),
        &org.supervisor,
    )
    .await;
    assert_eq!(pending["totalCount"], 29);
    assert_eq!(pending["nodes"][0]["sequence"], 2, "soonest due first");
    assert_eq!(pending["nodes"][0]["remainingAmount"], "333.33");
    let outsider = items(json!({}), &org.other_supervisor).await;
    assert_eq!(outsider["totalCount"], 0);

    // Overdue as of today (the second and third installments), even though nothing ran since
    // their due dates passed.
    app.clock.advance(chrono::TimeDelta::days(4));
    let officer = app
        .login_user(
            org.officer.user.clone(),
            crate::support::factories::DEFAULT_PASSWORD,
        )
        .await;
    let overdue = items(json!({"loanId": loan, "status": ["OVERDUE"]}), &officer).await;
    assert_eq!(overdue["totalCount"], 2, "{overdue}");
    assert!(
        overdue["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .all(|n| n["status"] == "OVERDUE")
    );

    // The officer's own loans, through their account.
    let mine = app
        .gql("query($id: ID!) { user(id: $id) { loans { totalCount nodes { id } } } }")
        .var("id", org.officer.user.id.to_string())
        .by(&officer)
        .send()
        .await;
    assert_eq!(mine.data()["user"]["loans"]["totalCount"], 1);
    assert_eq!(mine.data()["user"]["loans"]["nodes"][0]["id"], loan);
}

#[tokio::test]
async fn the_checker_names_the_loan_and_the_figures_of_a_broken_invariant() {
    use diesel_async::RunQueryDsl;

    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let loan = active_loan(&app, &org).await;
    app.gql(RECORD)
        .var("input", payment(&loan, "500", "paid"))
        .by(&org.officer)
        .send()
        .await
        .data();
    assert_invariants(&app).await;

    // Money changed behind the service's back: an installment claims more than was allocated.
    diesel::sql_query(
        "UPDATE repayment_schedule_items SET paid_amount = paid_amount + 1 WHERE sequence = 2",
    )
    .execute(&mut *app.conn().await)
    .await
    .expect("corrupt");
    let report = millennium::check::run(&mut *app.conn().await)
        .await
        .expect("check");
    let rules: Vec<_> = report.violations.iter().map(|v| v.rule.as_str()).collect();
    // The loan's kept facts and the day's and month's kept figures no longer agree with the
    // tampered installment either.
    assert_eq!(
        rules,
        [
            "installment paid differs from its allocations",
            "loan facts differ from its installments and charges",
            "daily figures differ from the book",
            "monthly figures differ from the book"
        ],
        "{report:?}"
    );
    let violation = &report.violations[0];
    assert_eq!(violation.loan_number, "LN00000001");
    assert_eq!(
        violation.detail,
        "installment 2: paid 167.67, allocated 166.67"
    );
}

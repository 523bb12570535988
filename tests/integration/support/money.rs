//! The money invariants of SPEC 5.3, checked over a test's whole database after every money
//! operation by the same checker as `millennium check` (`millennium::check`).

use serde_json::{Value, json};

use super::TestApp;
use super::app::Session;

/// Panics naming every invariant that does not hold.
pub async fn assert_invariants(app: &TestApp) {
    let report = millennium::check::run(&mut *app.conn().await)
        .await
        .expect("invariant queries");
    assert!(
        report.violations.is_empty(),
        "money invariants broken: {:#?}",
        report.violations
    );
}

/// An active loan of `principal` over 30 days for `member`, with its officer, made by `admin`
/// through the API; its id.
pub async fn active_loan(
    app: &TestApp,
    admin: &Session,
    product: &Value,
    member: &str,
    officer: &str,
    principal: &str,
) -> Value {
    app.gql("mutation($input: CreateLoanInput!) { createLoan(input: $input) { id } }")
        .var(
            "input",
            json!({ "unionMemberId": member, "loanTypeId": product, "principalAmount": principal,
                    "termCount": 30, "creditOfficerId": officer }),
        )
        .by(admin)
        .send()
        .await
        .data()["createLoan"]["id"]
        .clone()
}

/// A cash repayment of `amount` recorded by `session` through the API; its id.
pub async fn repay(
    app: &TestApp,
    session: &Session,
    loan: &Value,
    amount: &str,
    key: &str,
) -> Value {
    app.gql("mutation($input: RecordRepaymentInput!) { recordRepayment(input: $input) { id } }")
        .var(
            "input",
            json!({"loanId": loan, "amount": amount, "method": "CASH", "idempotencyKey": key}),
        )
        .by(session)
        .send()
        .await
        .data()["recordRepayment"]["id"]
        .clone()
}

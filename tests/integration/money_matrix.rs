//! The role matrix of SPEC 2 for loans and money: every loan and repayment operation and list
//! (`repayments`, `scheduleItems`, `User.loans`), tried by each role on a loan of our officer's
//! union (in the supervisor's team, out of the other supervisor's and the other officer's
//! scope), with the error code or success each gets.
//!
//! Each cell acts on a loan of its own in the state the operation needs (a draft to submit, an
//! application to approve, an active loan to pay), made through the API by the administrator or
//! our officer for a fresh member of our union, so that the cells cannot disturb each other.

use serde_json::{Value, json};

use crate::support::money::assert_invariants;
use crate::support::org::Who::{self, *};
use crate::support::{MemberFactory, Org, TestApp};

/// What a cell expects: success, or the first error's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Ok,
    Code(&'static str),
    /// Success, with this number at this JSON pointer of the answer (a list's `totalCount`).
    Count(&'static str, i64),
}
use Expect::{Code, Count, Ok as Allowed};

const NOT_FOUND: Expect = Code("NOT_FOUND");
const FORBIDDEN: Expect = Code("FORBIDDEN");
const UNAUTHENTICATED: Expect = Code("UNAUTHENTICATED");

/// The state a cell's loan starts in.
#[derive(Debug, Clone, Copy)]
enum Start {
    /// No loan: the member is free to apply.
    NoLoan,
    Draft,
    Pending,
    Approved,
    Active,
    /// Active with one repayment of 1,000 (its id is `$repayment`).
    Paid,
    /// Active with one penalty charge (its id is `$charge`).
    Charged,
}

struct Row {
    name: &'static str,
    start: Start,
    query: &'static str,
    vars: fn(&Ctx) -> Value,
    cells: [(Who, Expect); 6],
}

/// What a cell's variables can refer to.
struct Ctx {
    loan: String,
    repayment: Option<String>,
    charge: Option<String>,
    member: String,
    product: String,
    officer: String,
    key: String,
}

/// Every role: the administrator, our supervisor and officer (the loan is theirs), the other
/// supervisor and officer (it is out of their scope), and nobody.
fn cells(admin: Expect, supervisor: Expect, officer: Expect) -> [(Who, Expect); 6] {
    [
        (Anonymous, UNAUTHENTICATED),
        (OtherOfficer, NOT_FOUND),
        (OtherSupervisor, NOT_FOUND),
        (Officer, officer),
        (Supervisor, supervisor),
        (Admin, admin),
    ]
}

/// A list narrowed to our loan: it counts `n` for those who see the loan, nothing for the
/// others (a filter only narrows what one may see).
fn lists(pointer: &'static str, n: i64) -> [(Who, Expect); 6] {
    [
        (Anonymous, UNAUTHENTICATED),
        (OtherOfficer, Count(pointer, 0)),
        (OtherSupervisor, Count(pointer, 0)),
        (Officer, Count(pointer, n)),
        (Supervisor, Count(pointer, n)),
        (Admin, Count(pointer, n)),
    ]
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            name: "User.loans (our officer's)",
            start: Start::Active,
            query: "query($id: ID!) { user(id: $id) { loans { totalCount } } }",
            vars: |c| json!({"id": c.officer}),
            // The other supervisor and officer cannot see our officer at all. This row runs
            // first, and every cell makes one loan for our officer: the fourth cell sees 4.
            cells: [
                (Anonymous, UNAUTHENTICATED),
                (OtherOfficer, NOT_FOUND),
                (OtherSupervisor, NOT_FOUND),
                (Officer, Count("/data/user/loans/totalCount", 4)),
                (Supervisor, Count("/data/user/loans/totalCount", 5)),
                (Admin, Count("/data/user/loans/totalCount", 6)),
            ],
        },
        Row {
            name: "loan",
            start: Start::Active,
            query: "query($id: ID!) { loan(id: $id) { id balance { totalOutstanding } } }",
            vars: |c| json!({"id": c.loan}),
            cells: cells(Allowed, Allowed, Allowed),
        },
        Row {
            name: "createLoan",
            start: Start::NoLoan,
            query: "mutation($input: CreateLoanInput!) { createLoan(input: $input) { id } }",
            vars: |c| {
                json!({"input": {
                    "unionMemberId": c.member, "loanTypeId": c.product, "principalAmount": "5000",
                    "termCount": 10, "asDraft": true, "creditOfficerId": c.officer
                }})
            },
            // Out of scope, the member reads as missing: a bad input naming unionMemberId.
            cells: [
                (Anonymous, UNAUTHENTICATED),
                (OtherOfficer, Code("BAD_USER_INPUT")),
                (OtherSupervisor, Code("BAD_USER_INPUT")),
                (Officer, Allowed),
                (Supervisor, Allowed),
                (Admin, Allowed),
            ],
        },
        Row {
            name: "updateLoan (application)",
            start: Start::Pending,
            query: "mutation($id: ID!) { updateLoan(id: $id, input: {termCount: 12}) { id } }",
            vars: |c| json!({"id": c.loan}),
            cells: cells(Allowed, FORBIDDEN, Allowed),
        },
        Row {
            name: "updateLoan (active: a reschedule)",
            start: Start::Active,
            query: "mutation($id: ID!) { updateLoan(id: $id, input: {termCount: 12}) { id } }",
            vars: |c| json!({"id": c.loan}),
            cells: cells(Allowed, FORBIDDEN, FORBIDDEN),
        },
        Row {
            name: "submitLoan",
            start: Start::Draft,
            query: "mutation($id: ID!) { submitLoan(id: $id) { id } }",
            vars: |c| json!({"id": c.loan}),
            cells: cells(Allowed, Allowed, Allowed),
        },
        Row {
            name: "approveLoan",
            start: Start::Pending,
            query: "mutation($id: ID!) { approveLoan(id: $id) { id } }",
            vars: |c| json!({"id": c.loan}),
            cells: cells(Allowed, Allowed, FORBIDDEN),
        },
        Row {
            name: "rejectLoan",
            start: Start::Pending,
            query: "mutation($id: ID!) { rejectLoan(id: $id, reason: \"No guarantor\") { id } }",
            vars: |c| json!({"id": c.loan}),
            cells: cells(Allowed, Allowed, FORBIDDEN),
        },
        Row {
            name: "cancelLoan (approved)",
            start: Start::Approved,
            query: "mutation($id: ID!) { cancelLoan(id: $id, reason: \"Withdrawn\") { id } }",
            vars: |c| json!({"id": c.loan}),
            cells: cells(Allowed, Allowed, FORBIDDEN),
        },
        Row {
            name: "cancelLoan (draft)",
            start: Start::Draft,
            query: "mutation($id: ID!) { cancelLoan(id: $id, reason: \"Withdrawn\") { id } }",
            vars: |c| json!({"id": c.loan}),
            cells: cells(Allowed, FORBIDDEN, Allowed),
        },
        Row {
            name: "disburseLoan",
            start: Start::Approved,
            query: "mutation($id: ID!) { disburseLoan(id: $id) { id } }",
            vars: |c| json!({"id": c.loan}),
            cells: cells(Allowed, Allowed, FORBIDDEN),
        },
        Row {
            name: "writeOffLoan",
            start: Start::Active,
            query: "mutation($id: ID!) { writeOffLoan(id: $id, reason: \"Absconded\") { id } }",
            vars: |c| json!({"id": c.loan}),
            cells: cells(Allowed, FORBIDDEN, FORBIDDEN),
        },
        Row {
            name: "recordRepayment",
            start: Start::Active,
            query: "mutation($input: RecordRepaymentInput!) { recordRepayment(input: $input) { id } }",
            vars: |c| {
                json!({"input": {
                    "loanId": c.loan, "amount": "100", "method": "CASH", "idempotencyKey": c.key
                }})
            },
            // Out of scope, the loan reads as missing: a bad input naming loanId.
            cells: [
                (Anonymous, UNAUTHENTICATED),
                (OtherOfficer, Code("BAD_USER_INPUT")),
                (OtherSupervisor, Code("BAD_USER_INPUT")),
                (Officer, Allowed),
                (Supervisor, Allowed),
                (Admin, Allowed),
            ],
        },
        Row {
            name: "repayment",
            start: Start::Paid,
            query: "query($id: ID!) { repayment(id: $id) { id } }",
            vars: |c| json!({"id": c.repayment}),
            cells: cells(Allowed, Allowed, Allowed),
        },
        Row {
            name: "repayments",
            start: Start::Paid,
            query: "query($loan: ID!) { list: repayments(filter: {loanId: $loan}) { totalCount } }",
            vars: |c| json!({"loan": c.loan}),
            cells: lists("/data/list/totalCount", 1),
        },
        Row {
            name: "scheduleItems",
            start: Start::Active,
            query: "query($loan: ID!) { list: scheduleItems(filter: {loanId: $loan}) { totalCount } }",
            vars: |c| json!({"loan": c.loan}),
            cells: lists("/data/list/totalCount", 10),
        },
        Row {
            name: "reverseRepayment",
            start: Start::Paid,
            query: "mutation($id: ID!) { reverseRepayment(id: $id, reason: \"Bounced\") { id } }",
            vars: |c| json!({"id": c.repayment}),
            cells: cells(Allowed, FORBIDDEN, FORBIDDEN),
        },
        Row {
            name: "waiveCharge",
            start: Start::Charged,
            query: "mutation($id: ID!) { waiveCharge(id: $id, reason: \"Goodwill\") { id } }",
            vars: |c| json!({"id": c.charge}),
            // Out of scope, a charge reads as missing too.
            cells: cells(Allowed, FORBIDDEN, FORBIDDEN),
        },
    ]
}

/// A fresh member of our union and a loan for them in the state `start`.
async fn prepare(app: &TestApp, org: &Org, product: &str, start: Start, n: usize) -> Ctx {
    let member = MemberFactory::new(&org.union).insert(app).await;
    let member_id = member.id.to_string();
    let create = |by, extra: Value| {
        let mut input = json!({
            "unionMemberId": member_id, "loanTypeId": product, "principalAmount": "5000",
            "termCount": 10
        });
        if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            input.extend(extra.clone());
        }
        let session = org.as_who(by).expect("session");
        async move {
            app.gql("mutation($input: CreateLoanInput!) { createLoan(input: $input) { id } }")
                .var("input", input)
                .by(session)
                .send()
                .await
                .data()["createLoan"]["id"]
                .as_str()
                .expect("loan")
                .to_owned()
        }
    };
    let officer = json!({"creditOfficerId": org.officer.user.id.to_string()});
    let loan = match start {
        Start::NoLoan => String::new(),
        Start::Draft => create(Officer, json!({"asDraft": true})).await,
        Start::Pending => create(Officer, json!({})).await,
        Start::Approved => {
            let loan = create(Officer, json!({})).await;
            app.gql("mutation($id: ID!) { approveLoan(id: $id) { id } }")
                .var("id", loan.clone())
                .by(&org.admin)
                .send()
                .await
                .data();
            loan
        }
        Start::Active | Start::Paid | Start::Charged => create(Admin, officer).await,
    };
    let mut ctx = Ctx {
        loan,
        repayment: None,
        charge: None,
        member: member_id.clone(),
        product: product.to_owned(),
        officer: org.officer.user.id.to_string(),
        key: format!("matrix-{n}"),
    };
    if matches!(start, Start::Paid) {
        let paid = app
            .gql("mutation($input: RecordRepaymentInput!) { recordRepayment(input: $input) { id } }")
            .var(
                "input",
                json!({"loanId": ctx.loan, "amount": "1000", "method": "CASH", "idempotencyKey": format!("setup-{n}")}),
            )
            .by(&org.officer)
            .send()
            .await;
        ctx.repayment = paid.data()["recordRepayment"]["id"]
            .as_str()
            .map(str::to_owned);
    }
    if matches!(start, Start::Charged) {
        use diesel_async::RunQueryDsl;
        use millennium::db::rollups;
        // Written behind the services' back, like the daily job's penalties: the loan's facts
        // and the reports' figures follow as the job makes them follow.
        let loan: millennium::domain::LoanId = ctx.loan.parse().expect("loan id");
        let mut conn = app.conn().await;
        let figures = rollups::track(&mut conn, rollups::Loans::one(loan))
            .await
            .expect("figures before");
        let charge: Vec<ChargeRow> = diesel::sql_query(
            "INSERT INTO loan_charges (loan_id, kind, charge_date, amount)
             VALUES ($1::uuid, 'PENALTY', current_date, 50) RETURNING id::text AS id",
        )
        .bind::<diesel::sql_types::Text, _>(&ctx.loan)
        .load(&mut *conn)
        .await
        .expect("charge");
        ctx.charge = charge.into_iter().next().map(|row| row.id);
        millennium::db::loan_facts::refresh(&mut conn, &[loan])
            .await
            .expect("facts");
        figures.settle(&mut conn).await.expect("figures after");
    }
    ctx
}

#[derive(diesel::QueryableByName)]
struct ChargeRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

fn verdict(expect: Expect, body: &Value) -> Option<String> {
    let code = body["errors"][0]["extensions"]["code"].as_str();
    match (expect, code) {
        (Allowed, None) => None,
        (Count(pointer, wanted), None) => (body.pointer(pointer) != Some(&json!(wanted)))
            .then(|| format!("expected {wanted} at {pointer}, got {body}")),
        (Count(..), Some(got)) => Some(format!("expected success, got {got}: {body}")),
        (Code(wanted), Some(got)) if wanted == got => None,
        (Allowed, Some(got)) => Some(format!("expected success, got {got}: {body}")),
        (Code(wanted), _) => Some(format!("expected {wanted}, got {body}")),
    }
}

#[tokio::test]
async fn loans_and_money_by_role() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let product = app
        .gql("mutation { createLoanType(input: {name: \"Matrix Daily\", minAmount: \"1000\", maxAmount: \"20000\", termUnit: DAY, minTerm: 5, maxTerm: 30}) { id } }")
        .by(&org.admin)
        .send()
        .await
        .data()["createLoanType"]["id"]
        .as_str()
        .expect("product")
        .to_owned();
    let mut failures = Vec::new();
    let mut n = 0;
    for row in rows() {
        for (who, expect) in row.cells {
            n += 1;
            let ctx = prepare(&app, &org, &product, row.start, n).await;
            let response = app
                .gql(row.query)
                .vars(&(row.vars)(&ctx))
                .by_opt(org.as_who(who))
                .send()
                .await;
            if let Some(problem) = verdict(expect, response.body()) {
                failures.push(format!("{} — as {who:?}: {problem}", row.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cells failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_invariants(&app).await;
}

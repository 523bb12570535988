//! Penalties, waivers and balances (SPEC 5.4): the accrual called for chosen dates, the daily
//! job's lease across instances, `waiveCharge` with its re-play, and `Loan.balance` as of a
//! day — with the money invariants checked after every money operation.

use chrono::{Days, NaiveDate, TimeDelta};
use millennium::clock::Clock;
use millennium::db;
use millennium::jobs::{self, Outcome};
use millennium::services::charges::post_penalties;
use serde_json::{Value, json};

use crate::support::factories::DEFAULT_PASSWORD;
use crate::support::money::assert_invariants;
use crate::support::records::audit_actions;
use crate::support::{Org, TestApp};

const LOAN: &str = "query($id: ID!, $asOf: Date) { loan(id: $id) {
    status endDate
    charges { id kind chargeDate amount paidAmount remainingAmount waivedAt waiveReason waivedBy { id } }
    nextInstallment { sequence dueDate remainingAmount }
    balance(asOf: $asOf) {
        asOf totalScheduled totalPaid principalOutstanding interestOutstanding penaltiesOutstanding
        totalOutstanding overdueAmount overdueInstallments dueToday nextDueDate daysInArrears
        completionPercent
    }
} }";

const RECORD: &str =
    "mutation($input: RecordRepaymentInput!) { recordRepayment(input: $input) { id } }";
const WAIVE: &str = "mutation($id: ID!, $reason: String!) {
    waiveCharge(id: $id, reason: $reason) { id waivedAt remainingAmount paidAmount }
}";

/// An active loan of 1,000 over 10 days at 0% with a penalty of 50 a day, made today; its id
/// and end date.
pub(crate) async fn loan_with_penalties(app: &TestApp, org: &Org) -> (Value, NaiveDate) {
    let product = app
        .gql("mutation { createLoanType(input: {name: \"Daily\", minAmount: \"100\", maxAmount: \"5000\", termUnit: DAY, minTerm: 5, maxTerm: 30, defaultPenaltyFeePerDay: \"50\"}) { id } }")
        .by(&org.admin)
        .send()
        .await
        .data()["createLoanType"]["id"]
        .clone();
    let created = app
        .gql("mutation($input: CreateLoanInput!) { createLoan(input: $input) { id endDate status } }")
        .var(
            "input",
            json!({
                "unionMemberId": org.member.id.to_string(), "loanTypeId": product,
                "principalAmount": "1000", "termCount": 10,
                "creditOfficerId": org.officer.user.id.to_string()
            }),
        )
        .by(&org.admin)
        .send()
        .await;
    let loan = created.data()["createLoan"].clone();
    assert_eq!(loan["status"], "ACTIVE");
    let end: NaiveDate = loan["endDate"]
        .as_str()
        .expect("end date")
        .parse()
        .expect("date");
    (loan["id"].clone(), end)
}

pub(crate) async fn set_graces(app: &TestApp, org: &Org, penalty: i64, default: i64) {
    app.gql("mutation($input: UpdateCompanySettingsInput!) { updateCompanySettings(input: $input) { penaltyGraceDays } }")
        .var("input", json!({"penaltyGraceDays": penalty, "defaultGraceDays": default}))
        .by(&org.admin)
        .send()
        .await
        .data();
}

fn today_of(app: &TestApp) -> NaiveDate {
    app.clock.now().date_naive()
}

fn day(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).expect("date")
}

#[tokio::test]
async fn penalties_accrue_once_a_day_after_the_grace_and_a_waiver_replays() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    set_graces(&app, &org, 2, 5).await;
    let (loan, end) = loan_with_penalties(&app, &org).await;
    let today = today_of(&app);

    // Two installments paid today.
    app.gql(RECORD)
        .var(
            "input",
            json!({"loanId": loan, "amount": "200", "method": "CASH", "idempotencyKey": "first"}),
        )
        .by(&org.officer)
        .send()
        .await
        .data();
    assert_invariants(&app).await;

    // Nothing within the grace; three days after it, three charges; again, nothing more.
    let run = post_penalties(&app.state, day(end, 2)).await.expect("run");
    assert_eq!(run.charges_posted, 0);
    assert_eq!(
        run.installments_overdue, 8,
        "every unpaid installment is late by then"
    );
    let run = post_penalties(&app.state, day(end, 5)).await.expect("run");
    assert_eq!((run.charges_posted, run.loans_charged), (3, 1));
    assert_eq!(run.loans_defaulted, 0, "still within the default grace");
    let again = post_penalties(&app.state, day(end, 5)).await.expect("run");
    assert_eq!((again.charges_posted, again.installments_overdue), (0, 0));
    assert_invariants(&app).await;

    let read = app
        .gql(LOAN)
        .var("id", loan.clone())
        .var("asOf", day(end, 5).to_string())
        .by(&org.officer)
        .send()
        .await;
    let state = read.data()["loan"].clone();
    let charges = state["charges"].as_array().expect("charges");
    let days: Vec<_> = charges.iter().map(|c| c["chargeDate"].clone()).collect();
    assert_eq!(
        days,
        [3, 4, 5].map(|n| json!(day(end, n).to_string())),
        "one penalty a day from the day after the grace"
    );
    assert!(
        charges
            .iter()
            .all(|c| c["kind"] == "PENALTY" && c["amount"] == "50.00")
    );
    let balance = &state["balance"];
    assert_eq!(balance["totalScheduled"], "1000.00");
    assert_eq!(balance["totalPaid"], "200.00");
    assert_eq!(balance["principalOutstanding"], "800.00");
    assert_eq!(balance["interestOutstanding"], "0.00");
    assert_eq!(balance["penaltiesOutstanding"], "150.00");
    assert_eq!(balance["totalOutstanding"], "950.00");
    assert_eq!(balance["overdueAmount"], "800.00");
    assert_eq!(balance["overdueInstallments"], 8);
    assert_eq!(balance["nextDueDate"], Value::Null);
    // The oldest unpaid installment is the third, due three days after today.
    let oldest = day(today, 3);
    assert_eq!(balance["daysInArrears"], (day(end, 5) - oldest).num_days());
    assert_eq!(balance["completionPercent"], "20.00");
    assert_eq!(state["nextInstallment"]["sequence"], 3);

    // As of today, nothing is late and nothing is charged yet.
    let now = app
        .gql(LOAN)
        .var("id", loan.clone())
        .by(&org.officer)
        .send()
        .await;
    let balance = &now.data()["loan"]["balance"];
    assert_eq!(balance["penaltiesOutstanding"], "0.00");
    assert_eq!(balance["daysInArrears"], 0);
    assert_eq!(balance["nextDueDate"], day(today, 3).to_string());
    assert_eq!(balance["dueToday"], "0.00");

    // Past the default grace the loan is DEFAULTED, with its audit row.
    let run = post_penalties(&app.state, day(end, 6)).await.expect("run");
    assert_eq!((run.charges_posted, run.loans_defaulted), (1, 1));
    let actions = audit_actions(&app).await;
    assert!(
        actions.contains(&"LOAN_DEFAULTED".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"PENALTIES_POSTED".to_owned()),
        "{actions:?}"
    );

    // An officer cannot waive; an administrator can, once, with a reason.
    let first = charges[0]["id"].clone();
    let refused = app
        .gql(WAIVE)
        .var("id", first.clone())
        .var("reason", "Goodwill")
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(refused.error_code(), "FORBIDDEN");
    let blank = app
        .gql(WAIVE)
        .var("id", first.clone())
        .var("reason", " ")
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(blank.error_code(), "BAD_USER_INPUT");
    let waived = app
        .gql(WAIVE)
        .var("id", first.clone())
        .var("reason", "Goodwill")
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(waived.data()["waiveCharge"]["remainingAmount"], "0.00");
    assert!(waived.data()["waiveCharge"]["waivedAt"].is_string());
    assert_invariants(&app).await;
    let twice = app
        .gql(WAIVE)
        .var("id", first)
        .var("reason", "Goodwill")
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(twice.error_code(), "CONFLICT");
    assert!(
        audit_actions(&app)
            .await
            .contains(&"CHARGE_WAIVED".to_owned())
    );

    // Paying everything owed now (800 of installments, 150 of penalties) completes the loan;
    // the waived charge is not owed.
    app.clock
        .set(app.clock.now() + TimeDelta::days((day(end, 6) - today).num_days()));
    let admin = app
        .login_user(org.admin.user.clone(), DEFAULT_PASSWORD)
        .await;
    let officer = app
        .login_user(org.officer.user.clone(), DEFAULT_PASSWORD)
        .await;
    let owed = app
        .gql(LOAN)
        .var("id", loan.clone())
        .by(&admin)
        .send()
        .await
        .data()["loan"]["balance"]["totalOutstanding"]
        .clone();
    assert_eq!(owed, "950.00");
    let too_much = app
        .gql(RECORD)
        .var(
            "input",
            json!({"loanId": loan, "amount": "950.01", "method": "CASH", "idempotencyKey": "over"}),
        )
        .by(&officer)
        .send()
        .await;
    assert_eq!(too_much.error_code(), "BAD_USER_INPUT");
    app.gql(RECORD)
        .var(
            "input",
            json!({"loanId": loan, "amount": "950", "method": "CASH", "idempotencyKey": "rest"}),
        )
        .by(&officer)
        .send()
        .await
        .data();
    assert_invariants(&app).await;
    let done = app.gql(LOAN).var("id", loan).by(&admin).send().await;
    let done = &done.data()["loan"];
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["balance"]["totalOutstanding"], "0.00");
    assert_eq!(done["balance"]["totalPaid"], "1150.00");
    assert_eq!(done["nextInstallment"], Value::Null);
    let paid: Vec<_> = done["charges"]
        .as_array()
        .expect("charges")
        .iter()
        .map(|c| c["paidAmount"].as_str().expect("paid").to_owned())
        .collect();
    assert_eq!(paid, ["0.00", "50.00", "50.00", "50.00"]);

    // A completed loan is not charged again.
    let run = post_penalties(&app.state, day(end, 9)).await.expect("run");
    assert_eq!(run.charges_posted, 0);
}

#[tokio::test]
async fn the_daily_job_runs_once_a_day_and_is_taken_over_when_its_instance_dies() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let (_loan, end) = loan_with_penalties(&app, &org).await;

    // The day after the end, at noon (so that the quarter of an hour the lease lasts below
    // stays within one day): one instance runs the job, the others find it done.
    app.clock
        .set(day(end, 1).and_hms_opt(12, 0, 0).expect("noon").and_utc());
    let ran = jobs::run_penalties_once(&app.state, "one")
        .await
        .expect("job");
    let Outcome::Ran(run) = ran else {
        panic!("the first instance runs the job: {ran:?}")
    };
    assert_eq!(run.charges_posted, 1);
    assert_eq!(
        jobs::run_penalties_once(&app.state, "two")
            .await
            .expect("job"),
        Outcome::NotOurs
    );
    assert_eq!(
        jobs::run_penalties_once(&app.state, "one")
            .await
            .expect("job"),
        Outcome::NotOurs,
        "a completed day does not run again"
    );

    // The next day an instance takes the lease and dies before completing it.
    app.clock.advance(TimeDelta::days(1));
    let now = app.clock.now();
    let lease = jobs::penalty_lease(now.date_naive());
    let taken = db::job_leases::acquire(
        &mut *app.conn().await,
        &lease,
        "dead",
        now + jobs::LEASE,
        now,
    )
    .await
    .expect("lease");
    assert!(taken);
    assert_eq!(
        jobs::run_penalties_once(&app.state, "two")
            .await
            .expect("job"),
        Outcome::NotOurs,
        "the lease is held"
    );
    // Once the lease has expired, another instance takes over and completes the day.
    app.clock.advance(jobs::LEASE + TimeDelta::minutes(1));
    let Outcome::Ran(run) = jobs::run_penalties_once(&app.state, "two")
        .await
        .expect("job")
    else {
        panic!("the lease expired: another instance runs the job")
    };
    assert_eq!(run.charges_posted, 1);
    assert!(
        db::job_leases::is_completed(&mut *app.conn().await, &lease)
            .await
            .expect("lease")
    );
    assert_invariants(&app).await;
}

#[tokio::test]
async fn a_payment_made_before_the_job_posted_earlier_days_pays_those_penalties_first() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let (loan, end) = loan_with_penalties(&app, &org).await;

    // Three days past the end (no grace), before the job has run, 100 is paid: nothing is
    // charged yet, so it goes to the first installment.
    let today = today_of(&app);
    app.clock
        .set(app.clock.now() + TimeDelta::days((day(end, 3) - today).num_days()));
    let officer = app
        .login_user(org.officer.user.clone(), DEFAULT_PASSWORD)
        .await;
    app.gql(RECORD)
        .var(
            "input",
            json!({"loanId": loan, "amount": "100", "method": "CASH", "idempotencyKey": "early"}),
        )
        .by(&officer)
        .send()
        .await
        .data();
    assert_invariants(&app).await;

    // The job then charges the three days; the payment came on or after them, so penalties
    // come first (PENALTIES_FIRST) and the loan is re-played.
    let run = post_penalties(&app.state, day(end, 3)).await.expect("run");
    assert_eq!((run.charges_posted, run.loans_replayed), (3, 1));
    assert_invariants(&app).await;
    let state = app.gql(LOAN).var("id", loan).by(&officer).send().await;
    let paid: Vec<_> = state.data()["loan"]["charges"]
        .as_array()
        .expect("charges")
        .iter()
        .map(|c| c["paidAmount"].as_str().expect("paid").to_owned())
        .collect();
    assert_eq!(paid, ["50.00", "50.00", "0.00"]);
}

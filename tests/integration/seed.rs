//! `seed demo` in process, on a test's own database: the loan history holds every status,
//! repayments (some reversed) and penalties, keeps every money invariant, numbers its loans and
//! members past the counters; `--scale 2` doubles it.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use millennium::db::loans::Loan;
use millennium::db::schedule_items::ScheduleItem;
use millennium::db::schema::{counters, loan_charges, loans, repayment_schedule_items, repayments};
use millennium::domain::schedule::{self, Terms};
use millennium::domain::{LoanId, LoanStatus};
use millennium::seed::{self, Options};
use rust_decimal::Decimal;

use crate::support::TestApp;
use crate::support::money::assert_invariants;

const GRAPHIQL: &str = "http://127.0.0.1:4000/graphiql";

async fn seeded(scale: u32) -> (TestApp, seed::Report) {
    let app = TestApp::spawn().await;
    let options = Options {
        scale,
        progress: false,
    };
    let report = seed::demo(&app.state, GRAPHIQL, options)
        .await
        .expect("seed demo");
    (app, report)
}

async fn counter(app: &TestApp, name: &str) -> i64 {
    counters::table
        .find(name)
        .select(counters::value)
        .get_result(&mut app.conn().await)
        .await
        .expect("counter")
}

#[tokio::test]
async fn the_demo_history_has_every_status_and_keeps_the_money_invariants() {
    let (app, report) = seeded(1).await;
    let mut conn = app.conn().await;
    let statuses: Vec<LoanStatus> = loans::table
        .select(loans::status)
        .load(&mut conn)
        .await
        .expect("statuses");
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for status in &statuses {
        *by_status.entry(status.as_str()).or_default() += 1;
    }
    assert_eq!(by_status.len(), LoanStatus::ALL.len(), "{by_status:?}");
    assert_eq!(report.created.loans, statuses.len());
    assert!(
        (1_700..=2_400).contains(&statuses.len()),
        "{} loans",
        statuses.len()
    );

    let live: i64 = repayments::table
        .filter(repayments::reversed_at.is_null())
        .count()
        .get_result(&mut conn)
        .await
        .expect("repayments");
    let reversed: i64 = repayments::table
        .filter(repayments::reversed_at.is_not_null())
        .filter(repayments::reversal_reason.is_not_null())
        .count()
        .get_result(&mut conn)
        .await
        .expect("reversed");
    let penalties: i64 = loan_charges::table
        .filter(loan_charges::kind.eq("PENALTY"))
        .count()
        .get_result(&mut conn)
        .await
        .expect("penalties");
    assert!(
        live > 1_000 && reversed > 0 && penalties > 0,
        "{live} {reversed} {penalties}"
    );
    let canceled_without_reason: i64 = loans::table
        .filter(loans::status.eq(LoanStatus::Canceled))
        .filter(loans::status_reason.is_null())
        .count()
        .get_result(&mut conn)
        .await
        .expect("reasons");
    assert_eq!(canceled_without_reason, 0);
    assert_invariants(&app).await;

    // Each schedule is the one `domain::schedule` gives for the loan's terms.
    let all: Vec<Loan> = loans::table
        .select(Loan::as_select())
        .load(&mut conn)
        .await
        .expect("loans");
    let items: Vec<ScheduleItem> = repayment_schedule_items::table
        .select(ScheduleItem::as_select())
        .order_by(repayment_schedule_items::sequence)
        .load(&mut conn)
        .await
        .expect("items");
    let mut of_loan: HashMap<LoanId, Vec<&ScheduleItem>> = HashMap::new();
    for item in &items {
        of_loan.entry(item.loan_id).or_default().push(item);
    }
    for loan in &all {
        let expected = schedule::schedule(&Terms {
            principal: loan.principal_amount,
            term_count: u32::try_from(loan.term_count).expect("term"),
            term_unit: loan.term_unit,
            interest_rate: loan.interest_rate,
            interest_method: loan.interest_method,
            start_date: loan.start_date,
        })
        .expect("schedule");
        let written = &of_loan[&loan.id];
        assert_eq!(written.len(), expected.len(), "{}", loan.loan_number);
        let interest: Decimal = written.iter().map(|item| item.interest_due).sum();
        let expected_interest: Decimal = expected.iter().map(|item| item.interest_due).sum();
        assert_eq!(interest, expected_interest, "{}", loan.loan_number);
        assert_eq!(loan.end_date, expected.last().expect("last").due_date);
    }

    // The counters end past the numbers taken, so the next loan and member do not collide.
    assert_eq!(counter(&app, "loan_number").await, all.len() as i64);
    assert_eq!(counter(&app, "union_member_code").await, 600);
    let last = all.iter().map(|loan| loan.loan_number.clone()).max();
    assert_eq!(last, Some(format!("LN{:08}", all.len())));
}

#[tokio::test]
async fn scale_two_doubles_the_organisation_and_its_loans() {
    let (app, report) = seeded(2).await;
    let created = &report.created;
    assert_eq!(
        (created.staff, created.unions, created.members),
        (17, 60, 1_200)
    );
    assert!(
        (3_400..=4_800).contains(&created.loans),
        "{} loans",
        created.loans
    );
    let text = report.to_string();
    assert!(text.contains("repeated 2 times"), "{text}");
    assert_eq!(counter(&app, "union_member_code").await, 1_200);
    assert_invariants(&app).await;
}

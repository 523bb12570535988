//! Reports (SPEC 8.2) on a small hand-made book: every figure of `dashboard`,
//! `supervisorReport`, `portfolioAtRisk` and `collectionSheet` is compared with the same figure
//! computed here, independently, from the loans' schedules and repayments as the API lists
//! them; each report in each role's scope; stored snapshots; and statement counts that do not
//! grow with the book.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use millennium::clock::Clock;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::app::Session;
use crate::support::money::assert_invariants;
use crate::support::records::audit_actions;
use crate::support::{MemberFactory, Org, TestApp};

/// A loan as the API shows it, with what the test derives from it.
#[derive(Debug, Clone)]
struct LoanView {
    ours: bool,
    status: String,
    principal: Decimal,
    disbursed_on: Option<NaiveDate>,
    /// Due date and total of each installment.
    schedule: Vec<(NaiveDate, Decimal)>,
    /// Date and amount of each live repayment.
    payments: Vec<(NaiveDate, Decimal)>,
}

impl LoanView {
    fn paid(&self) -> Decimal {
        self.payments.iter().map(|(_, amount)| *amount).sum()
    }

    fn outstanding(&self) -> Decimal {
        self.schedule.iter().map(|(_, due)| *due).sum::<Decimal>() - self.paid()
    }

    /// The due date of the first installment the payments, taken oldest first, leave unpaid.
    fn oldest_unpaid(&self) -> Option<NaiveDate> {
        let mut left = self.paid();
        for (due_date, due) in &self.schedule {
            if left >= *due {
                left -= *due;
            } else {
                return Some(*due_date);
            }
        }
        None
    }

    fn in_portfolio(&self) -> bool {
        self.status == "ACTIVE" || self.status == "DEFAULTED"
    }

    fn disbursed(&self) -> bool {
        matches!(
            self.status.as_str(),
            "ACTIVE" | "COMPLETED" | "DEFAULTED" | "WRITTEN_OFF"
        )
    }

    /// More than `days` days late on `as_of`.
    fn late(&self, as_of: NaiveDate, days: i64) -> bool {
        self.oldest_unpaid()
            .is_some_and(|due| (as_of - due).num_days() > days)
    }
}

/// The figures the test expects, computed from `loans`.
struct Expected<'a> {
    loans: Vec<&'a LoanView>,
}

impl Expected<'_> {
    fn portfolio(&self) -> (i64, Decimal) {
        let loans: Vec<_> = self.loans.iter().filter(|l| l.in_portfolio()).collect();
        (
            loans.len() as i64,
            loans.iter().map(|l| l.outstanding()).sum(),
        )
    }

    fn at_risk(&self, as_of: NaiveDate, days: i64) -> (i64, Decimal) {
        let loans: Vec<_> = self
            .loans
            .iter()
            .filter(|l| l.in_portfolio() && l.late(as_of, days))
            .collect();
        (
            loans.len() as i64,
            loans.iter().map(|l| l.outstanding()).sum(),
        )
    }

    fn disbursed(&self, from: NaiveDate, to: NaiveDate) -> (i64, Decimal) {
        let loans: Vec<_> = self
            .loans
            .iter()
            .filter(|l| l.disbursed() && l.disbursed_on.is_some_and(|d| d >= from && d <= to))
            .collect();
        (loans.len() as i64, loans.iter().map(|l| l.principal).sum())
    }

    fn collected(&self, from: NaiveDate, to: NaiveDate) -> (i64, Decimal) {
        let payments: Vec<Decimal> = self
            .loans
            .iter()
            .flat_map(|l| l.payments.iter())
            .filter(|(day, _)| *day >= from && *day <= to)
            .map(|(_, amount)| *amount)
            .collect();
        (payments.len() as i64, payments.iter().sum())
    }

    fn due(&self, from: NaiveDate, to: NaiveDate) -> Decimal {
        self.loans
            .iter()
            .filter(|l| l.disbursed())
            .flat_map(|l| l.schedule.iter())
            .filter(|(day, _)| *day >= from && *day <= to)
            .map(|(_, amount)| *amount)
            .sum()
    }

    fn by_status(&self) -> BTreeMap<String, i64> {
        let mut counts = BTreeMap::new();
        for loan in &self.loans {
            *counts.entry(loan.status.clone()).or_insert(0) += 1;
        }
        counts
    }
}

fn money(value: &Value) -> Decimal {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not money: {value}"))
        .parse()
        .expect("decimal")
}

fn ratio(part: Decimal, whole: Decimal) -> Value {
    if whole.is_zero() {
        Value::Null
    } else {
        json!((part / whole).round_dp(4).normalize().to_string())
    }
}

/// A ratio as the API sends it, normalised for comparison.
fn sent_ratio(value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        other => json!(money(other).normalize().to_string()),
    }
}

struct Book {
    org: Org,
    start: NaiveDate,
    product: Value,
    loan_ids: Vec<(String, bool)>,
    spare_members: Vec<millennium::db::union_members::UnionMember>,
}

const CREATE: &str =
    "mutation($input: CreateLoanInput!) { createLoan(input: $input) { id status } }";
const RECORD: &str =
    "mutation($input: RecordRepaymentInput!) { recordRepayment(input: $input) { id } }";

async fn create_loan(
    app: &TestApp,
    book: &Book,
    member: &millennium::db::union_members::UnionMember,
    officer: &Session,
    (principal, days): (&str, i64),
    start: Option<NaiveDate>,
    draft: bool,
) -> String {
    let mut input = json!({
        "unionMemberId": member.id.to_string(), "loanTypeId": book.product,
        "principalAmount": principal, "termCount": days,
        "creditOfficerId": officer.user.id.to_string(), "asDraft": draft,
    });
    if let Some(start) = start {
        input["startDate"] = json!(start.to_string());
    }
    let created = app
        .gql(CREATE)
        .var("input", input)
        .by(&book.org.admin)
        .send()
        .await;
    created.data()["createLoan"]["id"]
        .as_str()
        .expect("loan id")
        .to_owned()
}

/// Pays `amount` on `day` at 10:00 UTC, or now when that is still to come today (a repayment
/// cannot be dated in the future).
async fn pay(app: &TestApp, book: &Book, loan: &str, amount: &str, day: NaiveDate) -> String {
    let at = day
        .and_hms_opt(10, 0, 0)
        .expect("time")
        .and_utc()
        .min(app.clock.now())
        .to_rfc3339();
    let paid = app
        .gql(RECORD)
        .var(
            "input",
            json!({"loanId": loan, "amount": amount, "method": "CASH", "paidAt": at,
                   "idempotencyKey": format!("{loan}-{amount}-{day}")}),
        )
        .by(&book.org.admin)
        .send()
        .await;
    let id = paid.data()["recordRepayment"]["id"]
        .as_str()
        .expect("repayment id")
        .to_owned();
    assert_invariants(app).await;
    id
}

/// The book: our officer's union with loans A (partly paid, one payment reversed), B (repaid)
/// and E (disbursed before the period, partly paid), a pending application D of theirs, and
/// their loan C. The loans start twelve days ago (access tokens live 15 minutes: the clock
/// stays where it is and the book is dated in the past).
async fn book(app: &TestApp) -> Book {
    let org = Org::new(app).await;
    let product = app
        .gql("mutation { createLoanType(input: {name: \"Daily\", minAmount: \"100\", maxAmount: \"50000\", termUnit: DAY, minTerm: 5, maxTerm: 30, interestRate: \"0\", defaultPenaltyFeePerDay: \"0\", defaultProcessingFee: \"0\"}) { id } }")
        .by(&org.admin)
        .send()
        .await
        .data()["createLoanType"]["id"]
        .clone();
    let start = app.clock.now().date_naive() - Days::new(12);
    let m2 = MemberFactory::new(&org.union)
        .names("Ngozi", "Eze")
        .insert(app)
        .await;
    let m3 = MemberFactory::new(&org.union)
        .names("Sade", "Bello")
        .insert(app)
        .await;
    let o2 = MemberFactory::new(&org.other_union)
        .names("Musa", "Okon")
        .insert(app)
        .await;
    let spare = MemberFactory::new(&org.union)
        .names("Tayo", "Nwosu")
        .insert(app)
        .await;
    let mut book = Book {
        org,
        start,
        product,
        loan_ids: Vec::new(),
        spare_members: vec![spare],
    };
    let org = &book.org;
    let a = create_loan(
        app,
        &book,
        &org.member,
        &org.officer,
        ("1000", 10),
        Some(start),
        false,
    )
    .await;
    let b = create_loan(
        app,
        &book,
        &m2,
        &org.officer,
        ("2000", 10),
        Some(start),
        false,
    )
    .await;
    let e_start = start - Days::new(20);
    let e = create_loan(
        app,
        &book,
        &m3,
        &org.officer,
        ("900", 9),
        Some(e_start),
        false,
    )
    .await;
    let c = create_loan(
        app,
        &book,
        &org.other_member,
        &org.other_officer,
        ("500", 5),
        Some(start),
        false,
    )
    .await;
    let d = create_loan(app, &book, &o2, &org.other_officer, ("700", 7), None, true).await;
    app.gql("mutation($id: ID!) { submitLoan(id: $id) { status } }")
        .var("id", d.clone())
        .by(&org.admin)
        .send()
        .await
        .data();

    pay(app, &book, &e, "400", start - Days::new(15)).await;
    pay(app, &book, &a, "300", start + Days::new(3)).await;
    let wrong = pay(app, &book, &a, "100", start + Days::new(4)).await;
    app.gql("mutation($id: ID!) { reverseRepayment(id: $id, reason: \"Bounced\") { id } }")
        .var("id", wrong)
        .by(&book.org.admin)
        .send()
        .await
        .data();
    assert_invariants(app).await;
    pay(app, &book, &b, "2000", start + Days::new(5)).await;
    pay(app, &book, &c, "100", start + Days::new(1)).await;
    pay(app, &book, &c, "50", start + Days::new(12)).await;
    book.loan_ids = vec![(a, true), (b, true), (e, true), (c, false), (d, false)];
    book
}

async fn views(app: &TestApp, book: &Book) -> Vec<LoanView> {
    let mut views = Vec::new();
    for (id, ours) in &book.loan_ids {
        let data = app
            .gql(
                "query($id: ID!) { loan(id: $id) { status principalAmount disbursedAt
                    schedule { dueDate totalDue } repayments { amount paidAt reversedAt } } }",
            )
            .var("id", id.clone())
            .by(&book.org.admin)
            .send()
            .await;
        let loan = &data.data()["loan"];
        let day = |value: &Value| -> NaiveDate {
            let text = value.as_str().expect("date");
            match text.parse::<DateTime<Utc>>() {
                Ok(instant) => instant.date_naive(),
                Err(_) => text.parse().expect("day"),
            }
        };
        views.push(LoanView {
            ours: *ours,
            status: loan["status"].as_str().expect("status").to_owned(),
            principal: money(&loan["principalAmount"]),
            disbursed_on: (!loan["disbursedAt"].is_null()).then(|| day(&loan["disbursedAt"])),
            schedule: loan["schedule"]
                .as_array()
                .expect("schedule")
                .iter()
                .map(|item| (day(&item["dueDate"]), money(&item["totalDue"])))
                .collect(),
            payments: loan["repayments"]
                .as_array()
                .expect("repayments")
                .iter()
                .filter(|r| r["reversedAt"].is_null())
                .map(|r| (day(&r["paidAt"]), money(&r["amount"])))
                .collect(),
        });
    }
    views
}

const DASHBOARD: &str = "query($from: Date, $to: Date) { dashboard(periodStart: $from, periodEnd: $to) {
    period { start end days } asOf
    unions members verifiedMembers pendingMembers loans pendingApprovals
    loansByStatus { status count principal outstanding }
    portfolio { count amount }
    portfolioAtRisk { days loans outstanding ratio }
    collectionRate
    currentPeriod { disbursed { count amount } collected { count amount } due { amount } collectionRate
                    newLoans { count } newMembers }
    previousPeriod { period { start end } disbursed { count amount } collected { count amount } due { amount } collectionRate }
    growth { disbursed collected }
    topUnions { name loans outstanding collected union { id } creditOfficer { id } }
    recentActivity { kind amount loan { loanNumber } }
} }";

/// Checks a dashboard (or a report's figures) against `expected` for the period `from..=to`
/// on `as_of`.
fn check_figures(
    figures: &Value,
    expected: &Expected<'_>,
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) {
    let (count, outstanding) = expected.portfolio();
    assert_eq!(figures["portfolio"]["count"], count, "{figures}");
    assert_eq!(
        money(&figures["portfolio"]["amount"]),
        outstanding,
        "{figures}"
    );
    let by_status: BTreeMap<String, i64> = figures["loansByStatus"]
        .as_array()
        .expect("by status")
        .iter()
        .map(|s| {
            (
                s["status"].as_str().expect("as sent").to_owned(),
                s["count"].as_i64().expect("as sent"),
            )
        })
        .collect();
    assert_eq!(by_status, expected.by_status(), "{figures}");
    assert_eq!(figures["loans"], expected.loans.len() as i64);
    for (index, days) in [1, 30, 60, 90].into_iter().enumerate() {
        let sent = &figures["portfolioAtRisk"][index];
        let (loans, amount) = expected.at_risk(as_of, days);
        assert_eq!(sent["days"], days);
        assert_eq!(sent["loans"], loans, "PAR{days}: {sent}");
        assert_eq!(money(&sent["outstanding"]), amount, "PAR{days}: {sent}");
        assert_eq!(
            sent_ratio(&sent["ratio"]),
            ratio(amount, outstanding),
            "PAR{days}"
        );
    }
    let current = &figures["currentPeriod"];
    let (count, amount) = expected.disbursed(from, to);
    assert_eq!(current["disbursed"]["count"], count, "{current}");
    assert_eq!(money(&current["disbursed"]["amount"]), amount);
    let (count, collected) = expected.collected(from, to);
    assert_eq!(current["collected"]["count"], count, "{current}");
    assert_eq!(money(&current["collected"]["amount"]), collected);
    let due = expected.due(from, to);
    assert_eq!(money(&current["due"]["amount"]), due, "{current}");
    assert_eq!(
        sent_ratio(&current["collectionRate"]),
        ratio(collected, due)
    );
    let length = (to - from).num_days() + 1;
    let previous_to = from - Days::new(1);
    let previous_from = from - Days::new(u64::try_from(length).expect("as sent"));
    let previous = &figures["previousPeriod"];
    let (count, amount) = expected.disbursed(previous_from, previous_to);
    assert_eq!(previous["disbursed"]["count"], count, "{previous}");
    assert_eq!(money(&previous["disbursed"]["amount"]), amount);
    let (count, amount) = expected.collected(previous_from, previous_to);
    assert_eq!(previous["collected"]["count"], count, "{previous}");
    assert_eq!(money(&previous["collected"]["amount"]), amount);
}

#[tokio::test]
async fn the_dashboard_equals_figures_computed_from_the_book_in_each_scope() {
    let app = TestApp::spawn().await;
    let book = book(&app).await;
    let views = views(&app, &book).await;
    let today = app.clock.now().date_naive();
    let (from, to) = (book.start - Days::new(5), today);

    for (session, which) in [
        (&book.org.admin, None),
        (&book.org.supervisor, Some(true)),
        (&book.org.officer, Some(true)),
        (&book.org.other_supervisor, Some(false)),
        (&book.org.other_officer, Some(false)),
    ] {
        let expected = Expected {
            loans: views
                .iter()
                .filter(|l| which.is_none_or(|ours| l.ours == ours))
                .collect(),
        };
        let data = app
            .gql(DASHBOARD)
            .vars(&json!({"from": from.to_string(), "to": to.to_string()}))
            .by(session)
            .send()
            .await;
        let dashboard = &data.data()["dashboard"];
        check_figures(dashboard, &expected, from, to, today);
        assert_eq!(dashboard["asOf"], today.to_string());
        assert_eq!(dashboard["period"]["days"], (to - from).num_days() + 1);
        let pending = expected
            .by_status()
            .get("PENDING_APPROVAL")
            .copied()
            .unwrap_or(0);
        assert_eq!(dashboard["pendingApprovals"], pending);
        // Members and unions: the lists of the same scope count the same.
        let lists = app
            .gql("{ unions { totalCount } unionMembers { totalCount } }")
            .by(session)
            .send()
            .await;
        assert_eq!(dashboard["unions"], lists.data()["unions"]["totalCount"]);
        assert_eq!(
            dashboard["members"],
            lists.data()["unionMembers"]["totalCount"]
        );
        // Top unions: only unions in scope, the largest outstanding first.
        let top = dashboard["topUnions"].as_array().expect("top unions");
        let outstanding: Vec<Decimal> = top.iter().map(|u| money(&u["outstanding"])).collect();
        assert!(outstanding.windows(2).all(|w| w[0] >= w[1]), "{top:?}");
        assert_eq!(outstanding.iter().sum::<Decimal>(), expected.portfolio().1);
        // Recent activity: latest first, only loans in scope (a loan outside is null or absent).
        let recent = dashboard["recentActivity"].as_array().expect("recent");
        assert!(!recent.is_empty());
        assert!(recent.iter().all(|r| !r["loan"].is_null()), "{recent:?}");
    }

    // The admin's growth: nothing was collected in the previous period but E's payment.
    let data = app
        .gql(DASHBOARD)
        .vars(&json!({"from": from.to_string(), "to": to.to_string()}))
        .by(&book.org.admin)
        .send()
        .await;
    let dashboard = &data.data()["dashboard"];
    let all = Expected {
        loans: views.iter().collect(),
    };
    let length = (to - from).num_days() + 1;
    let previous_from = from - Days::new(u64::try_from(length).expect("as sent"));
    let (_, now) = all.collected(from, to);
    let (_, before) = all.collected(previous_from, from - Days::new(1));
    assert_eq!(
        sent_ratio(&dashboard["growth"]["collected"]),
        ratio(now - before, before)
    );
    assert_eq!(
        dashboard["collectionRate"],
        dashboard["currentPeriod"]["collectionRate"]
    );

    // A period that ends before it starts is refused.
    let refused = app
        .gql(DASHBOARD)
        .vars(&json!({"from": to.to_string(), "to": from.to_string()}))
        .by(&book.org.admin)
        .send()
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
}

const SUPERVISOR_REPORT: &str = "query($id: ID, $from: Date, $to: Date) {
    supervisorReport(supervisorId: $id, periodStart: $from, periodEnd: $to) {
        supervisorId period { start end }
        officers { officerId name officer { id } unions members loans
                   portfolio { count amount } portfolioAtRisk { days loans outstanding ratio }
                   loansByStatus { status count } currentPeriod { disbursed { count amount }
                   collected { count amount } due { amount } collectionRate }
                   previousPeriod { disbursed { count amount } collected { count amount } } }
        total { portfolio { count amount } loans unions members
                portfolioAtRisk { days loans outstanding ratio } loansByStatus { status count }
                currentPeriod { disbursed { count amount } collected { count amount } due { amount } collectionRate }
                previousPeriod { disbursed { count amount } collected { count amount } } }
        trends { month period { start end } disbursed { count amount } collected { count amount } due { amount } collectionRate }
    }
}";

/// What an officer's dashboard says happened over `from..=to`: disbursed, collected, due and
/// new loans, each as (count, amount).
async fn period_figures(app: &TestApp, session: &Session, from: NaiveDate, to: NaiveDate) -> Value {
    let response = app
        .gql(
            "query($from: Date, $to: Date) { dashboard(periodStart: $from, periodEnd: $to) {
            currentPeriod { disbursed { count amount } collected { count amount }
                            due { count amount } duePaid newLoans { count amount } }
        } }",
        )
        .vars(&json!({"from": from.to_string(), "to": to.to_string()}))
        .by(session)
        .send()
        .await;
    response.data()["dashboard"]["currentPeriod"].clone()
}

#[tokio::test]
async fn period_figures_follow_a_member_who_moves_and_a_union_that_changes_officer() {
    let app = TestApp::spawn().await;
    let book = book(&app).await;
    let org = &book.org;
    let today = app.clock.now().date_naive();
    let (from, to) = (book.start - Days::new(40), today + Days::new(30));
    let figures = |session| period_figures(&app, session, from, to);
    let whole = figures(&org.admin).await;
    // Every count and amount of `figures` (or of its `kinds`) is zero.
    fn nothing(figures: &Value, kinds: &[&str]) -> bool {
        kinds.iter().all(|kind| match &figures[kind] {
            Value::Object(counted) => counted["count"] == 0 && money(&counted["amount"]).is_zero(),
            amount => money(amount).is_zero(),
        })
    }
    const ALL: [&str; 5] = ["disbursed", "collected", "due", "duePaid", "newLoans"];
    assert_ne!(figures(&org.officer).await, whole);
    assert!(!nothing(&figures(&org.other_officer).await, &["collected"]));

    // The other officer's only disbursed loan, C, moves with its member into our union: its
    // application, disbursement, payments and installments are ours now.
    let moved = app
        .gql("mutation($member: ID!, $union: ID!) { moveUnionMember(unionMemberId: $member, unionId: $union) { id } }")
        .var("member", org.other_member.id.to_string())
        .var("union", org.union.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    moved.data();
    assert_invariants(&app).await;
    let ours = figures(&org.officer).await;
    let theirs = figures(&org.other_officer).await;
    // D, their pending application, stays with them: an application and nothing else.
    assert_eq!(theirs["newLoans"]["count"], 1);
    assert!(
        nothing(&theirs, &["disbursed", "collected", "due", "duePaid"]),
        "{theirs}"
    );
    for kind in ["disbursed", "collected", "due", "duePaid"] {
        assert_eq!(ours[kind], whole[kind], "{kind}");
    }

    // Our union goes to the other officer, with everything that happened in it.
    let reassigned = app
        .gql("mutation($union: ID!, $officer: ID!) { reassignUnion(unionId: $union, creditOfficerId: $officer) { id } }")
        .var("union", org.union.id.to_string())
        .var("officer", org.other_officer.user.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    reassigned.data();
    assert_invariants(&app).await;
    let ours = figures(&org.officer).await;
    assert!(nothing(&ours, &ALL), "{ours}");
    assert_eq!(figures(&org.other_officer).await, whole);
    assert_eq!(figures(&org.admin).await, whole);
}

#[tokio::test]
async fn the_supervisor_report_covers_a_team_per_officer_with_six_months_of_trends() {
    let app = TestApp::spawn().await;
    let book = book(&app).await;
    let views = views(&app, &book).await;
    let today = app.clock.now().date_naive();
    let (from, to) = (book.start - Days::new(5), today);
    let vars =
        |id: Option<String>| json!({"id": id, "from": from.to_string(), "to": to.to_string()});
    let ours = Expected {
        loans: views.iter().filter(|l| l.ours).collect(),
    };

    // The supervisor's own team, by default.
    let data = app
        .gql(SUPERVISOR_REPORT)
        .vars(&vars(None))
        .by(&book.org.supervisor)
        .send()
        .await;
    let report = &data.data()["supervisorReport"];
    assert_eq!(
        report["supervisorId"],
        book.org.supervisor.user.id.to_string()
    );
    let officers = report["officers"].as_array().expect("officers");
    assert_eq!(officers.len(), 1, "{report}");
    assert_eq!(
        officers[0]["officerId"],
        book.org.officer.user.id.to_string()
    );
    assert_eq!(officers[0]["name"], "Chidi Officer");
    check_figures(&officers[0], &ours, from, to, today);
    check_figures(&report["total"], &ours, from, to, today);

    // Trends: six whole months, the last one the period's; each month's figures from the book.
    let trends = report["trends"].as_array().expect("trends");
    assert_eq!(trends.len(), 6);
    assert_eq!(trends[5]["month"], to.format("%Y-%m").to_string());
    for month in trends {
        let start: NaiveDate = month["period"]["start"]
            .as_str()
            .expect("as sent")
            .parse()
            .expect("as sent");
        let end: NaiveDate = month["period"]["end"]
            .as_str()
            .expect("as sent")
            .parse()
            .expect("as sent");
        let (count, amount) = ours.collected(start, end);
        assert_eq!(month["collected"]["count"], count, "{month}");
        assert_eq!(money(&month["collected"]["amount"]), amount, "{month}");
        let (count, amount) = ours.disbursed(start, end);
        assert_eq!(month["disbursed"]["count"], count, "{month}");
        assert_eq!(money(&month["disbursed"]["amount"]), amount, "{month}");
        let due = ours.due(start, end);
        assert_eq!(money(&month["due"]["amount"]), due, "{month}");
        assert_eq!(
            sent_ratio(&month["collectionRate"]),
            ratio(ours.collected(start, end).1, due)
        );
    }

    // An administrator names a supervisor, or none for every officer.
    let theirs = Expected {
        loans: views.iter().filter(|l| !l.ours).collect(),
    };
    let id = Some(book.org.other_supervisor.user.id.to_string());
    let data = app
        .gql(SUPERVISOR_REPORT)
        .vars(&vars(id))
        .by(&book.org.admin)
        .send()
        .await;
    check_figures(
        &data.data()["supervisorReport"]["total"],
        &theirs,
        from,
        to,
        today,
    );
    let data = app
        .gql(SUPERVISOR_REPORT)
        .vars(&vars(None))
        .by(&book.org.admin)
        .send()
        .await;
    let report = &data.data()["supervisorReport"];
    assert!(report["supervisorId"].is_null());
    assert_eq!(report["officers"].as_array().expect("as sent").len(), 2);
    let all = Expected {
        loans: views.iter().collect(),
    };
    check_figures(&report["total"], &all, from, to, today);

    // Another supervisor's team is not found; officers run no team report; a credit officer
    // named as the supervisor is not a supervisor.
    let id = Some(book.org.supervisor.user.id.to_string());
    let refused = app
        .gql(SUPERVISOR_REPORT)
        .vars(&vars(id))
        .by(&book.org.other_supervisor)
        .send()
        .await;
    assert_eq!(refused.error_code(), "NOT_FOUND");
    let refused = app
        .gql(SUPERVISOR_REPORT)
        .vars(&vars(None))
        .by(&book.org.officer)
        .send()
        .await;
    assert_eq!(refused.error_code(), "FORBIDDEN");
    let id = Some(book.org.officer.user.id.to_string());
    let refused = app
        .gql(SUPERVISOR_REPORT)
        .vars(&vars(id))
        .by(&book.org.admin)
        .send()
        .await;
    assert_eq!(refused.error_code(), "NOT_FOUND");
}

#[tokio::test]
async fn report_snapshots_are_stored_listed_in_scope_and_deleted() {
    let app = TestApp::spawn().await;
    let book = book(&app).await;
    let today = app.clock.now().date_naive();
    let from = book.start - Days::new(5);
    let generate = "mutation($from: Date!, $to: Date!) {
        generateSupervisorReport(reportType: CUSTOM, periodStart: $from, periodEnd: $to) {
            id title reportType supervisorId totalOfficers totalLoans activeLoans completedLoans
            pendingLoans totalDisbursed totalRepaid totalOutstanding collectionRate reportData
            generatedBy { id }
        }
    }";
    let vars = json!({"from": from.to_string(), "to": today.to_string()});
    let stored = app
        .gql(generate)
        .vars(&vars)
        .by(&book.org.supervisor)
        .send()
        .await;
    let stored = stored.data()["generateSupervisorReport"].clone();
    let report = app
        .gql(SUPERVISOR_REPORT)
        .vars(&json!({"from": from.to_string(), "to": today.to_string()}))
        .by(&book.org.supervisor)
        .send()
        .await;
    let total = &report.data()["supervisorReport"]["total"];
    assert_eq!(
        stored["supervisorId"],
        book.org.supervisor.user.id.to_string()
    );
    assert_eq!(
        stored["generatedBy"]["id"],
        book.org.supervisor.user.id.to_string()
    );
    assert_eq!(stored["totalOfficers"], 1);
    assert_eq!(stored["totalLoans"], total["loans"]);
    assert_eq!(
        money(&stored["totalOutstanding"]),
        money(&total["portfolio"]["amount"])
    );
    assert_eq!(
        money(&stored["totalRepaid"]),
        money(&total["currentPeriod"]["collected"]["amount"])
    );
    assert_eq!(
        money(&stored["totalDisbursed"]),
        money(&total["currentPeriod"]["disbursed"]["amount"])
    );
    assert_eq!(stored["reportData"]["total"]["loans"], total["loans"]);
    let id = stored["id"].as_str().expect("as sent").to_owned();

    let list = "{ reportSessions { totalCount nodes { id } } }";
    let count = |data: &Value| data["reportSessions"]["totalCount"].clone();
    for (session, seen) in [
        (&book.org.admin, 1),
        (&book.org.supervisor, 1),
        (&book.org.other_supervisor, 0),
        (&book.org.officer, 0),
    ] {
        let data = app.gql(list).by(session).send().await;
        assert_eq!(count(data.data()), seen);
    }
    // An officer cannot generate one.
    let refused = app
        .gql(generate)
        .vars(&vars)
        .by(&book.org.officer)
        .send()
        .await;
    assert_eq!(refused.error_code(), "FORBIDDEN");

    let delete = "mutation($id: ID!) { deleteReportSession(id: $id) { id deletedAt } }";
    let refused = app
        .gql(delete)
        .var("id", id.clone())
        .by(&book.org.other_supervisor)
        .send()
        .await;
    assert_eq!(refused.error_code(), "NOT_FOUND");
    let deleted = app
        .gql(delete)
        .var("id", id.clone())
        .by(&book.org.supervisor)
        .send()
        .await;
    assert!(!deleted.data()["deleteReportSession"]["deletedAt"].is_null());
    let data = app.gql(list).by(&book.org.admin).send().await;
    assert_eq!(count(data.data()), 0);
    let actions = audit_actions(&app).await;
    assert!(
        actions.contains(&"REPORT_GENERATED".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"REPORT_DELETED".to_owned()),
        "{actions:?}"
    );
}

const PAR: &str = "query($asOf: Date, $by: ParGroupBy!) { portfolioAtRisk(asOf: $asOf, groupBy: $by) {
    asOf groupBy
    groups { id name loans outstanding par1 par30 officer { id } union { id } loanType { id }
             portfolioAtRisk { days loans outstanding ratio } }
    total { loans outstanding par1 par30 par60 par90 portfolioAtRisk { days loans outstanding ratio } }
} }";

#[tokio::test]
async fn portfolio_at_risk_groups_the_late_part_of_the_portfolio() {
    let app = TestApp::spawn().await;
    let book = book(&app).await;
    let views = views(&app, &book).await;
    let today = app.clock.now().date_naive();

    for as_of in [today, today + Days::new(25)] {
        for by in ["OFFICER", "UNION", "LOAN_TYPE"] {
            for (session, which) in [
                (&book.org.admin, None),
                (&book.org.supervisor, Some(true)),
                (&book.org.other_officer, Some(false)),
            ] {
                let expected = Expected {
                    loans: views
                        .iter()
                        .filter(|l| which.is_none_or(|ours| l.ours == ours))
                        .collect(),
                };
                let data = app
                    .gql(PAR)
                    .vars(&json!({"asOf": as_of.to_string(), "by": by}))
                    .by(session)
                    .send()
                    .await;
                let report = &data.data()["portfolioAtRisk"];
                let total = &report["total"];
                let (count, outstanding) = expected.portfolio();
                assert_eq!(total["loans"], count, "{by} {report}");
                assert_eq!(money(&total["outstanding"]), outstanding);
                for (index, days) in [1, 30, 60, 90].into_iter().enumerate() {
                    let (loans, amount) = expected.at_risk(as_of, days);
                    let sent = &total["portfolioAtRisk"][index];
                    assert_eq!(sent["loans"], loans, "{by} PAR{days} on {as_of}");
                    assert_eq!(
                        money(&sent["outstanding"]),
                        amount,
                        "{by} PAR{days} on {as_of}"
                    );
                    assert_eq!(
                        sent_ratio(&total[format!("par{days}")]),
                        ratio(amount, outstanding)
                    );
                }
                // The groups add up to the total, each names its kind of group.
                let groups = report["groups"].as_array().expect("groups");
                let sum: Decimal = groups.iter().map(|g| money(&g["outstanding"])).sum();
                assert_eq!(sum, outstanding);
                let field = match by {
                    "OFFICER" => "officer",
                    "UNION" => "union",
                    _ => "loanType",
                };
                assert!(
                    groups.iter().all(|g| g[field]["id"] == g["id"]),
                    "{groups:?}"
                );
            }
        }
    }
    // Our union's group as the administrator sees it: A and E.
    let data = app
        .gql(PAR)
        .vars(&json!({"by": "UNION"}))
        .by(&book.org.admin)
        .send()
        .await;
    let groups = data.data()["portfolioAtRisk"]["groups"]
        .as_array()
        .expect("as sent")
        .clone();
    let ours = groups
        .iter()
        .find(|g| g["id"] == book.org.union.id.to_string())
        .expect("our union");
    assert_eq!(ours["loans"], 2);

    let refused = app
        .gql(PAR)
        .vars(&json!({"asOf": (today - Days::new(1)).to_string(), "by": "UNION"}))
        .by(&book.org.admin)
        .send()
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(refused.error_field().as_deref(), Some("asOf"));
}

const SHEET: &str = "query($date: Date, $officer: ID, $union: ID) {
    collectionSheet(date: $date, creditOfficerId: $officer, unionId: $union) {
        date due overdue total creditOfficer { id }
        unions { unionId name due overdue total
                 members { memberName memberCode loanNumber due overdue total outstanding daysInArrears loan { id } } }
    }
}";

#[tokio::test]
async fn the_collection_sheet_lists_what_each_member_owes_on_the_day() {
    let app = TestApp::spawn().await;
    let book = book(&app).await;
    let views = views(&app, &book).await;
    let today = app.clock.now().date_naive();

    for day in [book.start + Days::new(5), today] {
        let data = app
            .gql(SHEET)
            .vars(
                &json!({"date": day.to_string(), "officer": book.org.officer.user.id.to_string()}),
            )
            .by(&book.org.supervisor)
            .send()
            .await;
        let sheet = &data.data()["collectionSheet"];
        // Independently: each of our loans in repayment, what its installments due on the day
        // and before still lack after its payments (oldest first).
        let mut expected: Vec<(Decimal, Decimal)> = Vec::new();
        for loan in views.iter().filter(|l| l.ours && l.in_portfolio()) {
            let mut left = loan.paid();
            let (mut due, mut overdue) = (Decimal::ZERO, Decimal::ZERO);
            for (due_date, amount) in &loan.schedule {
                let paid = left.min(*amount);
                left -= paid;
                if *due_date == day {
                    due += amount - paid;
                } else if *due_date < day {
                    overdue += amount - paid;
                }
            }
            if !(due + overdue).is_zero() {
                expected.push((due, overdue));
            }
        }
        let unions = sheet["unions"].as_array().expect("unions");
        assert_eq!(unions.len(), usize::from(!expected.is_empty()), "{sheet}");
        let lines: Vec<(Decimal, Decimal)> = unions
            .iter()
            .flat_map(|u| u["members"].as_array().expect("as sent").iter())
            .map(|line| (money(&line["due"]), money(&line["overdue"])))
            .collect();
        let mut sorted_lines = lines.clone();
        sorted_lines.sort();
        expected.sort();
        assert_eq!(sorted_lines, expected, "{day}: {sheet}");
        let total: Decimal = expected.iter().map(|(d, o)| d + o).sum();
        assert_eq!(money(&sheet["total"]), total);
        assert_eq!(
            sheet["creditOfficer"]["id"],
            book.org.officer.user.id.to_string()
        );
    }

    // Of one union; in scope only; one of officer or union.
    let data = app
        .gql(SHEET)
        .vars(&json!({"union": book.org.union.id.to_string()}))
        .by(&book.org.officer)
        .send()
        .await;
    assert_eq!(
        data.data()["collectionSheet"]["unions"][0]["name"],
        "Oja Oba Traders"
    );
    for vars in [
        json!({"union": book.org.union.id.to_string()}),
        json!({"officer": book.org.officer.user.id.to_string()}),
    ] {
        let refused = app
            .gql(SHEET)
            .vars(&vars)
            .by(&book.org.other_officer)
            .send()
            .await;
        assert_eq!(refused.error_code(), "NOT_FOUND", "{vars}");
    }
    let refused = app
        .gql(SHEET)
        .vars(&json!({"union": book.org.union.id.to_string(), "officer": book.org.officer.user.id.to_string()}))
        .by(&book.org.admin)
        .send()
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn each_report_costs_the_same_statements_for_twice_the_book() {
    let app = TestApp::spawn().await;
    let book = book(&app).await;
    let today = app.clock.now().date_naive();
    let from = (book.start - Days::new(5)).to_string();
    let officer = book.org.officer.user.id.to_string();
    let queries: Vec<(&str, Value)> = vec![
        (DASHBOARD, json!({"from": from, "to": today.to_string()})),
        (
            SUPERVISOR_REPORT,
            json!({"from": from, "to": today.to_string()}),
        ),
        (PAR, json!({"by": "UNION"})),
        (PAR, json!({"by": "OFFICER"})),
        (
            SHEET,
            json!({"date": today.to_string(), "officer": officer}),
        ),
    ];
    let cost = |query: &'static str, vars: Value| {
        let app = &app;
        let session = &book.org.admin;
        async move {
            let before = app.statements();
            let response = app.gql(query).vars(&vars).by(session).send().await;
            response.data();
            app.statements() - before
        }
    };
    let mut first = Vec::new();
    for (query, vars) in &queries {
        first.push(cost(query, vars.clone()).await);
    }
    // Twice the book: as many loans again, with payments.
    for member in &book.spare_members {
        let loan = create_loan(
            &app,
            &book,
            member,
            &book.org.officer,
            ("3000", 12),
            Some(book.start),
            false,
        )
        .await;
        pay(&app, &book, &loan, "250", book.start + Days::new(2)).await;
    }
    for _ in 0..4 {
        let member = MemberFactory::new(&book.org.other_union).insert(&app).await;
        let loan = create_loan(
            &app,
            &book,
            &member,
            &book.org.other_officer,
            ("1200", 6),
            Some(book.start),
            false,
        )
        .await;
        pay(&app, &book, &loan, "100", book.start + Days::new(1)).await;
    }
    let mut second = Vec::new();
    for (query, vars) in &queries {
        second.push(cost(query, vars.clone()).await);
    }
    assert_eq!(first, second, "statements per report grew with the book");
    // The dashboard's 9: the session, three figure sets, top unions, recent activity, and one
    // batch each for the unions, officers and loans they name.
    assert!(first.iter().all(|n| *n <= 9), "{first:?}");
}

const AGGREGATES: &str = "{
    loans(first: 1) { totalCount nodes { id }
        aggregate { count sum { principalAmount outstandingAmount }
                    byStatus { status count sum { principalAmount outstandingAmount } } } }
    repayments(first: 1, filter: { includeReversed: true }) { totalCount
        aggregate { count sum { amount } byStatus { status count sum { amount } } } }
    scheduleItems(first: 1) { totalCount
        aggregate { count sum { totalDue paidAmount remainingAmount } byStatus { status count } } }
}";

#[tokio::test]
async fn list_aggregates_cover_the_whole_filtered_list_in_scope() {
    let app = TestApp::spawn().await;
    let book = book(&app).await;
    let views = views(&app, &book).await;

    for (session, which, reversed) in [
        (&book.org.admin, None, 1),
        (&book.org.supervisor, Some(true), 1),
        (&book.org.other_officer, Some(false), 0),
    ] {
        let loans: Vec<&LoanView> = views
            .iter()
            .filter(|l| which.is_none_or(|ours| l.ours == ours))
            .collect();
        let data = app.gql(AGGREGATES).by(session).send().await;
        let data = data.data();

        // Loans: a page of one, an aggregate of all, per status.
        let aggregate = &data["loans"]["aggregate"];
        assert_eq!(data["loans"]["nodes"].as_array().expect("nodes").len(), 1);
        assert_eq!(aggregate["count"], loans.len() as i64);
        assert_eq!(data["loans"]["totalCount"], loans.len() as i64);
        let principal: Decimal = loans.iter().map(|l| l.principal).sum();
        assert_eq!(money(&aggregate["sum"]["principalAmount"]), principal);
        // What each loan's schedule still lacks, applications included (as `Loan.balance`).
        let owed: Decimal = loans.iter().map(|l| l.outstanding()).sum();
        assert_eq!(
            money(&aggregate["sum"]["outstandingAmount"]),
            owed,
            "{aggregate}"
        );
        for group in aggregate["byStatus"].as_array().expect("by status") {
            let status = group["status"].as_str().expect("status");
            let of: Vec<_> = loans.iter().filter(|l| l.status == status).collect();
            assert_eq!(group["count"], of.len() as i64, "{status}");
            let principal: Decimal = of.iter().map(|l| l.principal).sum();
            assert_eq!(
                money(&group["sum"]["principalAmount"]),
                principal,
                "{status}"
            );
        }

        // Repayments: live ones as the book has them, and the reversed one apart.
        let aggregate = &data["repayments"]["aggregate"];
        let live: Vec<Decimal> = loans
            .iter()
            .flat_map(|l| l.payments.iter().map(|(_, amount)| *amount))
            .collect();
        let recorded = aggregate["byStatus"]
            .as_array()
            .expect("by status")
            .iter()
            .find(|g| g["status"] == "RECORDED")
            .cloned()
            .unwrap_or(json!({"count": 0, "sum": {"amount": "0"}}));
        assert_eq!(recorded["count"], live.len() as i64);
        assert_eq!(
            money(&recorded["sum"]["amount"]),
            live.iter().sum::<Decimal>()
        );
        assert_eq!(aggregate["count"], live.len() as i64 + reversed);
        assert_eq!(data["repayments"]["totalCount"], aggregate["count"]);

        // Installments: every loan's schedule (drafts and applications have theirs too).
        let aggregate = &data["scheduleItems"]["aggregate"];
        let items: usize = loans.iter().map(|l| l.schedule.len()).sum();
        assert_eq!(aggregate["count"], items as i64);
        let due: Decimal = loans
            .iter()
            .flat_map(|l| l.schedule.iter().map(|(_, d)| *d))
            .sum();
        let paid: Decimal = loans.iter().map(|l| l.paid()).sum();
        assert_eq!(money(&aggregate["sum"]["totalDue"]), due);
        assert_eq!(money(&aggregate["sum"]["paidAmount"]), paid);
        assert_eq!(money(&aggregate["sum"]["remainingAmount"]), due - paid);
        let counted: i64 = aggregate["byStatus"]
            .as_array()
            .expect("by status")
            .iter()
            .map(|g| g["count"].as_i64().expect("count"))
            .sum();
        assert_eq!(counted, items as i64);
    }

    // A filter narrows the aggregate as it narrows the list.
    let data = app
        .gql("{ loans(filter: { status: [ACTIVE] }) { aggregate { count byStatus { status } } } }")
        .by(&book.org.admin)
        .send()
        .await;
    let active = views.iter().filter(|l| l.status == "ACTIVE").count();
    assert_eq!(data.data()["loans"]["aggregate"]["count"], active as i64);

    // `totalCount` with `aggregate` costs what `totalCount` alone costs.
    let cost = |query: &'static str| {
        let app = &app;
        let session = &book.org.admin;
        async move {
            let before = app.statements();
            app.gql(query).by(session).send().await.data();
            app.statements() - before
        }
    };
    let plain = cost("{ loans(first: 5) { totalCount nodes { id } } }").await;
    let aggregated =
        cost("{ loans(first: 5) { totalCount aggregate { count sum { principalAmount } } nodes { id } } }")
            .await;
    assert_eq!(plain, aggregated);

    // A nested list points at the top-level one.
    let nested = app
        .gql("{ unions { nodes { loans { aggregate { count } } } } }")
        .by(&book.org.admin)
        .send()
        .await;
    assert_eq!(nested.error_code(), "BAD_USER_INPUT");
}

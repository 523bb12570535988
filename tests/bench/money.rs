//! Money benchmarks against a seeded database (`millennium seed demo --scale N`), through the
//! real router in process (the whole GraphQL stack and PostgreSQL, without a network hop), with
//! the statements each request sends counted by the pool:
//!
//! - `loans(first: 100)` with member, union, officer, product, balance and next installment:
//!   statements per request, median and p99 latency;
//! - `recordRepayment` on a loan of 30 and of 360 installments: median and p99 latency (each
//!   payment re-plays the loan);
//! - repayments recorded concurrently across different loans: payments per second;
//! - then `millennium check` over the whole database.
//!
//! `tests/bench/money.sh` seeds a database and runs this with `BENCH_DATABASE_URL`; run alone:
//!
//!   BENCH_DATABASE_URL=postgres://… cargo bench --bench money
//!
//! It adds a product, 2 + `CONCURRENT_LOANS` members and their loans to the database.

#![allow(
    clippy::float_arithmetic,
    reason = "latencies and rates are measured in floating point; no money is"
)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use millennium::clock::SystemClock;
use millennium::config::{Config, Secret};
use millennium::db::direct::Direct;
use millennium::db::{self, PoolSettings, StatementCounter};
use millennium::state::AppState;
use millennium::storage::Storage;
use serde_json::{Value, json};
use tower::ServiceExt;

const ADMIN_EMAIL: &str = "admin@demo.example.org";
const PASSWORD: &str = "Demo2026!";
const LIST_REQUESTS: usize = 200;
const PAYMENTS_PER_LOAN: usize = 200;
const CONCURRENT_LOANS: usize = 64;
const CONCURRENT_CLIENTS: usize = 32;
const CONCURRENT_PAYMENTS: usize = 4_000;

const LOANS: &str = "query { loans(first: 100) { nodes {
    loanNumber unionMember { code firstName lastName } union { name }
    assignedOfficer { email } loanType { name }
    balance { totalOutstanding overdueAmount daysInArrears nextDueDate }
    nextInstallment { dueDate totalDue }
} } }";

struct Bench {
    router: Router,
    state: AppState,
    token: String,
}

impl Bench {
    async fn graphql(&self, query: &str, variables: Value) -> Value {
        graphql(&self.router, &self.token, query, variables).await
    }

    /// Sends `query` and answers its data, with the statements it cost.
    async fn measured(&self, query: &str, variables: Value) -> (Value, u64, Duration) {
        let before = self.state.statements.get();
        let started = Instant::now();
        let data = self.graphql(query, variables).await;
        (
            data,
            self.state.statements.get() - before,
            started.elapsed(),
        )
    }
}

async fn graphql(router: &Router, token: &str, query: &str, variables: Value) -> Value {
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(
            json!({"query": query, "variables": variables}).to_string(),
        ))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("router");
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let reply: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert!(reply.get("errors").is_none(), "{reply}");
    reply["data"].clone()
}

fn summary(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| {
        let index = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[index].as_secs_f64() * 1000.0
    };
    let mean =
        samples.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0 / samples.len() as f64;
    println!(
        "{label}: {} requests, median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, mean {:.2} ms",
        samples.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        mean
    );
}

async fn setup(url: &str) -> Bench {
    let env: HashMap<&str, String> = HashMap::from([
        (
            "JWT_SECRET",
            "bench-secret-bench-secret-bench-secret-0123".to_owned(),
        ),
        ("DB_POOL_SIZE", "24".to_owned()),
        ("RATE_LIMIT_PER_MINUTE", "0".to_owned()),
        ("RATE_LIMIT_SENSITIVE_PER_MINUTE", "0".to_owned()),
        (
            "RATE_LIMIT_SENSITIVE_PER_ADDRESS_PER_MINUTE",
            "0".to_owned(),
        ),
        ("MAX_QUERY_COMPLEXITY", "100000".to_owned()),
    ]);
    let config = Config::from_lookup(|name| env.get(name).cloned()).expect("configuration");
    let statements = StatementCounter::default();
    let endpoint = db::Endpoint::parse(&Secret::new(url)).expect("endpoint");
    let pool =
        db::build_pool(&endpoint, PoolSettings::from(&config.database), &statements).expect("pool");
    let state = AppState::new(
        config,
        pool,
        Direct::new(endpoint),
        statements,
        &Secret::new(env["JWT_SECRET"].clone()),
        Arc::new(SystemClock),
        Storage::local(&std::env::temp_dir().join("millennium-bench-files")).expect("storage"),
    );
    let router = millennium::build_app(state.clone());
    let login = graphql(
        &router,
        "",
        "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }",
        json!({"email": ADMIN_EMAIL, "password": PASSWORD}),
    )
    .await;
    let token = login["login"]["accessToken"]
        .as_str()
        .expect("the demo administrator logs in")
        .to_owned();
    Bench {
        router,
        state,
        token,
    }
}

/// `loans(first: 100)` with its relations: statements and latency.
async fn loans_page(bench: &Bench) {
    let (data, statements, _) = bench.measured(LOANS, json!({})).await;
    let nodes = data["loans"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 100);
    let (_, ten, _) = bench
        .measured(&LOANS.replace("first: 100", "first: 10"), json!({}))
        .await;
    println!(
        "loans(first: 100) with member, union, officer, product, balance and next installment: \
         {statements} statements per request (first: 10 costs {ten})"
    );
    for _ in 0..20 {
        bench.graphql(LOANS, json!({})).await;
    }
    let mut samples = Vec::with_capacity(LIST_REQUESTS);
    for _ in 0..LIST_REQUESTS {
        let (_, _, elapsed) = bench.measured(LOANS, json!({})).await;
        samples.push(elapsed);
    }
    summary("loans(first: 100)", samples);
}

/// A new member of the first union and an ACTIVE loan for them; the loan's id.
async fn new_loan(
    bench: &Bench,
    product: &str,
    officer: &str,
    union: &str,
    principal: u32,
    terms: u32,
    n: usize,
) -> String {
    let member = bench
        .graphql(
            "mutation($input: CreateUnionMemberInput!) { createUnionMember(input: $input) { id } }",
            json!({"input": {"unionId": union, "firstName": "Bench", "lastName": format!("Borrower {n}")}}),
        )
        .await["createUnionMember"]["id"]
        .clone();
    bench
        .graphql(
            "mutation($input: CreateLoanInput!) { createLoan(input: $input) { id status } }",
            json!({"input": {
                "unionMemberId": member, "loanTypeId": product,
                "principalAmount": principal.to_string(), "termCount": terms,
                "creditOfficerId": officer
            }}),
        )
        .await["createLoan"]["id"]
        .as_str()
        .expect("loan")
        .to_owned()
}

const RECORD: &str =
    "mutation($input: RecordRepaymentInput!) { recordRepayment(input: $input) { id } }";

fn payment(loan: &str, key: String) -> Value {
    json!({"input": {"loanId": loan, "amount": "10.00", "method": "CASH", "idempotencyKey": key}})
}

async fn repayments(bench: &Bench) {
    let run = uuid_like();
    let product = bench
        .graphql(
            "mutation($input: CreateLoanTypeInput!) { createLoanType(input: $input) { id } }",
            json!({"input": {
                "name": format!("Benchmark daily {run}"), "minAmount": "1000", "maxAmount": "10000000",
                "termUnit": "DAY", "minTerm": 1, "maxTerm": 360, "interestRate": "0.5",
                "interestMethod": "FLAT"
            }}),
        )
        .await["createLoanType"]["id"]
        .as_str()
        .expect("product")
        .to_owned();
    let union = bench
        .graphql(
            "{ unions(first: 1) { nodes { id creditOfficer { id } } } }",
            json!({}),
        )
        .await["unions"]["nodes"][0]
        .clone();
    let (union_id, officer) = (
        union["id"].as_str().expect("union").to_owned(),
        union["creditOfficer"]["id"]
            .as_str()
            .expect("officer")
            .to_owned(),
    );

    for terms in [30, 360] {
        let loan = new_loan(
            bench,
            &product,
            &officer,
            &union_id,
            360_000,
            terms,
            terms as usize,
        )
        .await;
        let mut samples = Vec::with_capacity(PAYMENTS_PER_LOAN);
        let mut statements = 0;
        for n in 0..PAYMENTS_PER_LOAN {
            let (_, cost, elapsed) = bench
                .measured(RECORD, payment(&loan, format!("bench-{run}-{terms}-{n}")))
                .await;
            statements += cost;
            samples.push(elapsed);
        }
        summary(
            &format!(
                "recordRepayment on a loan of {terms} installments ({} statements per payment on average)",
                statements / PAYMENTS_PER_LOAN as u64
            ),
            samples,
        );
    }

    // Many clients paying at once, each payment on one of many loans.
    let mut loans = Vec::with_capacity(CONCURRENT_LOANS);
    for n in 0..CONCURRENT_LOANS {
        loans.push(new_loan(bench, &product, &officer, &union_id, 360_000, 30, 1000 + n).await);
    }
    let loans = Arc::new(loans);
    let started = Instant::now();
    let clients: Vec<_> = (0..CONCURRENT_CLIENTS)
        .map(|client| {
            let (router, token, loans) = (
                bench.router.clone(),
                bench.token.clone(),
                Arc::clone(&loans),
            );
            let run = run.clone();
            tokio::spawn(async move {
                let mut n = client;
                while n < CONCURRENT_PAYMENTS {
                    let loan = &loans[n % loans.len()];
                    graphql(
                        &router,
                        &token,
                        RECORD,
                        payment(loan, format!("bench-{run}-c-{n}")),
                    )
                    .await;
                    n += CONCURRENT_CLIENTS;
                }
            })
        })
        .collect();
    for client in clients {
        client.await.expect("client");
    }
    let elapsed = started.elapsed();
    println!(
        "{CONCURRENT_PAYMENTS} repayments by {CONCURRENT_CLIENTS} concurrent clients over {CONCURRENT_LOANS} loans: \
         {:.1} s, {:.0} repayments per second",
        elapsed.as_secs_f64(),
        CONCURRENT_PAYMENTS as f64 / elapsed.as_secs_f64()
    );
}

/// A short tag that keeps this run's names and keys apart from earlier runs'.
fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_millis())
    )
}

async fn check(bench: &Bench) {
    let started = Instant::now();
    let mut conn = bench.state.db.get().await.expect("connection");
    let report = millennium::check::run(&mut conn).await.expect("check");
    println!(
        "millennium check: {} loans, {} violation(s), {:.1} s",
        report.loans,
        report.violations.len(),
        started.elapsed().as_secs_f64()
    );
    for violation in report.violations.iter().take(20) {
        println!("  {violation}");
    }
}

fn main() {
    let Ok(url) = std::env::var("BENCH_DATABASE_URL") else {
        println!(
            "money bench skipped: BENCH_DATABASE_URL is not set (tests/bench/money.sh seeds a database and sets it)"
        );
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let bench = setup(&url).await;
        loans_page(&bench).await;
        repayments(&bench).await;
        check(&bench).await;
    });
}

//! Behind PgBouncer in transaction mode (`pgbouncer=true`): migrations go to `DIRECT_URL`, and a
//! mixed load of reads and repayments from many client connections runs through a pooler with
//! fewer server connections, every answer without errors and the money adding up.

use std::collections::HashMap;

use millennium::config::Config;
use millennium::server::{Database, prepare_schema};
use rust_decimal::Decimal;
use scoped_futures::ScopedFutureExt;

use crate::support::db::server;
use crate::support::money::{active_loan, assert_invariants, repay};
use crate::support::org::Org;
use crate::support::pgbouncer::PgBouncer;
use crate::support::{MemberFactory, TestApp};

/// Concurrent clients, and what each sends.
const CLIENTS: usize = 8;
const ROUNDS: usize = 12;
const LOANS: usize = 4;

const READS: [&str; 4] = [
    "{ loans(first: 20) { totalCount nodes { id loanNumber balance { totalPaid totalOutstanding } } } }",
    "{ dashboard { loans members portfolio { count amount } } }",
    "{ me { id email } unions(first: 5) { nodes { id name memberCount } } }",
    "{ repayments(first: 10) { nodes { id amount allocations { principalAmount interestAmount penaltyAmount } } } }",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_works_through_pgbouncer_in_transaction_mode() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn")
        .try_init();
    let name = server().create_empty_database().await;
    let direct = server().url(&name);
    // Three server connections for up to twelve clients: transactions share them.
    let Some(bouncer) = PgBouncer::start(&direct, 3) else {
        return;
    };
    let pooled = bouncer.url(&direct, "pgbouncer=true&connection_limit=12");

    // The schema goes in through DIRECT_URL, as at a server's start or `migrate run`.
    let vars = HashMap::from([
        ("DATABASE_URL", pooled.expose().to_owned()),
        ("DIRECT_URL", direct.expose().to_owned()),
        ("JWT_SECRET", crate::support::app::JWT_SECRET.to_owned()),
    ]);
    let config = Config::from_lookup(|var| vars.get(var).cloned()).expect("configuration");
    assert!(config.database.pooler);
    let database = Database::open(&config).await.expect("open");
    prepare_schema(&config, &database)
        .await
        .expect("migrations through DIRECT_URL");

    let app = TestApp::on_database(
        name,
        &pooled,
        &[
            ("DATABASE_URL", pooled.expose()),
            ("DB_POOL_SIZE", "12"),
            ("RATE_LIMIT_PER_MINUTE", "0"),
        ],
    )
    .await;
    assert!(app.state.config.database.pooler);
    let org = Org::new(&app).await;
    let product = app
        .gql("mutation { createLoanType(input: {name: \"Daily\", minAmount: \"1000\", maxAmount: \"50000\", termUnit: DAY, minTerm: 10, maxTerm: 60}) { id } }")
        .by(&org.admin)
        .send()
        .await
        .data()["createLoanType"]["id"]
        .clone();
    let officer = org.officer.user.id.to_string();
    let mut loans = Vec::new();
    for number in 0..LOANS {
        // One open loan per member.
        let member = MemberFactory::new(&org.union)
            .names("Borrower", &format!("Number {number}"))
            .insert(&app)
            .await;
        let member = member.id.to_string();
        loans.push(active_loan(&app, &org.admin, &product, &member, &officer, "30000").await);
    }

    let app = std::sync::Arc::new(app);
    let org = std::sync::Arc::new(org);
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..CLIENTS {
        let (app, org, loans) = (app.clone(), org.clone(), loans.clone());
        clients.spawn(async move {
            let mut paid = Vec::new();
            for round in 0..ROUNDS {
                if (client + round) % 3 == 0 {
                    let loan = &loans[(client + round) % LOANS];
                    let key = format!("pooler-{client}-{round}");
                    repay(&app, &org.officer, loan, "125.25", &key).await;
                    paid.push(loan.clone());
                } else {
                    let query = READS[(client + round) % READS.len()];
                    app.gql(query).by(&org.admin).send().await.data();
                }
            }
            paid
        });
    }
    let mut paid_per_loan: HashMap<String, Decimal> = HashMap::new();
    while let Some(paid) = clients.join_next().await {
        for loan in paid.expect("a client") {
            *paid_per_loan
                .entry(loan.as_str().expect("an id").to_owned())
                .or_default() += Decimal::new(12525, 2);
        }
    }
    assert_invariants(&app).await;
    for loan in &loans {
        let answer = app
            .gql("query($id: ID!) { loan(id: $id) { balance { totalPaid } } }")
            .var("id", loan.clone())
            .by(&org.admin)
            .send()
            .await;
        let total: Decimal = answer.data()["loan"]["balance"]["totalPaid"]
            .as_str()
            .expect("a decimal")
            .parse()
            .expect("a decimal");
        let id = loan.as_str().expect("an id");
        assert_eq!(
            total,
            paid_per_loan.get(id).copied().unwrap_or_default(),
            "loan {id}"
        );
    }

    // A statement that fails behind the pooler, alone or in a transaction, leaves its
    // connection usable: no transaction is left open and aborted on the pooler's side.
    {
        use diesel_async::RunQueryDsl;
        let failing = "SELECT 1 / (random() * 0)::int";
        let mut conn = app.conn().await;
        for _ in 0..3 {
            let failed = diesel::sql_query(failing).execute(&mut *conn).await;
            assert!(failed.is_err());
            diesel::sql_query("SELECT 1")
                .execute(&mut *conn)
                .await
                .expect("the next statement runs");
        }
        let failed: Result<(), diesel::result::Error> = conn
            .run_transaction(millennium::db::Isolation::ReadCommitted, |conn| {
                async move {
                    diesel::sql_query("SELECT 1").execute(conn).await?;
                    diesel::sql_query(failing).execute(conn).await?;
                    Ok(())
                }
                .scope_boxed()
            })
            .await;
        assert!(failed.is_err());
        diesel::sql_query("SELECT 1")
            .execute(&mut *conn)
            .await
            .expect("the next statement runs");
    }

    assert!(
        bouncer.log().contains("login attempt"),
        "the pool's connections went through PgBouncer:\n{}",
        bouncer.log()
    );
}

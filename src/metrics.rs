//! The service's Prometheus metrics, served by `GET /metrics` (SPEC 7): requests and their latency
//! by route and by GraphQL operation, errors by `extensions.code`, SQL statements (in all, per
//! request, slow ones), the connection pool, refused logins and lockouts, and scheduled jobs.
//!
//! One registry per [`crate::state::AppState`], never a global one, so that apps with different
//! configurations — the tests' — never share a count. Every label takes a bounded set of
//! values: routes are the router's patterns, codes and reasons come from enums, and operation
//! names are kept as given only for the first [`MAX_OPERATION_NAMES`] distinct ones.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus::core::Collector;
use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::db::StatementCounter;

/// The media type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Distinct operation names counted under their own name; later ones count as `other`.
pub const MAX_OPERATION_NAMES: usize = 200;
/// The longest operation name counted under its own name.
pub const MAX_OPERATION_NAME_CHARS: usize = 64;

/// The label of an operation without a name.
pub const ANONYMOUS: &str = "anonymous";
/// The label of operation names past the bounds.
pub const OTHER: &str = "other";
/// The outcome of an operation answered without errors.
pub const OK: &str = "ok";

/// Latency buckets, in seconds: 1 ms to 30 s (the default request time limit).
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Statements-per-request buckets: a loader-backed query costs a handful whatever its size.
const STATEMENT_BUCKETS: &[f64] = &[
    0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 1024.0,
];

/// The metrics of one application; clones share them.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    request_statements: HistogramVec,
    operations: IntCounterVec,
    operation_duration: HistogramVec,
    errors: IntCounterVec,
    pool_max: IntGauge,
    pool_open: IntGauge,
    pool_in_use: IntGauge,
    pool_waiting: IntGauge,
    login_failures: IntCounterVec,
    lockouts: IntCounter,
    job_runs: IntCounterVec,
    replica_reads: IntCounterVec,
    retention_deleted: IntCounterVec,
    operation_names: Mutex<HashSet<String>>,
}

/// What the pool reported at a scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSample {
    /// Connections the pool may open.
    pub max: usize,
    /// Connections open.
    pub open: usize,
    /// Open connections lent to a request or job.
    pub in_use: usize,
    /// Requests and jobs waiting for a connection.
    pub waiting: usize,
}

impl From<deadpool::Status> for PoolSample {
    fn from(status: deadpool::Status) -> Self {
        Self {
            max: status.max_size,
            open: status.size,
            in_use: status.size.saturating_sub(status.available),
            waiting: status.waiting,
        }
    }
}

impl Metrics {
    /// The metrics of an app whose connections report to `statements`.
    pub fn new(statements: &StatementCounter) -> Self {
        let registry = Registry::new();
        let counters = |name: &str, help: &str, labels: &[&str]| {
            register(
                &registry,
                IntCounterVec::new(Opts::new(name, help), labels).expect("a valid metric"),
            )
        };
        let histograms = |name: &str, help: &str, labels: &[&str], buckets: &[f64]| {
            register(
                &registry,
                HistogramVec::new(
                    HistogramOpts::new(name, help).buckets(buckets.to_vec()),
                    labels,
                )
                .expect("a valid metric"),
            )
        };
        let gauge = |name: &str, help: &str| {
            register(
                &registry,
                IntGauge::new(name, help).expect("a valid metric"),
            )
        };
        for counter in statements.collectors() {
            register(&registry, counter);
        }
        let inner = Inner {
            http_requests: counters(
                "millennium_http_requests_total",
                "HTTP requests answered, by route pattern and status.",
                &["route", "status"],
            ),
            http_duration: histograms(
                "millennium_http_request_duration_seconds",
                "Time to answer an HTTP request (until its headers), by route pattern and status.",
                &["route", "status"],
                LATENCY_BUCKETS,
            ),
            request_statements: histograms(
                "millennium_sql_statements_per_request",
                "SQL statements one HTTP request sent, by route pattern.",
                &["route"],
                STATEMENT_BUCKETS,
            ),
            operations: counters(
                "millennium_graphql_operations_total",
                "GraphQL operations run (each operation of a batch), by operation name and \
                 outcome: ok, or the extensions.code of its first error.",
                &["operation", "outcome"],
            ),
            operation_duration: histograms(
                "millennium_graphql_operation_duration_seconds",
                "Time to run one GraphQL operation, by operation name and outcome.",
                &["operation", "outcome"],
                LATENCY_BUCKETS,
            ),
            errors: counters(
                "millennium_graphql_errors_total",
                "Errors answered to clients, by extensions.code: those of GraphQL responses and \
                 the refusals of every route, which share their shape.",
                &["code"],
            ),
            pool_max: gauge(
                "millennium_db_pool_max_connections",
                "Connections the database pool may open (DB_POOL_SIZE).",
            ),
            pool_open: gauge(
                "millennium_db_pool_connections",
                "Connections the database pool holds open.",
            ),
            pool_in_use: gauge(
                "millennium_db_pool_connections_in_use",
                "Pool connections lent to a request or a job.",
            ),
            pool_waiting: gauge(
                "millennium_db_pool_waiting",
                "Requests and jobs waiting for a pool connection.",
            ),
            login_failures: counters(
                "millennium_login_failures_total",
                "Password attempts refused (login and changePassword), by reason as in the \
                 login history.",
                &["reason"],
            ),
            lockouts: register(
                &registry,
                IntCounter::new(
                    "millennium_account_lockouts_total",
                    "Accounts locked after too many failed password attempts.",
                )
                .expect("a valid metric"),
            ),
            job_runs: counters(
                "millennium_job_runs_total",
                "Looks of the scheduler at a job, by job and outcome (ran, failed, or why it did \
                 not run here).",
                &["job", "outcome"],
            ),
            replica_reads: counters(
                "millennium_db_replica_reads_total",
                "Connections asked for replica reads (reports, exports), by where they went: \
                 replica, or primary when the replica could not be reached.",
                &["served_by"],
            ),
            retention_deleted: counters(
                "millennium_retention_deleted_rows_total",
                "Rows the daily retention job deleted, by table.",
                &["table"],
            ),
            operation_names: Mutex::new(HashSet::new()),
            registry,
        };
        Self(Arc::new(inner))
    }

    /// An HTTP request answered with `status` after `took`, having sent `statements`.
    pub fn http_request(&self, route: &str, status: u16, took: Duration, statements: u64) {
        let status = status.to_string();
        let labels = [route, status.as_str()];
        self.0.http_requests.with_label_values(&labels).inc();
        self.0
            .http_duration
            .with_label_values(&labels)
            .observe(took.as_secs_f64());
        // Exact: a request's statements are far fewer than 2^53.
        self.0
            .request_statements
            .with_label_values(&[route])
            .observe(statements as f64);
    }

    /// A GraphQL operation named `name` that ended with `outcome` ([`OK`] or an error code).
    pub fn graphql_operation(&self, name: Option<&str>, outcome: &str, took: Duration) {
        let operation = self.operation_label(name);
        let labels = [operation.as_str(), outcome];
        self.0.operations.with_label_values(&labels).inc();
        self.0
            .operation_duration
            .with_label_values(&labels)
            .observe(took.as_secs_f64());
    }

    /// An error answered to a client with `extensions.code` `code`.
    pub fn error(&self, code: &str) {
        self.0.errors.with_label_values(&[code]).inc();
    }

    /// A password attempt refused for `reason` (the login history's).
    pub fn login_failure(&self, reason: &str) {
        self.0.login_failures.with_label_values(&[reason]).inc();
    }

    /// An account newly locked.
    pub fn lockout(&self) {
        self.0.lockouts.inc();
    }

    /// A look of the scheduler at `job`.
    pub fn job_run(&self, job: &'static str, outcome: &'static str) {
        self.0.job_runs.with_label_values(&[job, outcome]).inc();
    }

    /// Counts `rows` deleted from `table` by the retention job.
    pub fn retention_deleted(&self, table: &'static str, rows: u64) {
        self.0
            .retention_deleted
            .with_label_values(&[table])
            .inc_by(rows);
    }

    /// Counts a replica read, served by `served_by` (`replica` or `primary`).
    pub fn replica_read(&self, served_by: &'static str) {
        self.0.replica_reads.with_label_values(&[served_by]).inc();
    }

    /// Everything in the text format, with the pool as `pool` shows it now.
    pub fn render(&self, pool: PoolSample) -> String {
        let gauge = |value: usize| i64::try_from(value).unwrap_or(i64::MAX);
        self.0.pool_max.set(gauge(pool.max));
        self.0.pool_open.set(gauge(pool.open));
        self.0.pool_in_use.set(gauge(pool.in_use));
        self.0.pool_waiting.set(gauge(pool.waiting));
        TextEncoder::new()
            .encode_to_string(&self.0.registry.gather())
            .unwrap_or_else(|error| {
                tracing::error!(%error, "could not encode the metrics");
                String::new()
            })
    }

    /// The label of an operation name: the name itself while it is a plain GraphQL name of at
    /// most [`MAX_OPERATION_NAME_CHARS`] and one of the first [`MAX_OPERATION_NAMES`] seen.
    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return ANONYMOUS.to_owned();
        };
        if !is_plain_name(name) {
            return OTHER.to_owned();
        }
        let mut names = self
            .0
            .operation_names
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if names.contains(name) {
            return name.to_owned();
        }
        if names.len() >= MAX_OPERATION_NAMES {
            return OTHER.to_owned();
        }
        names.insert(name.to_owned());
        name.to_owned()
    }
}

/// `[_A-Za-z][_0-9A-Za-z]*`, at most [`MAX_OPERATION_NAME_CHARS`] long.
fn is_plain_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|first| first == b'_' || first.is_ascii_alphabetic())
        && bytes.all(|byte| byte == b'_' || byte.is_ascii_alphanumeric())
        && name.len() <= MAX_OPERATION_NAME_CHARS
}

fn register<C: Collector + Clone + 'static>(registry: &Registry, collector: C) -> C {
    registry
        .register(Box::new(collector.clone()))
        .expect("each metric is registered once");
    collector
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PoolSample {
        PoolSample {
            max: 10,
            open: 3,
            in_use: 2,
            waiting: 0,
        }
    }

    #[test]
    fn operation_names_are_bounded() {
        let metrics = Metrics::new(&StatementCounter::default());
        assert_eq!(metrics.operation_label(None), ANONYMOUS);
        assert_eq!(metrics.operation_label(Some("Loans")), "Loans");
        assert_eq!(metrics.operation_label(Some("not a name")), OTHER);
        assert_eq!(metrics.operation_label(Some("9lives")), OTHER);
        assert_eq!(metrics.operation_label(Some(&"a".repeat(65))), OTHER);
        for n in 1..MAX_OPERATION_NAMES {
            assert_eq!(
                metrics.operation_label(Some(&format!("Op{n}"))),
                format!("Op{n}")
            );
        }
        assert_eq!(metrics.operation_label(Some("OneTooMany")), OTHER);
        assert_eq!(
            metrics.operation_label(Some("Loans")),
            "Loans",
            "known names stay"
        );
    }

    #[test]
    fn the_text_holds_every_family_and_the_pool() {
        let metrics = Metrics::new(&StatementCounter::default());
        metrics.http_request("/graphql", 200, Duration::from_millis(12), 3);
        metrics.graphql_operation(Some("Loans"), OK, Duration::from_millis(10));
        metrics.error("NOT_FOUND");
        metrics.login_failure("WRONG_PASSWORD");
        metrics.lockout();
        metrics.job_run("penalties", "ran");
        let text = metrics.render(sample());
        for line in [
            r#"millennium_http_requests_total{route="/graphql",status="200"} 1"#,
            r#"millennium_sql_statements_per_request_bucket{route="/graphql",le="4"} 1"#,
            r#"millennium_sql_statements_per_request_bucket{route="/graphql",le="2"} 0"#,
            r#"millennium_graphql_operations_total{operation="Loans",outcome="ok"} 1"#,
            r#"millennium_graphql_errors_total{code="NOT_FOUND"} 1"#,
            r#"millennium_login_failures_total{reason="WRONG_PASSWORD"} 1"#,
            "millennium_account_lockouts_total 1",
            r#"millennium_job_runs_total{job="penalties",outcome="ran"} 1"#,
            "millennium_db_pool_max_connections 10",
            "millennium_db_pool_connections 3",
            "millennium_db_pool_connections_in_use 2",
            "millennium_db_pool_waiting 0",
            "millennium_sql_statements_total 0",
            "millennium_sql_slow_statements_total 0",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}:\n{text}");
        }
    }
}

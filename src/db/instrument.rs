//! What the pool's connections report about their statements: every one counted (in all, and for
//! the request that sent it), and one that takes [`PoolSettings::slow_statement`] or longer
//! logged at WARN with its duration, its SQL text (never its bound values), and the request id
//! and GraphQL operation it ran for.
//!
//! A statement is timed by the connection ([`super::conn`]) from the moment it is sent until its
//! last row has been read; the driver's events count it and note its SQL. A [`Watch`] holds what
//! one connection reports to.
//!
//! A request is known to its statements through a task-local [`Origin`] that the HTTP layer sets
//! around each request and the GraphQL layer narrows to each operation; [`propagate`] carries it
//! into tasks a request spawns (its dataloaders' batches).
//!
//! [`PoolSettings::slow_statement`]: super::PoolSettings::slow_statement

use std::fmt::{self, Write as _};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use prometheus::IntCounter;

/// The longest SQL text a slow-statement line carries, in characters.
pub const MAX_LOGGED_SQL_CHARS: usize = 1_000;

/// The slow-statement threshold of a connection made without one (the configuration's default).
const DEFAULT_SLOW_STATEMENT: Duration = Duration::from_millis(100);

/// Counts the SQL statements sent through the pool's connections, and the slow ones (for
/// `/metrics`, and for tests that bound the statements a query costs).
#[derive(Debug, Clone)]
pub struct StatementCounter {
    total: IntCounter,
    slow: IntCounter,
}

impl Default for StatementCounter {
    fn default() -> Self {
        Self {
            total: IntCounter::new(
                "millennium_sql_statements_total",
                "SQL statements sent to the database.",
            )
            .expect("a valid metric name"),
            slow: IntCounter::new(
                "millennium_sql_slow_statements_total",
                "SQL statements that took SLOW_STATEMENT_MS or longer, to their last row (each one is logged).",
            )
            .expect("a valid metric name"),
        }
    }
}

impl StatementCounter {
    /// Statements sent so far.
    pub fn get(&self) -> u64 {
        self.total.get()
    }

    /// Slow statements so far.
    pub fn slow(&self) -> u64 {
        self.slow.get()
    }

    /// The counters, for a metrics registry.
    pub fn collectors(&self) -> [IntCounter; 2] {
        [self.total.clone(), self.slow.clone()]
    }

    /// What a new connection reports to: these counters, and a log line for a statement that
    /// takes `slow_after` or longer.
    pub fn watch(&self, slow_after: Duration) -> Arc<Watch> {
        Arc::new(Watch {
            counter: self.clone(),
            slow_after,
            sql: Mutex::default(),
        })
    }
}

/// What one connection reports its statements to. A connection runs one statement at a time, so
/// the SQL noted last is that of the statement being timed.
#[derive(Debug)]
pub struct Watch {
    counter: StatementCounter,
    slow_after: Duration,
    /// The SQL of the statement in flight, once the driver has reported it (it does so when the
    /// server has taken the statement; empty before that).
    sql: Mutex<SqlText>,
}

impl Default for Watch {
    /// Counters of its own and the default threshold: for a connection outside the pool.
    fn default() -> Self {
        Self {
            counter: StatementCounter::default(),
            slow_after: DEFAULT_SLOW_STATEMENT,
            sql: Mutex::default(),
        }
    }
}

impl Watch {
    /// The driver's instrumentation for a connection: counts each statement, for the pool and
    /// for the request it runs for, and notes its SQL.
    pub(super) fn instrumentation(self: &Arc<Self>) -> impl Instrumentation + use<> {
        let watch = Arc::clone(self);
        move |event: InstrumentationEvent<'_>| match event {
            InstrumentationEvent::StartQuery { .. } => {
                watch.counter.total.inc();
                if let Ok(origin) = ORIGIN.try_with(Origin::clone) {
                    origin.statements.fetch_add(1, Ordering::Relaxed);
                }
                watch.sql().clear();
            }
            InstrumentationEvent::FinishQuery { query, .. } => {
                let mut sql = watch.sql();
                sql.clear();
                // The writer stops (with an error) at the bound values or at its length limit;
                // what it kept is the text either way.
                let _ = write!(sql, "{query}");
            }
            _ => {}
        }
    }

    /// Starts timing a statement; it is finished when the returned value is dropped.
    pub(super) fn start(self: &Arc<Self>) -> Timing {
        Timing {
            watch: Arc::clone(self),
            started: Instant::now(),
        }
    }

    fn sql(&self) -> std::sync::MutexGuard<'_, SqlText> {
        self.sql.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn finished(&self, took: Duration) {
        if is_slow(took, self.slow_after) {
            self.counter.slow.inc();
            let sql = self.sql().text();
            log_slow(took, (!sql.is_empty()).then_some(sql.as_str()));
        }
    }
}

/// A statement being timed, from its start until this is dropped.
#[derive(Debug)]
pub struct Timing {
    watch: Arc<Watch>,
    started: Instant,
}

impl Drop for Timing {
    fn drop(&mut self) {
        self.watch.finished(self.started.elapsed());
    }
}

/// Whether a statement that took `took` is logged: at or over the threshold (`0` logs them all).
pub fn is_slow(took: Duration, threshold: Duration) -> bool {
    took >= threshold
}

/// Logs a slow statement; `sql` is `None` for one given up before the server took it.
fn log_slow(took: Duration, sql: Option<&str>) {
    let origin = ORIGIN.try_with(Origin::clone).ok();
    let request_id = origin
        .as_ref()
        .and_then(|origin| origin.request_id.as_deref());
    let operation = origin
        .as_ref()
        .and_then(|origin| origin.operation.as_deref());
    let duration_ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
    tracing::warn!(
        duration_ms,
        request_id,
        operation,
        sql,
        "slow SQL statement"
    );
}

/// The SQL text of a statement as diesel shows it, without the bound values that its display may
/// append (`… -- binds: [...]`), on one line, cut at [`MAX_LOGGED_SQL_CHARS`].
pub fn sql_text(query: &dyn fmt::Display) -> String {
    let mut text = SqlText::default();
    // The writer stops the display (with an error) at the binds or at the length limit; what it
    // kept is the text either way.
    let _ = write!(text, "{query}");
    text.text()
}

/// Where diesel's display of a statement ends and its bound values begin.
const BINDS_MARKER: &str = " -- binds: ";

/// A writer that keeps a statement's text: runs of white space as one space, nothing from the
/// binds marker on, and at most [`MAX_LOGGED_SQL_CHARS`] characters.
#[derive(Debug, Default)]
struct SqlText {
    raw: String,
    truncated: bool,
}

impl SqlText {
    /// Empties the writer for another statement, keeping its buffer.
    fn clear(&mut self) {
        self.raw.clear();
        self.truncated = false;
    }

    /// The text kept so far, squeezed and cut.
    fn text(&self) -> String {
        let mut text = String::with_capacity(self.raw.len().min(MAX_LOGGED_SQL_CHARS + 4));
        let mut chars = 0;
        let mut space = false;
        let mut cut = self.truncated;
        for c in self.raw.trim().chars() {
            if c.is_whitespace() {
                space = true;
                continue;
            }
            if space {
                if chars == MAX_LOGGED_SQL_CHARS {
                    cut = true;
                    break;
                }
                text.push(' ');
                chars += 1;
                space = false;
            }
            if chars == MAX_LOGGED_SQL_CHARS {
                cut = true;
                break;
            }
            text.push(c);
            chars += 1;
        }
        if cut {
            text.push_str(" …");
        }
        text
    }
}

impl fmt::Write for SqlText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let from = self.raw.len().saturating_sub(BINDS_MARKER.len());
        self.raw.push_str(s);
        if let Some(at) = self.raw[from..].find(BINDS_MARKER) {
            self.raw.truncate(from + at);
            return Err(fmt::Error);
        }
        // Room for the limit once white space is squeezed, and for a marker split across
        // writes; anything past it is not shown.
        let room = 4 * MAX_LOGGED_SQL_CHARS + BINDS_MARKER.len();
        if self.raw.len() > room {
            let mut end = room;
            while !self.raw.is_char_boundary(end) {
                end -= 1;
            }
            self.raw.truncate(end);
            self.truncated = true;
            return Err(fmt::Error);
        }
        Ok(())
    }
}

tokio::task_local! {
    static ORIGIN: Origin;
}

/// The request (and operation) that statements run for, and its count of statements.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    request_id: Option<Arc<str>>,
    operation: Option<Arc<str>>,
    statements: Arc<AtomicU64>,
}

impl Origin {
    /// A request's origin, with a count of its own.
    pub fn request(request_id: Option<&str>) -> Self {
        Self {
            request_id: request_id.map(Arc::from),
            ..Self::default()
        }
    }

    /// The same request, running the GraphQL operation `name` (`None`: anonymous); statements
    /// still count toward the request.
    pub fn operation(&self, name: Option<&str>) -> Self {
        Self {
            operation: name.map(Arc::from),
            ..self.clone()
        }
    }

    /// Statements the request has sent so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Runs `work` with its statements attributed to this origin.
    pub async fn run<F: Future>(self, work: F) -> F::Output {
        ORIGIN.scope(self, work).await
    }

    /// The origin of the running task, if it works for a request.
    pub fn current() -> Option<Self> {
        ORIGIN.try_with(Self::clone).ok()
    }
}

/// `work` attributed to the origin of the task that calls this (for a task it is about to
/// spawn); unchanged outside a request.
pub fn propagate<F>(work: F) -> impl Future<Output = F::Output> + Send + 'static
where
    F: Future + Send + 'static,
{
    let origin = Origin::current();
    async move {
        match origin {
            Some(origin) => origin.run(work).await,
            None => work.await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Shown(&'static str);

    impl fmt::Display for Shown {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    /// Like diesel's display of a statement: the SQL, then the binds in a separate write.
    struct WithBinds(&'static str, &'static str);

    impl fmt::Display for WithBinds {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}{BINDS_MARKER}{:?}", self.0, [self.1])
        }
    }

    #[test]
    fn the_sql_text_never_carries_the_bound_values() {
        let query = WithBinds(
            r#"SELECT "loans"."id" FROM "loans" WHERE "loans"."loan_number" = $1"#,
            "secret-value",
        );
        let text = sql_text(&query);
        assert_eq!(
            text,
            r#"SELECT "loans"."id" FROM "loans" WHERE "loans"."loan_number" = $1"#
        );
        // Binds written in the same piece as the SQL are cut too.
        let text = sql_text(&Shown("SELECT 1 -- binds: [\"secret-value\"]"));
        assert_eq!(text, "SELECT 1");
    }

    #[test]
    fn the_sql_text_is_one_line_and_bounded() {
        assert_eq!(
            sql_text(&Shown("  SELECT a,\n       b\n\tFROM t  ")),
            "SELECT a, b FROM t"
        );
        let long: &'static str =
            Box::leak(format!("SELECT {}", "é".repeat(5_000)).into_boxed_str());
        let text = sql_text(&Shown(long));
        assert!(text.ends_with(" …"), "{text}");
        assert_eq!(text.chars().count(), MAX_LOGGED_SQL_CHARS + 2);
    }

    #[test]
    fn slowness_is_at_or_over_the_threshold() {
        let threshold = Duration::from_millis(100);
        assert!(!is_slow(Duration::from_millis(99), threshold));
        assert!(is_slow(Duration::from_millis(100), threshold));
        assert!(is_slow(Duration::from_millis(250), threshold));
        assert!(is_slow(Duration::ZERO, Duration::ZERO));
    }

    #[tokio::test]
    async fn an_origin_follows_its_request_into_spawned_tasks() {
        let origin = Origin::request(Some("req-1"));
        let seen = origin
            .clone()
            .run(async {
                let inner = Origin::current()
                    .expect("in scope")
                    .operation(Some("Loans"));
                inner
                    .run(async {
                        tokio::spawn(propagate(async { Origin::current() }))
                            .await
                            .expect("join")
                    })
                    .await
            })
            .await
            .expect("propagated");
        assert_eq!(seen.request_id.as_deref(), Some("req-1"));
        assert_eq!(seen.operation.as_deref(), Some("Loans"));
        seen.statements.fetch_add(2, Ordering::Relaxed);
        assert_eq!(origin.statements(), 2, "one count for the whole request");
        assert!(
            tokio::spawn(async { Origin::current() })
                .await
                .expect("join")
                .is_none()
        );
    }
}

//! The pool's connection: diesel-async's PostgreSQL connection, with every statement timed from
//! the moment it is sent until its last row has been read (or its rows are let go of).
//!
//! The driver's own instrumentation reports a query as finished when the server acknowledges its
//! parameters, which for a statement with many rows is long before they have all arrived; the
//! time a slow report or a long list spends sending rows would then go unseen. So the timing
//! lives here, around the future and the row stream that [`RunQueryDsl`] drives, and the
//! driver's events only count statements and note their SQL (see [`super::instrument`]).
//!
//! [`RunQueryDsl`]: diesel_async::RunQueryDsl

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use diesel::QueryResult;
use diesel::connection::{CacheSize, Instrumentation};
use diesel::pg::Pg;
use diesel::query_builder::{AsQuery, QueryFragment, QueryId};
use diesel::result::Error as DieselError;
use diesel_async::pooled_connection::PoolableConnection;
use diesel_async::{
    AnsiTransactionManager, AsyncConnection, AsyncConnectionCore, AsyncPgConnection,
    SimpleAsyncConnection, TransactionManager,
};
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, Stream, StreamExt, TryStreamExt};
use scoped_futures::ScopedBoxFuture;

use super::endpoint::{POOLER_COMMIT, POOLER_SAVEPOINT, POOLER_UNDO};
use super::instrument::{Timing, Watch};

/// The driver's connection and the row stream it answers a query with.
type Inner = AsyncPgConnection;
type InnerStream<'conn, 'query> = <Inner as AsyncConnectionCore>::Stream<'conn, 'query>;

/// One PostgreSQL connection whose statements are timed and reported (see the module docs).
pub struct DbConn {
    inner: Inner,
    watch: Arc<Watch>,
    /// Set when a statement failed because the connection is gone, so that the pool drops it
    /// at once rather than lend it again before the driver has noticed.
    lost: Arc<AtomicBool>,
    /// Behind a transaction-mode pooler: the `SET LOCAL`s every transaction starts with.
    pooler: Option<Arc<str>>,
}

impl DbConn {
    /// The driver's connection `inner`, reporting its statements from now on to `watch`.
    pub fn new(mut inner: AsyncPgConnection, watch: Arc<Watch>) -> Self {
        inner.set_instrumentation(watch.instrumentation());
        Self {
            inner,
            watch,
            lost: Arc::default(),
            pooler: None,
        }
    }

    /// This connection reaches PostgreSQL through a pooler in transaction mode (PgBouncer's
    /// `pool_mode = transaction`), which hands each transaction to whichever server connection
    /// is free. Nothing may then outlive a transaction:
    ///
    /// - A statement outside one runs in a transaction of its own (`BEGIN`, sent together with
    ///   the statement, and `COMMIT` after its last row, or after a failure `ROLLBACK TO` a
    ///   savepoint taken at the start, then `ROLLBACK`), so that the driver's prepared
    ///   statement is parsed, bound and closed on one server connection.
    /// - Settings are `SET LOCAL`, `settings`, at the start of every transaction, instead of
    ///   once per session.
    /// - A transaction drops the prepared statements it made (`DEALLOCATE ALL`) before it
    ///   commits, or after a failure once it has rolled back to its starting savepoint (an
    ///   aborted transaction accepts no `DEALLOCATE`), so that none is left on the server
    ///   connection for another client to trip on.
    ///
    /// A lone statement's rows are read in full before the `COMMIT`.
    pub fn behind_pooler(mut self, settings: &str) -> Self {
        self.pooler = Some(Arc::from(settings));
        self
    }

    /// The statement that begins a lone statement's own transaction, when one is needed.
    fn lone_statement_begin(&mut self) -> Option<String> {
        let settings = self.pooler.clone()?;
        let in_transaction =
            AnsiTransactionManager::transaction_manager_status_mut(&mut self.inner)
                .transaction_depth()
                .map_or(true, |depth| depth.is_some());
        (!in_transaction).then(|| format!("BEGIN; {settings}; {POOLER_SAVEPOINT}"))
    }

    /// Runs `body` in a transaction of `isolation`: committed when it returns `Ok`, rolled back
    /// when it returns `Err` (a failed rollback's error is returned instead of the body's).
    /// [`super::transaction`] adds the retries that a serializable write needs.
    pub async fn run_transaction<'a, T, E, F>(
        &mut self,
        isolation: super::Isolation,
        body: F,
    ) -> Result<T, E>
    where
        F: for<'r> FnOnce(&'r mut Self) -> ScopedBoxFuture<'a, 'r, Result<T, E>> + Send,
        T: Send + 'a,
        E: From<DieselError> + Send + 'a,
    {
        match &self.pooler {
            Some(settings) => {
                let begin = format!("{}; {settings}; {POOLER_SAVEPOINT}", isolation.begin_sql());
                AnsiTransactionManager::begin_transaction_sql(self, &begin).await?;
            }
            None => {
                AnsiTransactionManager::begin_transaction_sql(self, isolation.begin_sql()).await?
            }
        }
        match body(self).await {
            Ok(value) => {
                if self.pooler.is_some() {
                    self.inner.batch_execute("DEALLOCATE ALL").await?;
                }
                AnsiTransactionManager::commit_transaction(self).await?;
                Ok(value)
            }
            Err(err) => {
                if self.pooler.is_some() {
                    // The statements it prepared go first, while the pooler still lends this
                    // transaction's server connection.
                    let undone = self.inner.batch_execute(POOLER_UNDO).await;
                    noting_loss(&self.lost, undone)?;
                }
                AnsiTransactionManager::rollback_transaction(self).await?;
                Err(err)
            }
        }
    }
}

impl SimpleAsyncConnection for DbConn {
    async fn batch_execute(&mut self, query: &str) -> QueryResult<()> {
        let _timing = self.watch.start();
        noting_loss(&self.lost, self.inner.batch_execute(query).await)
    }
}

impl AsyncConnectionCore for DbConn {
    type ExecuteFuture<'conn, 'query> = BoxFuture<'conn, QueryResult<usize>>;
    type LoadFuture<'conn, 'query> = BoxFuture<'conn, QueryResult<Self::Stream<'conn, 'query>>>;
    type Stream<'conn, 'query> = Timed<InnerStream<'conn, 'query>>;
    type Row<'conn, 'query> = <Inner as AsyncConnectionCore>::Row<'conn, 'query>;
    type Backend = Pg;

    fn load<'conn, 'query, T>(&'conn mut self, source: T) -> Self::LoadFuture<'conn, 'query>
    where
        T: AsQuery + 'query,
        T::Query: QueryFragment<Self::Backend> + QueryId + 'query,
    {
        let timing = self.watch.start();
        let lost = self.lost.clone();
        if let Some(begin) = self.lone_statement_begin() {
            let mut shared: &'conn Inner = &self.inner;
            // Pipelined: `BEGIN` goes out first, the statement right behind it.
            let rows = AsyncConnectionCore::load(&mut shared, source);
            return async move {
                let begun = (&mut shared).batch_execute(&begin);
                let (begun, rows) = futures_util::future::join(begun, rows).await;
                let rows: QueryResult<Vec<_>> = match (begun, rows) {
                    (Ok(()), Ok(rows)) => rows.try_collect().await,
                    (Err(err), _) | (_, Err(err)) => Err(err),
                };
                let rows = noting_loss(&lost, rows);
                if let Err(err) = (&mut shared).batch_execute(&lone_end(rows.is_ok())).await {
                    // Its transaction may still be open: the connection is not lent again.
                    lost.store(true, Ordering::Relaxed);
                    rows?;
                    return Err(err);
                }
                let rows = rows?;
                Ok(Timed {
                    rows: futures_util::stream::iter(rows.into_iter().map(Ok)).boxed(),
                    timing: Some(timing),
                })
            }
            .boxed();
        }
        let rows = self.inner.load(source);
        async move {
            let rows = noting_loss(&lost, rows.await)?;
            Ok(Timed {
                rows,
                timing: Some(timing),
            })
        }
        .boxed()
    }

    fn execute_returning_count<'conn, 'query, T>(
        &'conn mut self,
        source: T,
    ) -> Self::ExecuteFuture<'conn, 'query>
    where
        T: QueryFragment<Self::Backend> + QueryId + 'query,
    {
        let timing = self.watch.start();
        let lost = self.lost.clone();
        if let Some(begin) = self.lone_statement_begin() {
            let mut shared: &'conn Inner = &self.inner;
            let count = AsyncConnectionCore::execute_returning_count(&mut shared, source);
            return async move {
                let _timing = timing;
                let begun = (&mut shared).batch_execute(&begin);
                let (begun, count) = futures_util::future::join(begun, count).await;
                let count = noting_loss(&lost, begun.and(count));
                if let Err(err) = (&mut shared).batch_execute(&lone_end(count.is_ok())).await {
                    // Its transaction may still be open: the connection is not lent again.
                    lost.store(true, Ordering::Relaxed);
                    count?;
                    return Err(err);
                }
                count
            }
            .boxed();
        }
        let count = self.inner.execute_returning_count(source);
        async move {
            let _timing = timing;
            noting_loss(&lost, count.await)
        }
        .boxed()
    }
}

impl AsyncConnection for DbConn {
    type TransactionManager = AnsiTransactionManager;

    /// A connection that reports to a watch of its own; the pool's report to its counters.
    async fn establish(url: &str) -> diesel::ConnectionResult<Self> {
        Ok(Self::new(Inner::establish(url).await?, Arc::default()))
    }

    fn transaction_state(&mut self) -> &mut AnsiTransactionManager {
        self.inner.transaction_state()
    }

    fn instrumentation(&mut self) -> &mut dyn Instrumentation {
        self.inner.instrumentation()
    }

    fn set_instrumentation(&mut self, instrumentation: impl Instrumentation) {
        self.inner.set_instrumentation(instrumentation);
    }

    fn set_prepared_statement_cache_size(&mut self, size: CacheSize) {
        self.inner.set_prepared_statement_cache_size(size);
    }
}

impl PoolableConnection for DbConn {
    fn is_broken(&mut self) -> bool {
        self.lost.load(Ordering::Relaxed) || self.inner.is_broken()
    }
}

/// What ends a lone statement's own transaction behind a pooler: a commit, or after a failure
/// the undoing of its savepoint and a rollback.
fn lone_end(succeeded: bool) -> std::borrow::Cow<'static, str> {
    if succeeded {
        POOLER_COMMIT.into()
    } else {
        format!("{POOLER_UNDO}; ROLLBACK").into()
    }
}

/// Notes in `lost` a result whose error means the connection is gone.
fn noting_loss<T>(lost: &AtomicBool, result: QueryResult<T>) -> QueryResult<T> {
    if let Err(err) = &result
        && super::connection_lost(err)
    {
        lost.store(true, Ordering::Relaxed);
    }
    result
}

/// A statement's rows, with its timing: finished at the last row, or when the rows are dropped
/// before that (an error, or a caller that stopped reading).
pub struct Timed<S> {
    rows: S,
    timing: Option<Timing>,
}

impl<S: Stream + Unpin> Stream for Timed<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let polled = Pin::new(&mut self.rows).poll_next(cx);
        if let Poll::Ready(None) = polled {
            self.timing.take();
        }
        polled
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rows.size_hint()
    }
}

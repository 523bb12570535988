//! A PostgreSQL session of its own, outside the pool, for the one thing diesel-async cannot
//! send: `COPY … FROM STDIN`. A restore loads millions of rows through it, where PostgreSQL
//! reads each value with its type's input function and nothing else (several times faster than
//! any `INSERT … SELECT`). Its statements are plain SQL over `tokio-postgres`.

use bytes::Bytes;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, CopyInSink, Row};

use super::endpoint::Endpoint;

/// Opens [`DirectSession`]s to the service's database.
#[derive(Clone)]
pub struct Direct {
    endpoint: Endpoint,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct").finish_non_exhaustive()
    }
}

impl Direct {
    pub fn new(endpoint: Endpoint) -> Self {
        Self { endpoint }
    }

    /// A new session, in UTC like the pool's connections.
    pub async fn connect(&self) -> Result<DirectSession, tokio_postgres::Error> {
        let (client, connection) = self.endpoint.connect().await?;
        // Ends once the client is dropped (a transaction left open is then rolled back).
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::warn!(error = %err, "a direct database session ended with an error");
            }
        });
        let session = DirectSession { client };
        session.batch("SET TIME ZONE 'UTC'").await?;
        Ok(session)
    }
}

/// One open session. Dropping it closes the connection, which rolls back a transaction left
/// open.
pub struct DirectSession {
    client: Client,
}

impl DirectSession {
    /// Runs `sql`, one or several statements without parameters.
    pub async fn batch(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        self.client.batch_execute(sql).await
    }

    /// Runs one statement; the number of rows it changed.
    pub async fn execute(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, tokio_postgres::Error> {
        self.client.execute(sql, params).await
    }

    /// The rows `sql` returns.
    pub async fn rows(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        self.client.query(sql, params).await
    }

    /// The first column of every row `sql` returns, as text.
    pub async fn texts(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<String>, tokio_postgres::Error> {
        let rows = self.client.query(sql, params).await?;
        rows.iter().map(|row| row.try_get(0)).collect()
    }

    /// The first column of the one row `sql` returns, as text.
    pub async fn text(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<String, tokio_postgres::Error> {
        self.client.query_one(sql, params).await?.try_get(0)
    }

    /// Starts `COPY … FROM STDIN`: send the data to the sink, then `finish` it.
    pub async fn copy_in(&self, sql: &str) -> Result<CopyInSink<Bytes>, tokio_postgres::Error> {
        self.client.copy_in(sql).await
    }
}

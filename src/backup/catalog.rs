//! What the database says about the tables a backup holds: their columns (names and types, in
//! order), and the keys, foreign keys and indexes that a restore drops before loading and
//! builds again after — in bulk, a sort per index and one query per foreign key, rather than
//! one index entry and one lookup per inserted row.

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;

use crate::db::DbConn;
use crate::db::direct::DirectSession;

/// A column and its SQL type as `format_type` writes it (`numeric(14,2)`, `uuid`, …).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Column {
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub sql_type: String,
}

impl Column {
    /// The column as an SQL identifier.
    pub fn quoted(&self) -> String {
        quote(&self.name)
    }

    /// Whether the column holds JSON (its value is taken as JSON, not as text).
    pub fn is_json(&self) -> bool {
        matches!(self.sql_type.as_str(), "json" | "jsonb")
    }
}

/// An identifier quoted for SQL.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

const COLUMNS: &str =
    "SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS sql_type
                          FROM pg_attribute a
                         WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
                         ORDER BY a.attnum";

/// The columns of `table`, in order.
pub async fn columns(conn: &mut DbConn, table: &str) -> diesel::QueryResult<Vec<Column>> {
    diesel::sql_query(COLUMNS)
        .bind::<Text, _>(table)
        .load(conn)
        .await
}

/// [`columns`], read in a direct session.
pub async fn columns_in(
    session: &DirectSession,
    table: &str,
) -> Result<Vec<Column>, tokio_postgres::Error> {
    let rows = session.rows(COLUMNS, &[&table]).await?;
    rows.iter()
        .map(|row| {
            Ok(Column {
                name: row.try_get(0)?,
                sql_type: row.try_get(1)?,
            })
        })
        .collect()
}

/// The statements that take the keys, foreign keys and indexes of `tables` away, and those that
/// put them back, in the order they must run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Indexing {
    pub drop: Vec<String>,
    pub create: Vec<String>,
}

/// Reads the current definitions of the keys, foreign keys (also those of other tables that
/// refer to `tables`) and indexes of `tables`.
pub async fn indexing(
    session: &DirectSession,
    tables: &[&str],
) -> Result<Indexing, tokio_postgres::Error> {
    let load =
        async |session: &DirectSession, sql: &'static str| session.texts(sql, &[&tables]).await;
    // Foreign keys first, then the keys they rest on, then plain indexes.
    let drop_foreign = load(
        session,
        "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS sql
           FROM pg_constraint c
          WHERE c.contype = 'f'
            AND (c.conrelid::regclass::text = ANY($1) OR c.confrelid::regclass::text = ANY($1))
          ORDER BY c.conrelid::regclass::text, c.conname",
    )
    .await?;
    let create_foreign = load(
        session,
        "SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
                       pg_get_constraintdef(c.oid)) AS sql
           FROM pg_constraint c
          WHERE c.contype = 'f'
            AND (c.conrelid::regclass::text = ANY($1) OR c.confrelid::regclass::text = ANY($1))
          ORDER BY c.conrelid::regclass::text, c.conname",
    )
    .await?;
    let drop_keys = load(
        session,
        "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS sql
           FROM pg_constraint c
          WHERE c.contype IN ('p', 'u') AND c.conrelid::regclass::text = ANY($1)
          ORDER BY c.conrelid::regclass::text, c.conname",
    )
    .await?;
    let create_keys = load(
        session,
        "SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
                       pg_get_constraintdef(c.oid)) AS sql
           FROM pg_constraint c
          WHERE c.contype IN ('p', 'u') AND c.conrelid::regclass::text = ANY($1)
          ORDER BY c.conrelid::regclass::text, c.conname",
    )
    .await?;
    let drop_indexes = load(
        session,
        "SELECT format('DROP INDEX %s', i.indexrelid::regclass) AS sql
           FROM pg_index i
          WHERE i.indrelid::regclass::text = ANY($1)
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
          ORDER BY i.indexrelid::regclass::text",
    )
    .await?;
    let create_indexes = load(
        session,
        "SELECT pg_get_indexdef(i.indexrelid) AS sql
           FROM pg_index i
          WHERE i.indrelid::regclass::text = ANY($1)
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
          ORDER BY i.indexrelid::regclass::text",
    )
    .await?;
    Ok(Indexing {
        drop: [drop_foreign, drop_keys, drop_indexes].concat(),
        create: [create_keys, create_indexes, create_foreign].concat(),
    })
}

/// Runs `statements` one by one.
pub async fn run(
    session: &DirectSession,
    statements: &[String],
) -> Result<(), tokio_postgres::Error> {
    for statement in statements {
        session.batch(statement).await?;
    }
    Ok(())
}

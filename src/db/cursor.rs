//! A whole list read a chunk at a time: the list's own query (filtered, scoped and ordered by
//! its `db` module) declared as a server-side cursor inside the caller's transaction, then
//! fetched `FETCH FORWARD n` at a time. PostgreSQL plans and sorts once; each `FETCH` is a short
//! statement, so the statement timeout bounds a chunk rather than the whole read, and memory
//! holds one chunk whatever the size of the list.

use std::marker::PhantomData;

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel_async::RunQueryDsl;

use super::DbConn;

/// An open cursor whose rows have the SQL type `ST`.
#[derive(Debug)]
pub struct Cursor<ST> {
    name: &'static str,
    rows: PhantomData<ST>,
}

/// Declares `query` as the cursor `name` (in the current transaction, which must stay open
/// while it is read).
pub async fn declare<Q>(
    conn: &mut DbConn,
    name: &'static str,
    query: Q,
) -> QueryResult<Cursor<Q::SqlType>>
where
    Q: Query + QueryFragment<Pg> + Send,
{
    Declare { name, query }.execute(conn).await?;
    Ok(Cursor {
        name,
        rows: PhantomData,
    })
}

impl<ST> Cursor<ST> {
    /// The statement that reads the next `rows` rows (none once the cursor is exhausted);
    /// `.load::<Row>(conn)` it.
    pub fn next(&self, rows: u32) -> Fetch<ST> {
        Fetch {
            name: self.name,
            rows,
            sql_type: PhantomData,
        }
    }
}

/// `DECLARE name NO SCROLL CURSOR FOR query`, with the query's own bind parameters.
struct Declare<Q> {
    name: &'static str,
    query: Q,
}

impl<Q> QueryId for Declare<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Declare<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        out.push_sql("DECLARE ");
        out.push_identifier(self.name)?;
        out.push_sql(" NO SCROLL CURSOR FOR ");
        self.query.walk_ast(out.reborrow())
    }
}

/// `FETCH FORWARD rows FROM name`: rows of the declared query's type.
pub struct Fetch<ST> {
    name: &'static str,
    rows: u32,
    sql_type: PhantomData<ST>,
}

impl<ST> QueryId for Fetch<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST: 'static> Query for Fetch<ST> {
    type SqlType = ST;
}

impl<ST> QueryFragment<Pg> for Fetch<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        // A count cannot be a bind parameter of FETCH; it is our own number.
        out.push_sql(&format!("FETCH FORWARD {} FROM ", self.rows));
        out.push_identifier(self.name)?;
        Ok(())
    }
}

//! `counters`: the transactional sequences behind member codes and loan numbers. Taking a value
//! updates the counter's row inside the caller's transaction, so concurrent takers queue on the
//! row and a rolled-back transaction gives its value back: no duplicates, no gaps from failures,
//! and no reuse after deletion.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::DbConn;
use super::schema::counters;

/// The counter of member codes.
pub const MEMBER_CODE: &str = "union_member_code";
/// The counter of loan numbers.
pub const LOAN_NUMBER: &str = "loan_number";

/// Advances the counter `name` and returns its new value.
pub async fn next(conn: &mut DbConn, name: &str, now: DateTime<Utc>) -> QueryResult<i64> {
    diesel::update(counters::table.find(name))
        .set((
            counters::value.eq(counters::value + 1),
            counters::updated_at.eq(now),
        ))
        .returning(counters::value)
        .get_result(conn)
        .await
}

/// Advances the counter `name` by `count` at once and returns the first value of the block
/// taken (`first ..= first + count - 1`), for writers that number many rows in one go.
pub async fn reserve(
    conn: &mut DbConn,
    name: &str,
    count: i64,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    let last: i64 = diesel::update(counters::table.find(name))
        .set((
            counters::value.eq(counters::value + count),
            counters::updated_at.eq(now),
        ))
        .returning(counters::value)
        .get_result(conn)
        .await?;
    Ok(last - count + 1)
}

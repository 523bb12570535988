//! `stored_objects`: which document objects an upload is writing and which were ever
//! committed, so that the orphan sweep removes only objects whose upload failed.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::DbConn;
use super::schema::stored_objects;

/// Notes that an upload is about to write `key` (on its own, before the object exists).
pub async fn begin(conn: &mut DbConn, key: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::insert_into(stored_objects::table)
        .values((
            stored_objects::storage_key.eq(key),
            stored_objects::created_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks `key` committed, in the transaction that inserts its document.
pub async fn commit(conn: &mut DbConn, key: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(stored_objects::table.find(key))
        .set(stored_objects::committed_at.eq(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets `key` (its object was removed).
pub async fn forget(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(stored_objects::table.find(key))
        .execute(conn)
        .await?;
    Ok(())
}

/// Which of `keys` were ever committed.
pub async fn committed(conn: &mut DbConn, keys: &[String]) -> QueryResult<HashSet<String>> {
    let found: Vec<String> = stored_objects::table
        .filter(stored_objects::storage_key.eq_any(keys))
        .filter(stored_objects::committed_at.is_not_null())
        .select(stored_objects::storage_key)
        .load(conn)
        .await?;
    Ok(found.into_iter().collect())
}

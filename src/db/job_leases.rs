//! `job_leases`: which instance runs a scheduled job for a period. A lease is named after the
//! job and its period (`penalties:2026-11-24`); one instance holds it until it completes the
//! period or the lease expires (the instance died), when another may take it over.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamptz};
use diesel_async::RunQueryDsl;

use super::DbConn;
use super::schema::job_leases;

/// Takes the lease `name` for `holder` until `expires_at`, unless the period is completed or
/// another holder's lease is still running. Whether `holder` now holds it.
pub async fn acquire(
    conn: &mut DbConn,
    name: &str,
    holder: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Held {
        #[diesel(sql_type = Text)]
        #[expect(dead_code, reason = "only whether a row came back matters")]
        holder: String,
    }
    let held: Option<Held> = diesel::sql_query(
        "INSERT INTO job_leases (name, holder, expires_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (name) DO UPDATE
            SET holder = excluded.holder, expires_at = excluded.expires_at,
                updated_at = excluded.updated_at
          WHERE job_leases.completed_at IS NULL
            AND (job_leases.expires_at <= excluded.updated_at
                 OR job_leases.holder = excluded.holder)
         RETURNING holder",
    )
    .bind::<Text, _>(name)
    .bind::<Text, _>(holder)
    .bind::<Timestamptz, _>(expires_at)
    .bind::<Timestamptz, _>(now)
    .get_result(conn)
    .await
    .optional()?;
    Ok(held.is_some())
}

/// Marks the period of `name` done by `holder`: no instance runs it again.
pub async fn complete(
    conn: &mut DbConn,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let updated = diesel::update(
        job_leases::table
            .filter(job_leases::name.eq(name))
            .filter(job_leases::holder.eq(holder)),
    )
    .set((
        job_leases::completed_at.eq(now),
        job_leases::updated_at.eq(now),
    ))
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Whether the period of `name` is completed.
pub async fn is_completed(conn: &mut DbConn, name: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        job_leases::table
            .filter(job_leases::name.eq(name))
            .filter(job_leases::completed_at.is_not_null()),
    ))
    .get_result(conn)
    .await
}

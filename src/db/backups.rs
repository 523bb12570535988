//! `backup_records` (one row per backup file, with its status and checksums) and
//! `backup_schedule_settings` (one row). Neither is part of a backup: they describe the
//! backups and outlive a restore.

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::DbConn;
use super::page::{self, Page, Paged};
use super::schema::{backup_records, backup_schedule_settings};
use crate::domain::backups::{BackupFrequency, BackupKind, BackupStatus};
use crate::domain::{BackupId, UserId};

/// A row of `backup_records`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = backup_records, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct BackupRecord {
    pub id: BackupId,
    pub file_name: String,
    pub storage_key: String,
    pub kind: BackupKind,
    pub status: BackupStatus,
    /// Size of the stored (compressed) file.
    pub size_bytes: Option<i64>,
    /// SHA-256 of the stored file.
    pub sha256: Option<String>,
    pub schema_version: Option<String>,
    pub row_counts: Option<serde_json::Value>,
    pub include_audit_logs: bool,
    pub include_sessions: bool,
    pub created_by_user_id: Option<UserId>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub error_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub holder: Option<String>,
    #[serde(skip)]
    pub heartbeat_at: Option<DateTime<Utc>>,
    /// The manifest's SHA-256 of the uncompressed data, and its size.
    pub data_sha256: Option<String>,
    pub data_bytes: Option<i64>,
    pub created_by_name: Option<String>,
}

/// A backup about to be written.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = backup_records)]
pub struct NewBackup {
    pub id: BackupId,
    pub file_name: String,
    pub storage_key: String,
    pub kind: BackupKind,
    pub status: BackupStatus,
    pub schema_version: Option<String>,
    pub include_audit_logs: bool,
    pub include_sessions: bool,
    pub created_by_user_id: Option<UserId>,
    pub created_by_name: Option<String>,
    pub holder: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a completed backup learned.
#[derive(Debug, Clone)]
pub struct Completion {
    pub size_bytes: i64,
    pub sha256: String,
    pub data_sha256: String,
    pub data_bytes: i64,
    pub row_counts: serde_json::Value,
}

/// What `backups(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct BackupFilter {
    pub status: Option<BackupStatus>,
    pub kind: Option<BackupKind>,
}

fn live() -> backup_records::BoxedQuery<'static, Pg> {
    backup_records::table
        .filter(backup_records::deleted_at.is_null())
        .into_boxed()
}

pub async fn insert(conn: &mut DbConn, new: &NewBackup) -> QueryResult<BackupRecord> {
    diesel::insert_into(backup_records::table)
        .values(new)
        .returning(BackupRecord::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut DbConn, id: BackupId) -> QueryResult<Option<BackupRecord>> {
    live()
        .filter(backup_records::id.eq(id))
        .select(BackupRecord::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_file_name(
    conn: &mut DbConn,
    file_name: &str,
) -> QueryResult<Option<BackupRecord>> {
    live()
        .filter(backup_records::file_name.eq(file_name))
        .select(BackupRecord::as_select())
        .first(conn)
        .await
        .optional()
}

/// One page of the live backups, newest first.
pub async fn list(
    conn: &mut DbConn,
    filter: &BackupFilter,
    want_total: bool,
    page: Page,
) -> QueryResult<Paged<BackupRecord>> {
    let filtered = || {
        let mut query = live();
        if let Some(status) = filter.status {
            query = query.filter(backup_records::status.eq(status));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(backup_records::kind.eq(kind));
        }
        query
    };
    let rows = filtered()
        .order_by((backup_records::created_at.desc(), backup_records::id.desc()))
        .select(BackupRecord::as_select());
    let count = want_total.then(|| filtered().select(count_star()));
    page::load_page!(conn, rows, count, page)
}

/// Every completed live backup (for retention), oldest first.
pub async fn completed(conn: &mut DbConn) -> QueryResult<Vec<BackupRecord>> {
    live()
        .filter(backup_records::status.eq(BackupStatus::Completed))
        .order_by(backup_records::completed_at.asc())
        .select(BackupRecord::as_select())
        .load(conn)
        .await
}

/// The live backup being written, if any (at most one at a time).
pub async fn in_progress(conn: &mut DbConn) -> QueryResult<Option<BackupRecord>> {
    live()
        .filter(backup_records::status.eq(BackupStatus::InProgress))
        .select(BackupRecord::as_select())
        .first(conn)
        .await
        .optional()
}

/// The schema version of the data the backup holds, known once its snapshot starts.
pub async fn set_schema_version(conn: &mut DbConn, id: BackupId, version: &str) -> QueryResult<()> {
    diesel::update(backup_records::table.find(id))
        .set(backup_records::schema_version.eq(version))
        .execute(conn)
        .await?;
    Ok(())
}

/// Says the backup's process is alive.
pub async fn beat(conn: &mut DbConn, id: BackupId, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(backup_records::table.find(id))
        .filter(backup_records::status.eq(BackupStatus::InProgress))
        .set(backup_records::heartbeat_at.eq(now))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn complete(
    conn: &mut DbConn,
    id: BackupId,
    done: &Completion,
    now: DateTime<Utc>,
) -> QueryResult<BackupRecord> {
    diesel::update(backup_records::table.find(id))
        .set((
            backup_records::status.eq(BackupStatus::Completed),
            backup_records::size_bytes.eq(done.size_bytes),
            backup_records::sha256.eq(&done.sha256),
            backup_records::data_sha256.eq(&done.data_sha256),
            backup_records::data_bytes.eq(done.data_bytes),
            backup_records::row_counts.eq(&done.row_counts),
            backup_records::completed_at.eq(now),
            backup_records::heartbeat_at.eq(now),
            backup_records::updated_at.eq(now),
        ))
        .returning(BackupRecord::as_returning())
        .get_result(conn)
        .await
}

pub async fn fail(
    conn: &mut DbConn,
    id: BackupId,
    error: &str,
    now: DateTime<Utc>,
) -> QueryResult<BackupRecord> {
    diesel::update(backup_records::table.find(id))
        .set((
            backup_records::status.eq(BackupStatus::Failed),
            backup_records::error_message.eq(error),
            backup_records::completed_at.eq(now),
            backup_records::updated_at.eq(now),
        ))
        .returning(BackupRecord::as_returning())
        .get_result(conn)
        .await
}

/// Marks FAILED every backup still IN_PROGRESS whose heartbeat is older than `stale_before`
/// (its process died); the records changed.
pub async fn fail_abandoned(
    conn: &mut DbConn,
    stale_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<Vec<BackupRecord>> {
    diesel::update(
        backup_records::table
            .filter(backup_records::status.eq(BackupStatus::InProgress))
            .filter(
                backup_records::heartbeat_at
                    .lt(stale_before)
                    .or(backup_records::heartbeat_at.is_null()),
            ),
    )
    .set((
        backup_records::status.eq(BackupStatus::Failed),
        backup_records::error_message.eq(
            "The process writing this backup stopped before it finished (it was killed or the server restarted).",
        ),
        backup_records::completed_at.eq(now),
        backup_records::updated_at.eq(now),
    ))
    .returning(BackupRecord::as_returning())
    .get_results(conn)
    .await
}

pub async fn set_deleted(
    conn: &mut DbConn,
    id: BackupId,
    now: DateTime<Utc>,
) -> QueryResult<BackupRecord> {
    diesel::update(backup_records::table.find(id))
        .set((
            backup_records::deleted_at.eq(now),
            backup_records::updated_at.eq(now),
        ))
        .returning(BackupRecord::as_returning())
        .get_result(conn)
        .await
}

/// The row of `backup_schedule_settings`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = backup_schedule_settings, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct BackupSchedule {
    pub frequency: BackupFrequency,
    pub retention_days: i32,
    pub include_audit_logs: bool,
    pub include_sessions: bool,
    pub last_backup_at: Option<DateTime<Utc>>,
    pub next_backup_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// The schedule's settings an administrator edits.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = backup_schedule_settings)]
pub struct ScheduleFields {
    pub frequency: BackupFrequency,
    pub retention_days: i32,
    pub include_audit_logs: bool,
    pub include_sessions: bool,
}

pub async fn schedule(conn: &mut DbConn) -> QueryResult<BackupSchedule> {
    backup_schedule_settings::table
        .select(BackupSchedule::as_select())
        .first(conn)
        .await
}

/// The schedule, locked until the end of the transaction.
pub async fn schedule_for_update(conn: &mut DbConn) -> QueryResult<BackupSchedule> {
    backup_schedule_settings::table
        .select(BackupSchedule::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn update_schedule(
    conn: &mut DbConn,
    fields: &ScheduleFields,
    next_backup_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<BackupSchedule> {
    diesel::update(backup_schedule_settings::table)
        .set((
            fields,
            backup_schedule_settings::next_backup_at.eq(next_backup_at),
            backup_schedule_settings::updated_at.eq(now),
        ))
        .returning(BackupSchedule::as_returning())
        .get_result(conn)
        .await
}

/// Records a scheduled run: when it ran and when the next one is due.
pub async fn schedule_ran(
    conn: &mut DbConn,
    last_backup_at: Option<DateTime<Utc>>,
    next_backup_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(backup_schedule_settings::table)
        .set((
            backup_schedule_settings::last_backup_at.eq(last_backup_at),
            backup_schedule_settings::next_backup_at.eq(next_backup_at),
            backup_schedule_settings::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The latest migration applied to the database: the schema version of its backups.
pub async fn schema_version(conn: &mut DbConn) -> QueryResult<String> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let version: Version = diesel::sql_query(SCHEMA_VERSION).get_result(conn).await?;
    Ok(version.version)
}

/// The query of [`schema_version`].
pub const SCHEMA_VERSION: &str =
    "SELECT max(version)::text AS version FROM __diesel_schema_migrations";

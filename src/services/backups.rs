//! Backups as a service (SPEC 8.4): taking one (by hand, by the schedule, before a restore),
//! listing, deleting, restoring, and the schedule with its retention.
//!
//! A backup's record is written IN_PROGRESS first and its process beats the record's heartbeat
//! while it writes; [`fail_abandoned`] (run at start-up and by the scheduler) marks FAILED the
//! records whose heartbeat stopped, so a crash never leaves one IN_PROGRESS forever. A restore
//! checks the whole file first, takes a safety backup, then replaces every table in one
//! transaction: a process killed at any moment leaves the old data or the new, never a mix.

use std::path::PathBuf;
use std::time::Duration;

use chrono::TimeDelta;
use futures_util::TryStreamExt;
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use tokio_util::io::StreamReader;

use super::audit::{self, AuditEvent};
use super::{Caller, RequestMeta, ServiceError, ServiceResult, check};
use crate::backup::export::{self, Request};
use crate::backup::format::{self, Contents, TABLES};
use crate::backup::progress::Progress;
use crate::backup::restore::{self, Source, Verified};
use crate::backup::{BackupError, catalog};
use crate::db;
use crate::db::backups::{
    BackupFilter, BackupRecord, BackupSchedule, Completion, NewBackup, ScheduleFields,
};
use crate::db::direct::DirectSession;
use crate::db::page::{Page, Paged};
use crate::domain::audit::{AuditAction, ENTITY_BACKUP, ENTITY_BACKUP_SCHEDULE, ENTITY_SYSTEM};
use crate::domain::backups::{self as rules, BackupFrequency, BackupKind, BackupStatus};
use crate::domain::permissions::{self, Actor};
use crate::domain::{BackupId, UserId};
use crate::state::AppState;

/// How often a running backup says it is alive.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(15);
/// Where backups are stored.
const PREFIX: &str = "backups";

/// Who takes a backup or restores one.
#[derive(Debug, Clone)]
pub struct Author {
    pub user_id: Option<UserId>,
    /// For the manifest and the record: an email, "schedule" or "command line".
    pub name: String,
    pub meta: RequestMeta,
}

impl Author {
    /// The scheduler.
    pub fn schedule() -> Self {
        Self {
            user_id: None,
            name: "schedule".into(),
            meta: RequestMeta {
                request_id: Some("backup-schedule".into()),
                ..RequestMeta::default()
            },
        }
    }

    /// An operator at the command line.
    pub fn command_line() -> Self {
        let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
        Self {
            user_id: None,
            name: format!("command line ({user})"),
            meta: RequestMeta {
                request_id: Some("cli".into()),
                ..RequestMeta::default()
            },
        }
    }

    async fn of(state: &AppState, caller: &Caller) -> ServiceResult<Self> {
        let mut conn = state.db.get().await?;
        let user = db::users::find(
            &mut conn,
            caller.actor.user_id,
            permissions::Scope::All,
            true,
        )
        .await?;
        Ok(Self {
            user_id: Some(caller.actor.user_id),
            name: user.map_or_else(|| caller.actor.user_id.to_string(), |user| user.email),
            meta: caller.meta.clone(),
        })
    }
}

impl From<BackupError> for ServiceError {
    fn from(err: BackupError) -> Self {
        match err {
            BackupError::Invalid(message) => ServiceError::bad_input("id", message),
            BackupError::Database(err) => err.into(),
            other => ServiceError::Internal(anyhow::Error::new(other)),
        }
    }
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("Backup not found.".into())
}

fn can_read(actor: &Actor) -> ServiceResult<()> {
    check(permissions::can_read_backups(actor), "Backup")
}

fn can_manage(actor: &Actor) -> ServiceResult<()> {
    check(permissions::can_manage_configuration(actor), "Backup")
}

/// One page of the backups, newest first (administrators and supervisors).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: &BackupFilter,
    want_total: bool,
    page: Page,
) -> ServiceResult<Paged<BackupRecord>> {
    can_read(&caller.actor)?;
    let mut conn = state.db.get().await?;
    Ok(db::backups::list(&mut conn, filter, want_total, page).await?)
}

pub async fn get(state: &AppState, caller: &Caller, id: BackupId) -> ServiceResult<BackupRecord> {
    can_read(&caller.actor)?;
    let mut conn = state.db.get().await?;
    db::backups::find(&mut conn, id)
        .await?
        .ok_or_else(not_found)
}

/// `createBackup`: records the backup IN_PROGRESS and writes it in the background; the record
/// turns COMPLETED or FAILED when the file is done.
pub async fn start(
    state: &AppState,
    caller: &Caller,
    contents: Contents,
) -> ServiceResult<BackupRecord> {
    can_manage(&caller.actor)?;
    let author = Author::of(state, caller).await?;
    let record = begin(state, &author, BackupKind::Manual, contents).await?;
    let background = state.clone();
    let started = record.clone();
    tokio::spawn(async move {
        if let Err(err) = write(&background, &author, started, &Progress::quiet()).await {
            tracing::error!(error = %err, "a backup failed");
        }
    });
    Ok(record)
}

/// Takes a whole backup and waits for it: the command line, the schedule, a restore's safety
/// backup.
pub async fn take(
    state: &AppState,
    author: &Author,
    kind: BackupKind,
    contents: Contents,
    progress: &Progress,
) -> ServiceResult<BackupRecord> {
    let record = begin(state, author, kind, contents).await?;
    write(state, author, record, progress).await
}

/// The IN_PROGRESS record of a new backup, audited.
async fn begin(
    state: &AppState,
    author: &Author,
    kind: BackupKind,
    contents: Contents,
) -> ServiceResult<BackupRecord> {
    let now = state.clock.now();
    let id = BackupId::new_random();
    let file_name = format::file_name(now, kind.as_str(), id.0);
    let new = NewBackup {
        id,
        storage_key: format!("{PREFIX}/{file_name}"),
        file_name,
        kind,
        status: BackupStatus::InProgress,
        schema_version: None,
        include_audit_logs: contents.include_audit_logs,
        include_sessions: contents.include_sessions,
        created_by_user_id: author.user_id,
        created_by_name: Some(author.name.clone()),
        holder: Some(crate::jobs::instance_name()),
        started_at: Some(now),
        heartbeat_at: Some(now),
        created_at: now,
        updated_at: now,
    };
    super::transaction(state, |conn| {
        let new = new.clone();
        async move {
            // One at a time: each holds a connection and a snapshot for as long as it writes,
            // and a burst of them would leave requests without connections.
            if let Some(running) = db::backups::in_progress(conn).await? {
                return Err(ServiceError::conflict(format!(
                    "A backup is already being written ({}); try again once it has finished.",
                    running.file_name
                )));
            }
            let record = db::backups::insert(conn, &new).await?;
            let event =
                AuditEvent::new(AuditAction::BackupCreated, ENTITY_BACKUP, Some(record.id.0))
                    .after(audit::snapshot(&record));
            audit::record(conn, &author.meta, author.user_id, &event, now).await?;
            Ok(record)
        }
        .scope_boxed()
    })
    .await
}

/// Writes the file of the IN_PROGRESS `record` and completes the record, or fails it with the
/// error.
async fn write(
    state: &AppState,
    author: &Author,
    record: BackupRecord,
    progress: &Progress,
) -> ServiceResult<BackupRecord> {
    let heartbeat = spawn_heartbeat(state.clone(), record.id);
    let written = write_file(state, author, &record, progress).await;
    heartbeat.abort();
    let now = state.clock.now();
    let mut conn = state.db.get().await?;
    match written {
        Ok(written) => {
            let done = Completion {
                size_bytes: i64::try_from(written.file_bytes).unwrap_or(i64::MAX),
                sha256: written.file_sha256,
                data_sha256: written.manifest.sha256.clone(),
                data_bytes: i64::try_from(written.manifest.data_bytes).unwrap_or(i64::MAX),
                row_counts: json!(written.manifest.row_counts),
            };
            // The row comes back whole: its schema version was set when the snapshot began.
            let record = db::backups::complete(&mut conn, record.id, &done, now).await?;
            tracing::info!(backup = %record.file_name, bytes = done.size_bytes, "backup completed");
            Ok(record)
        }
        Err(err) => {
            let message = match &err {
                ServiceError::BadInput { message, .. } => message.clone(),
                other => other.to_string(),
            };
            let failed = db::backups::fail(&mut conn, record.id, &message, now).await?;
            let event =
                AuditEvent::new(AuditAction::BackupFailed, ENTITY_BACKUP, Some(record.id.0))
                    .after(audit::snapshot(&failed));
            audit::record(&mut conn, &author.meta, author.user_id, &event, now).await?;
            Err(err)
        }
    }
}

async fn write_file(
    state: &AppState,
    author: &Author,
    record: &BackupRecord,
    progress: &Progress,
) -> ServiceResult<export::Written> {
    let mut conn = state.db.get().await?;
    let schema_version = db::backups::schema_version(&mut conn).await?;
    db::backups::set_schema_version(&mut conn, record.id, &schema_version).await?;
    let request = Request {
        schema_version,
        created_at: record.created_at,
        created_by: author.name.clone(),
        contents: Contents {
            include_audit_logs: record.include_audit_logs,
            include_sessions: record.include_sessions,
        },
    };
    let mut writer = state
        .storage
        .writer(&record.storage_key)
        .await
        .map_err(internal)?;
    match export::export(&mut conn, &request, &mut writer, progress).await {
        Ok(written) => {
            writer.finish().await.map_err(internal)?;
            Ok(written)
        }
        Err(err) => {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(error = %abort, "could not abandon a failed backup's upload");
            }
            Err(err.into())
        }
    }
}

fn internal(err: impl std::error::Error + Send + Sync + 'static) -> ServiceError {
    ServiceError::Internal(anyhow::Error::new(err))
}

fn spawn_heartbeat(state: AppState, id: BackupId) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(HEARTBEAT_EVERY);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let beat = async {
                let mut conn = state.db.get().await?;
                db::backups::beat(&mut conn, id, state.clock.now()).await?;
                anyhow::Ok(())
            };
            if let Err(err) = beat.await {
                tracing::warn!(error = %err, backup = %id, "could not beat a backup's heartbeat");
            }
        }
    })
}

/// Marks FAILED the backups whose process stopped beating; how many there were.
pub async fn fail_abandoned(state: &AppState) -> ServiceResult<usize> {
    let now = state.clock.now();
    let mut conn = state.db.get().await?;
    let failed =
        db::backups::fail_abandoned(&mut conn, now - rules::HEARTBEAT_TIMEOUT, now).await?;
    for record in &failed {
        tracing::warn!(backup = %record.file_name, "a backup's process stopped; marked FAILED");
        if let Err(err) = state.storage.discard_incomplete(&record.storage_key).await {
            tracing::warn!(error = %err, backup = %record.file_name, "could not remove an interrupted backup's file");
        }
    }
    Ok(failed.len())
}

/// `deleteBackup`: the record is soft-deleted and the file removed from the store.
pub async fn delete(
    state: &AppState,
    caller: &Caller,
    id: BackupId,
) -> ServiceResult<BackupRecord> {
    can_manage(&caller.actor)?;
    let author = Author::of(state, caller).await?;
    remove(state, &author, id).await
}

async fn remove(state: &AppState, author: &Author, id: BackupId) -> ServiceResult<BackupRecord> {
    let now = state.clock.now();
    let record = super::transaction(state, |conn| {
        async move {
            let before = db::backups::find(conn, id).await?.ok_or_else(not_found)?;
            if before.status == BackupStatus::InProgress {
                return Err(ServiceError::conflict(
                    "This backup is still being written; delete it when it has finished.",
                ));
            }
            let after = db::backups::set_deleted(conn, id, now).await?;
            let event = AuditEvent::new(AuditAction::BackupDeleted, ENTITY_BACKUP, Some(id.0))
                .before(audit::snapshot(&before))
                .after(audit::snapshot(&after));
            audit::record(conn, &author.meta, author.user_id, &event, now).await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await?;
    state
        .storage
        .delete(&record.storage_key)
        .await
        .map_err(internal)?;
    Ok(record)
}

/// A backup's file as a stream, for `GET /backups/{id}/download` (administrators only).
pub async fn download(
    state: &AppState,
    caller: &Caller,
    id: BackupId,
) -> ServiceResult<(BackupRecord, crate::storage::ObjectReader)> {
    can_manage(&caller.actor)?;
    let mut conn = state.db.get().await?;
    let record = db::backups::find(&mut conn, id)
        .await?
        .filter(|record| record.status == BackupStatus::Completed)
        .ok_or_else(not_found)?;
    let reader = state
        .storage
        .read(&record.storage_key)
        .await
        .map_err(internal)?;
    Ok((record, reader))
}

/// What to restore.
#[derive(Debug, Clone)]
pub enum Target {
    /// A backup of the store, by its record.
    Record(Box<BackupRecord>),
    /// A backup file on this machine (`millennium backup restore FILE`).
    File(PathBuf),
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: format::Manifest,
    pub safety_backup: BackupRecord,
    /// Whether the restoring administrator keeps their account and session.
    pub caller_kept: bool,
    /// Sessions were not in the backup: everybody else must log in again.
    pub sessions_cleared: bool,
}

/// `restoreBackup(id, confirm)`: `confirm` must be the backup's file name.
pub async fn restore_by_id(
    state: &AppState,
    caller: &Caller,
    id: BackupId,
    confirm: &str,
) -> ServiceResult<Restored> {
    can_manage(&caller.actor)?;
    let mut conn = state.db.get().await?;
    let record = db::backups::find(&mut conn, id)
        .await?
        .ok_or_else(not_found)?;
    drop(conn);
    if record.status != BackupStatus::Completed {
        return Err(ServiceError::bad_input(
            "id",
            format!(
                "Only a completed backup can be restored; this one is {}.",
                record.status
            ),
        ));
    }
    if confirm.trim() != record.file_name {
        return Err(ServiceError::bad_input(
            "confirm",
            format!(
                "To restore, confirm with the backup's file name, {}.",
                record.file_name
            ),
        ));
    }
    let author = Author::of(state, caller).await?;
    // Run to the end even if the request is abandoned: the transaction is all or nothing,
    // but a restore half-way through its safety backup should still finish cleanly.
    let state = state.clone();
    let actor = caller.actor;
    tokio::spawn(async move {
        restore(
            &state,
            &author,
            Some(&actor),
            Target::Record(Box::new(record)),
            [&Progress::quiet(), &Progress::quiet()],
        )
        .await
    })
    .await
    .map_err(|err| ServiceError::Internal(anyhow::Error::new(err)))?
}

async fn open(state: &AppState, target: &Target) -> ServiceResult<Source> {
    match target {
        Target::Record(record) => {
            let object =
                state
                    .storage
                    .read(&record.storage_key)
                    .await
                    .map_err(|err| match err {
                        crate::storage::StorageError::NotFound(_) => ServiceError::bad_input(
                            "id",
                            "The backup's file is missing from the store.",
                        ),
                        other => internal(other),
                    })?;
            let stream = object.stream.map_err(std::io::Error::other);
            Ok(Box::pin(StreamReader::new(stream)))
        }
        Target::File(path) => Ok(restore::file_source(path).await?.0),
    }
}

/// Checks the backup of `target` in full without changing anything; refuses a damaged one, or
/// one of another schema version.
pub async fn verify(
    state: &AppState,
    target: &Target,
    progress: &Progress,
) -> ServiceResult<Verified> {
    let schema_version = {
        let mut conn = state.db.get().await?;
        db::backups::schema_version(&mut conn).await?
    };
    let verified = restore::verify(open(state, target).await?, &schema_version, progress).await?;
    if let Target::Record(record) = target
        && record
            .sha256
            .as_deref()
            .is_some_and(|sha256| sha256 != verified.file_sha256)
    {
        return Err(ServiceError::bad_input(
            "id",
            "The backup's file does not match the checksum recorded when it was taken: it was changed or damaged in the store.",
        ));
    }
    Ok(verified)
}

/// Replaces all data by the backup of `target`: verified first (reported to `check`), a
/// safety backup, then one transaction (reported to `load`). `actor` (an administrator
/// restoring through the API) keeps their account and their session.
pub async fn restore(
    state: &AppState,
    author: &Author,
    actor: Option<&Actor>,
    target: Target,
    [check, progress]: [&Progress; 2],
) -> ServiceResult<Restored> {
    verify(state, &target, check).await?;
    check.finish();
    progress.stage("taking a safety backup");
    let safety = take(
        state,
        author,
        BackupKind::Safety,
        Contents {
            include_audit_logs: true,
            include_sessions: true,
        },
        &Progress::quiet(),
    )
    .await?;
    let source = open(state, &target).await?;
    let session = state.direct.connect().await.map_err(BackupError::from)?;
    let now = state.clock.now();
    let backup = match &target {
        Target::Record(record) => json!({ "id": record.id, "fileName": record.file_name }),
        Target::File(path) => json!({ "file": path.display().to_string() }),
    };
    session
        .batch("BEGIN ISOLATION LEVEL READ COMMITTED")
        .await
        .map_err(BackupError::from)?;
    // Dropping the session on an error closes it, which rolls the transaction back.
    let (manifest, caller_kept) = replace(&session, source, actor, progress).await?;
    // In the same transaction: the audit log now is the backup's, plus this entry.
    let event = AuditEvent::new(AuditAction::SystemRestored, ENTITY_SYSTEM, None).metadata(json!({
        "backup": backup,
        "createdAt": manifest.created_at,
        "createdBy": manifest.created_by,
        "rowCounts": manifest.row_counts,
        "safetyBackup": { "id": safety.id, "fileName": safety.file_name },
        "sessionsCleared": !manifest.contents.include_sessions,
        "restoredBy": author.name,
    }));
    let actor_id = actor.map(|actor| actor.user_id).filter(|_| caller_kept);
    audit::record_in(&session, &author.meta, actor_id, &event, now)
        .await
        .map_err(BackupError::from)?;
    session.batch("COMMIT").await.map_err(BackupError::from)?;
    let sessions_cleared = !manifest.contents.include_sessions;
    Ok(Restored {
        manifest,
        safety_backup: safety,
        caller_kept,
        sessions_cleared,
    })
}

/// Inside the restore's transaction: empties every table of the backup format, loads the
/// backup, and keeps the restoring administrator's account and session.
async fn replace(
    session: &DirectSession,
    source: Source,
    actor: Option<&Actor>,
    progress: &Progress,
) -> Result<(format::Manifest, bool), BackupError> {
    session
        .batch("SET LOCAL statement_timeout = 0; SET LOCAL maintenance_work_mem = '256MB'")
        .await?;
    let kept = match actor {
        Some(actor) => Some(capture(session, actor).await?),
        None => None,
    };
    let schema_version = session.text(db::backups::SCHEMA_VERSION, &[]).await?;
    let names: Vec<&str> = TABLES.iter().map(|table| table.name).collect();
    // Loaded without keys, foreign keys and indexes, then built again in bulk: several times
    // faster than maintaining them row by row, and still all in this one transaction.
    let indexing = catalog::indexing(session, &names).await?;
    session
        .batch(&format!("TRUNCATE {}", names.join(", ")))
        .await?;
    catalog::run(session, &indexing.drop).await?;
    let verified = restore::load(session, source, &schema_version, progress).await?;
    progress.stage("building the indexes");
    catalog::run(session, &indexing.create)
        .await
        .map_err(|err| match err.as_db_error() {
            Some(db) => BackupError::invalid(format!(
                "The backup's rows break a rule of the database: {}",
                db.message()
            )),
            None => err.into(),
        })?;
    progress.stage("computing the daily figures");
    for statement in db::rollups::refresh_all_statements() {
        session.batch(&statement).await?;
    }
    let caller_kept = match (actor, kept) {
        (Some(_), Some(kept)) => keep(session, &kept).await?,
        _ => false,
    };
    Ok((verified.manifest, caller_kept))
}

/// The restoring administrator's account and session, as JSON rows.
struct Kept {
    user: String,
    sessions: String,
}

async fn capture(session: &DirectSession, actor: &Actor) -> Result<Kept, BackupError> {
    let user = session
        .text(
            "SELECT row_to_json(u)::text FROM users u WHERE u.id = $1",
            &[&actor.user_id.0],
        )
        .await?;
    let sessions = session
        .text(
            "SELECT COALESCE(json_agg(s), '[]')::text FROM staff_sessions s
              WHERE s.user_id = $1 AND s.family_id = $2",
            &[&actor.user_id.0, &actor.session_id.0],
        )
        .await?;
    Ok(Kept { user, sessions })
}

/// Puts the administrator's account (as it is now: password, role, unlocked) and session back
/// after the load; `false` when another live account of the backup holds their email.
async fn keep(session: &DirectSession, kept: &Kept) -> Result<bool, BackupError> {
    let restored = session
        .execute(
            "UPDATE users u SET email = k.email, password_hash = k.password_hash, role = k.role,
                    is_active = true, supervisor_id = NULL, locked_until = NULL,
                    failed_login_count = 0, deleted_at = NULL
               FROM json_populate_record(NULL::users, $1::text::json) k
              WHERE u.id = k.id
                AND NOT EXISTS (SELECT 1 FROM users o WHERE o.email = k.email AND o.id <> k.id
                                                        AND o.deleted_at IS NULL)",
            &[&kept.user],
        )
        .await?;
    let present = restored == 1
        || session
            .execute(
                "INSERT INTO users SELECT * FROM json_populate_record(NULL::users, $1::text::json) k
                  WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = k.id)
                    AND NOT EXISTS (SELECT 1 FROM users o WHERE o.email = k.email
                                                            AND o.deleted_at IS NULL)",
                &[&kept.user],
            )
            .await?
            == 1;
    if !present {
        return Ok(false);
    }
    session
        .execute(
            "DELETE FROM staff_sessions WHERE id IN
               (SELECT id FROM json_populate_recordset(NULL::staff_sessions, $1::text::json))",
            &[&kept.sessions],
        )
        .await?;
    session
        .execute(
            "INSERT INTO staff_sessions
             SELECT * FROM json_populate_recordset(NULL::staff_sessions, $1::text::json)",
            &[&kept.sessions],
        )
        .await?;
    Ok(true)
}

/// `backupSchedule`.
pub async fn schedule(state: &AppState, caller: &Caller) -> ServiceResult<BackupSchedule> {
    can_read(&caller.actor)?;
    let mut conn = state.db.get().await?;
    Ok(db::backups::schedule(&mut conn).await?)
}

/// `updateBackupSchedule`: the next run is computed in the company's time zone.
pub async fn update_schedule(
    state: &AppState,
    caller: &Caller,
    fields: ScheduleFields,
) -> ServiceResult<BackupSchedule> {
    can_manage(&caller.actor)?;
    if !(1..=3650).contains(&fields.retention_days) {
        return Err(ServiceError::bad_input(
            "retentionDays",
            "Keep backups from 1 to 3650 days.",
        ));
    }
    let now = state.clock.now();
    super::transaction(state, |conn| {
        let fields = fields.clone();
        async move {
            let before = db::backups::schedule_for_update(conn).await?;
            let zone = rules::time_zone(&db::settings::get(conn).await?.timezone);
            let next = rules::next_run(fields.frequency, now, zone);
            let after = db::backups::update_schedule(conn, &fields, next, now).await?;
            let event = AuditEvent::new(
                AuditAction::BackupScheduleUpdated,
                ENTITY_BACKUP_SCHEDULE,
                None,
            )
            .before(audit::snapshot(&before))
            .after(audit::snapshot(&after));
            audit::record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

/// What one look at the schedule found.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleOutcome {
    /// Disabled, or not due yet.
    NotDue,
    /// Due, but another instance holds (or completed) the run.
    NotOurs,
    /// This instance took the backup (and applied retention: the backups deleted).
    Ran {
        backup: BackupId,
        status: BackupStatus,
        deleted: Vec<BackupId>,
    },
}

/// How long the instance running a scheduled backup holds its lease.
const SCHEDULE_LEASE: TimeDelta = TimeDelta::hours(2);

/// Takes the scheduled backup if one is due and no instance has taken it; `holder` names this
/// instance in `job_leases`.
pub async fn run_schedule_once(state: &AppState, holder: &str) -> ServiceResult<ScheduleOutcome> {
    let now = state.clock.now();
    let mut conn = state.db.get().await?;
    let schedule = db::backups::schedule(&mut conn).await?;
    if schedule.frequency == BackupFrequency::Disabled {
        return Ok(ScheduleOutcome::NotDue);
    }
    let zone = rules::time_zone(&db::settings::get(&mut conn).await?.timezone);
    let Some(due) = schedule.next_backup_at else {
        let next = rules::next_run(schedule.frequency, now, zone);
        db::backups::schedule_ran(&mut conn, schedule.last_backup_at, next, now).await?;
        return Ok(ScheduleOutcome::NotDue);
    };
    if now < due {
        return Ok(ScheduleOutcome::NotDue);
    }
    let lease = rules::schedule_lease(due);
    if !db::job_leases::acquire(&mut conn, &lease, holder, now + SCHEDULE_LEASE, now).await? {
        return Ok(ScheduleOutcome::NotOurs);
    }
    drop(conn);
    let contents = Contents {
        include_audit_logs: schedule.include_audit_logs,
        include_sessions: schedule.include_sessions,
    };
    let author = Author::schedule();
    let record = begin(state, &author, BackupKind::Scheduled, contents).await?;
    let (status, deleted) = match write(state, &author, record.clone(), &Progress::quiet()).await {
        Ok(done) => {
            let retention = u32::try_from(schedule.retention_days).unwrap_or(1);
            (
                done.status,
                apply_retention(state, &author, retention).await?,
            )
        }
        Err(err) => {
            tracing::error!(error = %err, "the scheduled backup failed");
            (BackupStatus::Failed, Vec::new())
        }
    };
    let backup = record.id;
    let finished = state.clock.now();
    let mut conn = state.db.get().await?;
    let last = (status == BackupStatus::Completed)
        .then_some(finished)
        .or(schedule.last_backup_at);
    let next = rules::next_run(schedule.frequency, finished.max(due), zone);
    db::backups::schedule_ran(&mut conn, last, next, finished).await?;
    db::job_leases::complete(&mut conn, &lease, holder, finished).await?;
    Ok(ScheduleOutcome::Ran {
        backup,
        status,
        deleted,
    })
}

/// Deletes the backups past the schedule's retention (never the newest completed one, never a
/// manual one); their ids.
pub async fn apply_retention(
    state: &AppState,
    author: &Author,
    retention_days: u32,
) -> ServiceResult<Vec<BackupId>> {
    let now = state.clock.now();
    let completed = {
        let mut conn = state.db.get().await?;
        db::backups::completed(&mut conn).await?
    };
    let kept: Vec<rules::Kept> = completed
        .iter()
        .filter_map(|record| {
            Some(rules::Kept {
                id: record.id,
                kind: record.kind,
                completed_at: record.completed_at?,
            })
        })
        .collect();
    let expired = rules::expired(&kept, retention_days, now);
    for id in &expired {
        remove(state, author, *id).await?;
    }
    Ok(expired)
}

/// The schedule's next run, for the command line's `backup list`.
pub fn describe_next(schedule: &BackupSchedule) -> String {
    match (schedule.frequency, schedule.next_backup_at) {
        (BackupFrequency::Disabled, _) => "scheduled backups are disabled".into(),
        (frequency, Some(at)) => format!("next {frequency} backup at {at}"),
        (frequency, None) => format!("{frequency} backups, next run not computed yet"),
    }
}

//! Backups (SPEC 8.4): the `Backup` type, `backups`, `backup`, `backupSchedule`, and
//! `createBackup`, `deleteBackup`, `restoreBackup`, `updateBackupSchedule`.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::pagination::{Connection, PageArgs};
use super::scalars::parse_id;
use super::sensitive::sensitive;
use super::types::{User, found, id};
use crate::backup::format::Contents;
use crate::db;
use crate::db::backups::{BackupFilter as DbBackupFilter, ScheduleFields};
use crate::domain::BackupId;
use crate::services::backups as service;

/// Where a backup is in its life.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::backups::BackupStatus")]
pub enum BackupStatus {
    /// The file is being written.
    InProgress,
    /// The file is complete and stored.
    Completed,
    /// It failed; `errorMessage` says why.
    Failed,
}

/// Why a backup was taken.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::backups::BackupKind")]
pub enum BackupKind {
    /// Asked for by an administrator.
    Manual,
    /// Taken by the schedule.
    Scheduled,
    /// Taken just before a restore replaced the data.
    Safety,
}

/// How often the schedule takes a backup (at 02:00 in the company's time zone; weekly on
/// Mondays, monthly on the first).
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::backups::BackupFrequency")]
pub enum BackupFrequency {
    Daily,
    Weekly,
    Monthly,
    Disabled,
}

/// A backup: one gzip file of every table's rows with a manifest (schema version, row counts,
/// SHA-256), kept in the object store.
#[derive(Clone)]
pub struct Backup(pub db::backups::BackupRecord);

impl From<db::backups::BackupRecord> for Backup {
    fn from(row: db::backups::BackupRecord) -> Self {
        Self(row)
    }
}

#[Object]
impl Backup {
    async fn id(&self) -> ID {
        id(self.0.id.0)
    }

    /// The file's name; `restoreBackup` asks for it as confirmation.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }

    async fn kind(&self) -> BackupKind {
        self.0.kind.into()
    }

    async fn status(&self) -> BackupStatus {
        self.0.status.into()
    }

    /// Size of the stored (compressed) file, once completed.
    async fn size_bytes(&self) -> Option<i64> {
        self.0.size_bytes
    }

    /// SHA-256 of the stored file, checked before a restore.
    async fn sha256(&self) -> Option<&str> {
        self.0.sha256.as_deref()
    }

    /// The manifest's SHA-256 of the uncompressed data.
    async fn data_sha256(&self) -> Option<&str> {
        self.0.data_sha256.as_deref()
    }

    /// Size of the uncompressed data.
    async fn data_bytes(&self) -> Option<i64> {
        self.0.data_bytes
    }

    /// The latest migration of the database it was taken from; a restore needs the same.
    async fn schema_version(&self) -> Option<&str> {
        self.0.schema_version.as_deref()
    }

    /// Rows per table.
    async fn row_counts(&self) -> Option<Json<serde_json::Value>> {
        self.0.row_counts.clone().map(Json)
    }

    async fn include_audit_logs(&self) -> bool {
        self.0.include_audit_logs
    }

    async fn include_sessions(&self) -> bool {
        self.0.include_sessions
    }

    /// Who took it: an email, "schedule" or "command line (…)".
    async fn created_by_name(&self) -> Option<&str> {
        self.0.created_by_name.as_deref()
    }

    /// The administrator who took it, when the account still exists.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(user) = self.0.created_by_user_id else {
            return Ok(None);
        };
        Ok(found(ctx.loaders()?.user.load_one(user).await)?.map(User))
    }

    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }

    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }

    /// Why it failed.
    async fn error_message(&self) -> Option<&str> {
        self.0.error_message.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Where an administrator downloads the file (with the bearer token), once completed.
    async fn download_url(&self) -> Option<String> {
        (self.0.status == crate::domain::backups::BackupStatus::Completed)
            .then(|| format!("/backups/{}/download", self.0.id))
    }
}

/// The schedule of automatic backups.
#[derive(SimpleObject)]
pub struct BackupSchedule {
    frequency: BackupFrequency,
    /// Scheduled and safety backups older than this are deleted after each scheduled backup
    /// (never the newest completed one; manual backups are kept until deleted by hand).
    retention_days: i32,
    include_audit_logs: bool,
    include_sessions: bool,
    last_backup_at: Option<DateTime<Utc>>,
    next_backup_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

impl From<db::backups::BackupSchedule> for BackupSchedule {
    fn from(row: db::backups::BackupSchedule) -> Self {
        Self {
            frequency: row.frequency.into(),
            retention_days: row.retention_days,
            include_audit_logs: row.include_audit_logs,
            include_sessions: row.include_sessions,
            last_backup_at: row.last_backup_at,
            next_backup_at: row.next_backup_at,
            updated_at: row.updated_at,
        }
    }
}

/// What a restore did.
#[derive(SimpleObject)]
pub struct RestoreResult {
    /// The backup restored.
    backup: Backup,
    /// The backup of the data as it was just before, to undo the restore.
    safety_backup: Backup,
    /// Rows restored per table.
    row_counts: Json<serde_json::Value>,
    /// You keep your account (with your current password) and this session.
    caller_kept: bool,
    /// The backup held no sessions: everybody else must log in again.
    sessions_cleared: bool,
    /// What happened, in a sentence.
    message: String,
}

/// Narrows `backups`.
#[derive(InputObject, Default)]
pub struct BackupFilter {
    status: Option<BackupStatus>,
    kind: Option<BackupKind>,
}

#[derive(InputObject, Default)]
pub struct CreateBackupInput {
    /// Include the audit log (default true).
    include_audit_logs: Option<bool>,
    /// Include the staff's sessions (default false: after a restore, everybody logs in again).
    include_sessions: Option<bool>,
}

/// Changes to the schedule; an absent field keeps its value.
#[derive(InputObject, Default)]
pub struct UpdateBackupScheduleInput {
    frequency: Option<BackupFrequency>,
    retention_days: Option<i32>,
    include_audit_logs: Option<bool>,
    include_sessions: Option<bool>,
}

fn backup_id(raw: &ID) -> Result<BackupId> {
    Ok(parse_id(raw, "id")?)
}

#[derive(Default)]
pub struct BackupQuery;

#[Object]
impl BackupQuery {
    /// The backups, newest first (administrators and supervisors).
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn backups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<BackupFilter>,
    ) -> Result<Connection<Backup>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = DbBackupFilter {
            status: filter.status.map(Into::into),
            kind: filter.kind.map(Into::into),
        };
        let caller = ctx.request().caller()?;
        let page = service::list(
            ctx.state(),
            &caller,
            &filter,
            PageArgs::wants_total(ctx),
            args.page,
        )
        .await?;
        Ok(Connection::new(&page, args.page))
    }

    /// A backup by id (administrators and supervisors).
    #[graphql(guard = "LoggedIn")]
    async fn backup(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Backup>> {
        let id = backup_id(&id)?;
        let caller = ctx.request().caller()?;
        match service::get(ctx.state(), &caller, id).await {
            Ok(record) => Ok(Some(Backup(record))),
            Err(crate::services::ServiceError::NotFound(_)) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// The schedule of automatic backups (administrators and supervisors).
    #[graphql(guard = "LoggedIn")]
    async fn backup_schedule(&self, ctx: &Context<'_>) -> Result<BackupSchedule> {
        let caller = ctx.request().caller()?;
        Ok(service::schedule(ctx.state(), &caller).await?.into())
    }
}

#[derive(Default)]
pub struct BackupMutation;

#[Object]
impl BackupMutation {
    /// Starts a backup (administrators). It is written in the background: the backup comes
    /// back IN_PROGRESS, and `backup(id)` shows it COMPLETED (or FAILED, with the error).
    #[graphql(guard = "LoggedIn")]
    async fn create_backup(
        &self,
        ctx: &Context<'_>,
        input: Option<CreateBackupInput>,
    ) -> Result<Backup> {
        let input = input.unwrap_or_default();
        let contents = Contents {
            include_audit_logs: input.include_audit_logs.unwrap_or(true),
            include_sessions: input.include_sessions.unwrap_or(false),
        };
        let caller = ctx.request().caller()?;
        Ok(Backup(
            service::start(ctx.state(), &caller, contents).await?,
        ))
    }

    /// Deletes a backup and its file (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn delete_backup(&self, ctx: &Context<'_>, id: ID) -> Result<Backup> {
        let id = backup_id(&id)?;
        let caller = ctx.request().caller()?;
        Ok(Backup(service::delete(ctx.state(), &caller, id).await?))
    }

    /// Replaces ALL data by a completed backup's (administrators). `confirm` must be the
    /// backup's file name. The file is checked in full first (checksum, manifest, schema
    /// version) and a safety backup of the current data is taken; then every table is replaced
    /// in one transaction. You keep your account and this session.
    #[graphql(guard = "LoggedIn", directive = sensitive::apply(None))]
    async fn restore_backup(
        &self,
        ctx: &Context<'_>,
        id: ID,
        confirm: String,
    ) -> Result<RestoreResult> {
        let id = backup_id(&id)?;
        let caller = ctx.request().caller()?;
        let state = ctx.state();
        let restored = service::restore_by_id(state, &caller, id, &confirm).await?;
        let backup = service::get(state, &caller, id).await?;
        let message = if restored.sessions_cleared {
            "The data was restored. The backup held no sessions: everybody else must log in again."
        } else {
            "The data was restored, with the sessions of the backup."
        };
        Ok(RestoreResult {
            backup: Backup(backup),
            safety_backup: Backup(restored.safety_backup),
            row_counts: Json(serde_json::json!(restored.manifest.row_counts)),
            caller_kept: restored.caller_kept,
            sessions_cleared: restored.sessions_cleared,
            message: message.into(),
        })
    }

    /// Changes the schedule of automatic backups (administrators); the next run is computed
    /// in the company's time zone.
    #[graphql(guard = "LoggedIn")]
    async fn update_backup_schedule(
        &self,
        ctx: &Context<'_>,
        input: UpdateBackupScheduleInput,
    ) -> Result<BackupSchedule> {
        let caller = ctx.request().caller()?;
        let state = ctx.state();
        let current = service::schedule(state, &caller).await?;
        let fields = ScheduleFields {
            frequency: input.frequency.map_or(current.frequency, Into::into),
            retention_days: input.retention_days.unwrap_or(current.retention_days),
            include_audit_logs: input
                .include_audit_logs
                .unwrap_or(current.include_audit_logs),
            include_sessions: input.include_sessions.unwrap_or(current.include_sessions),
        };
        Ok(service::update_schedule(state, &caller, fields)
            .await?
            .into())
    }
}

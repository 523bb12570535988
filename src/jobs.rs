//! Scheduled jobs. The daily penalty job ([`services::charges::post_penalties`]) runs once per
//! day across every instance: an instance takes the day's lease in `job_leases`, runs the job
//! and marks the day completed; an instance that dies mid-job leaves a lease that expires, and
//! another takes it over (the job is idempotent, so a second attempt only finishes the work).
//! The daily cleanup ([`services::documents::remove_orphans`]) runs the same way under its own
//! lease, and so does the daily retention job ([`run_retention_once`]). Every look at a job is
//! counted for `/metrics` by job and outcome.

use std::time::Duration;

use chrono::{NaiveDate, TimeDelta};
use tokio::task::JoinHandle;

use crate::db;
use crate::db::retention::{Kept, delete_before};
use crate::services::backups::{self, ScheduleOutcome};
use crate::services::charges::{self, PenaltyRun};
use crate::services::documents::{self, OrphanSweep};
use crate::state::AppState;

/// How long an instance holds a job's lease before another may take it over.
pub const LEASE: TimeDelta = TimeDelta::minutes(15);
/// How often each instance looks for a job to run.
pub const CHECK_EVERY: Duration = Duration::from_secs(5 * 60);

/// The jobs, as `/metrics` names them.
pub const PENALTIES: &str = "penalties";
pub const CLEANUP: &str = "cleanup";
pub const BACKUP_SCHEDULE: &str = "backup_schedule";
pub const BACKUP_SWEEP: &str = "backup_sweep";
pub const RETENTION: &str = "retention";

/// What a look at a job came to, as `/metrics` names it.
pub const RAN: &str = "ran";
pub const FAILED: &str = "failed";
/// Another instance runs it, or it is done for the period.
pub const NOT_OURS: &str = "not_ours";
/// Nothing is due.
pub const NOT_DUE: &str = "not_due";

/// The lease of the penalty job for `day`.
pub fn penalty_lease(day: NaiveDate) -> String {
    format!("penalties:{day}")
}

/// What one look at the penalty job found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// This instance ran the day's job.
    Ran(PenaltyRun),
    /// The day is completed, or another instance holds its lease.
    NotOurs,
}

/// Runs today's penalty job if no instance has completed it or is running it; `holder` names
/// this instance.
pub async fn run_penalties_once(state: &AppState, holder: &str) -> anyhow::Result<Outcome> {
    let outcome = penalties_once(state, holder).await;
    let counted = match &outcome {
        Ok(Outcome::Ran(_)) => RAN,
        Ok(Outcome::NotOurs) => NOT_OURS,
        Err(_) => FAILED,
    };
    state.metrics.job_run(PENALTIES, counted);
    outcome
}

async fn penalties_once(state: &AppState, holder: &str) -> anyhow::Result<Outcome> {
    let today = state.clock.now().date_naive();
    let ran = under_lease(state, &penalty_lease(today), holder, || async {
        charges::post_penalties(state, today)
            .await
            .map_err(|err| anyhow::anyhow!("the penalty job failed: {err}"))
    })
    .await?;
    Ok(ran.map_or(Outcome::NotOurs, Outcome::Ran))
}

/// Runs `job` under the lease `name` — taken for [`LEASE`], marked completed when `job`
/// succeeds — unless another instance has completed that lease or holds it (`None`).
async fn under_lease<T, F, Fut>(
    state: &AppState,
    name: &str,
    holder: &str,
    job: F,
) -> anyhow::Result<Option<T>>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let now = state.clock.now();
    {
        let mut conn = state.db.get().await?;
        if !db::job_leases::acquire(&mut conn, name, holder, now + LEASE, now).await? {
            return Ok(None);
        }
    }
    let done = job().await?;
    let mut conn = state.db.get().await?;
    db::job_leases::complete(&mut conn, name, holder, state.clock.now()).await?;
    Ok(Some(done))
}

/// Stored documents younger than this are never swept: an upload writes its object a moment
/// before its row.
pub const ORPHAN_AGE: TimeDelta = TimeDelta::hours(1);

/// The lease of the cleanup job for `day`.
pub fn cleanup_lease(day: NaiveDate) -> String {
    format!("cleanup:{day}")
}

/// Runs today's cleanup — removing stored documents that no row refers to — if no instance
/// has completed it or is running it; `None` when it is not this instance's to run.
pub async fn run_cleanup_once(
    state: &AppState,
    holder: &str,
) -> anyhow::Result<Option<OrphanSweep>> {
    let outcome = cleanup_once(state, holder).await;
    let counted = match &outcome {
        Ok(Some(_)) => RAN,
        Ok(None) => NOT_OURS,
        Err(_) => FAILED,
    };
    state.metrics.job_run(CLEANUP, counted);
    outcome
}

async fn cleanup_once(state: &AppState, holder: &str) -> anyhow::Result<Option<OrphanSweep>> {
    let name = cleanup_lease(state.clock.now().date_naive());
    under_lease(state, &name, holder, || async {
        documents::remove_orphans(state, ORPHAN_AGE)
            .await
            .map_err(|err| anyhow::anyhow!("the cleanup job failed: {err}"))
    })
    .await
}

/// Sessions are kept this long after they end (expire or are revoked).
pub const ENDED_SESSIONS_KEPT: TimeDelta = TimeDelta::days(30);

/// The lease of the retention job for `day`.
pub fn retention_lease(day: NaiveDate) -> String {
    format!("retention:{day}")
}

/// Rows one retention run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionRun {
    pub sessions: u64,
    pub login_history: u64,
    pub audit_logs: u64,
}

/// Runs today's retention — deleting sessions ended 30 days ago, and login attempts and audit
/// rows older than `RETAIN_LOGIN_HISTORY_DAYS` and `RETAIN_AUDIT_DAYS` (0 keeps them) — if no
/// instance has completed it or is running it; `None` when it is not this instance's to run.
pub async fn run_retention_once(
    state: &AppState,
    holder: &str,
) -> anyhow::Result<Option<RetentionRun>> {
    let outcome = retention_once(state, holder).await;
    let counted = match &outcome {
        Ok(Some(run)) => {
            state
                .metrics
                .retention_deleted(Kept::EndedSessions.table(), run.sessions);
            state
                .metrics
                .retention_deleted(Kept::LoginHistory.table(), run.login_history);
            state
                .metrics
                .retention_deleted(Kept::AuditLogs.table(), run.audit_logs);
            RAN
        }
        Ok(None) => NOT_OURS,
        Err(_) => FAILED,
    };
    state.metrics.job_run(RETENTION, counted);
    outcome
}

async fn retention_once(state: &AppState, holder: &str) -> anyhow::Result<Option<RetentionRun>> {
    let now = state.clock.now();
    under_lease(
        state,
        &retention_lease(now.date_naive()),
        holder,
        || async {
            let mut conn = state.db.get().await?;
            let kept = state.config.retention;
            let days = |days: u32| (days > 0).then(|| now - TimeDelta::days(i64::from(days)));
            let mut run = RetentionRun {
                sessions: delete_before(&mut conn, Kept::EndedSessions, now - ENDED_SESSIONS_KEPT)
                    .await?,
                ..RetentionRun::default()
            };
            if let Some(cutoff) = days(kept.login_history_days) {
                run.login_history = delete_before(&mut conn, Kept::LoginHistory, cutoff).await?;
            }
            if let Some(cutoff) = days(kept.audit_days) {
                run.audit_logs = delete_before(&mut conn, Kept::AuditLogs, cutoff).await?;
            }
            Ok(run)
        },
    )
    .await
}

/// A name for this instance in `job_leases`: host, process and a random part.
pub fn instance_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// Starts the scheduler: every [`CHECK_EVERY`], the penalty job and the cleanup of stored
/// documents if today's are not done, the scheduled backup if one is due, and the sweep of
/// backups whose process died.
pub fn spawn(state: AppState) -> JoinHandle<()> {
    let holder = instance_name();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(CHECK_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match backups::fail_abandoned(&state).await {
                Ok(_) => state.metrics.job_run(BACKUP_SWEEP, RAN),
                Err(err) => {
                    state.metrics.job_run(BACKUP_SWEEP, FAILED);
                    tracing::error!(error = %err, "could not sweep abandoned backups");
                }
            }
            match backups::run_schedule_once(&state, &holder).await {
                Ok(ScheduleOutcome::Ran {
                    backup,
                    status,
                    deleted,
                }) => {
                    state.metrics.job_run(BACKUP_SCHEDULE, RAN);
                    tracing::info!(
                        %backup,
                        %status,
                        deleted = deleted.len(),
                        "the scheduled backup ran"
                    );
                }
                Ok(ScheduleOutcome::NotDue) => state.metrics.job_run(BACKUP_SCHEDULE, NOT_DUE),
                Ok(ScheduleOutcome::NotOurs) => state.metrics.job_run(BACKUP_SCHEDULE, NOT_OURS),
                Err(err) => {
                    state.metrics.job_run(BACKUP_SCHEDULE, FAILED);
                    tracing::error!(error = %err, holder, "the scheduled backup failed; it is tried again later")
                }
            }
            match run_penalties_once(&state, &holder).await {
                Ok(Outcome::Ran(run)) => tracing::info!(
                    as_of = %run.as_of,
                    charges_posted = run.charges_posted,
                    loans_charged = run.loans_charged,
                    installments_overdue = run.installments_overdue,
                    loans_defaulted = run.loans_defaulted,
                    loans_replayed = run.loans_replayed,
                    "the daily penalty job ran"
                ),
                Ok(Outcome::NotOurs) => {}
                Err(err) => {
                    tracing::error!(error = %err, holder, "the daily penalty job failed; it is tried again later")
                }
            }
            match run_retention_once(&state, &holder).await {
                Ok(Some(run)) => tracing::info!(
                    sessions = run.sessions,
                    login_history = run.login_history,
                    audit_logs = run.audit_logs,
                    "the daily retention job ran"
                ),
                Ok(None) => {}
                Err(err) => {
                    tracing::error!(error = %err, holder, "the daily retention job failed; it is tried again later")
                }
            }
            match run_cleanup_once(&state, &holder).await {
                Ok(Some(sweep)) => tracing::info!(
                    objects = sweep.objects,
                    fresh = sweep.fresh,
                    removed = sweep.removed,
                    "the daily cleanup of stored documents ran"
                ),
                Ok(None) => {}
                Err(err) => {
                    tracing::error!(error = %err, holder, "the daily cleanup failed; it is tried again later")
                }
            }
        }
    })
}

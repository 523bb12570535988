//! Password attempts under the lockout (SPEC 7), shared by `login` and `changePassword`.
//!
//! Counting a failure and deciding to check a password are one atomic step per email: an
//! attempt first locks the email's `login_throttles` row, counts the failures and the checks
//! still in progress, and either refuses (locked) or records itself as `PENDING` — which
//! counts as a failure until it is settled — before the lock is released and the (slow)
//! password check runs without holding a connection. However many attempts arrive at once,
//! at most five passwords per window are checked. Settling takes the same lock, so a lock is
//! announced (audited) exactly once. Refusals and new locks are counted for `/metrics` once
//! their transaction has committed.

use chrono::{DateTime, Utc};
use scoped_futures::ScopedFutureExt;
use serde_json::json;

use super::RequestMeta;
use super::audit::{self, AuditEvent};
use super::error::ServiceResult;
use crate::db::{self, DbConn};
use crate::domain::audit::{AuditAction, ENTITY_USER};
use crate::domain::sessions::LoginFailure;
use crate::domain::{LoginAttemptId, UserId, lockout};
use crate::state::AppState;

/// One attempt to prove a password for `email`.
pub struct Attempt<'a> {
    pub meta: &'a RequestMeta,
    /// The account the email belongs to, if any.
    pub user_id: Option<UserId>,
    /// As stored in the history: normalised, or the safe record of a refused input.
    pub email: &'a str,
    pub now: DateTime<Utc>,
}

/// Whether a password may be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Checked: the attempt is recorded as pending and must be settled.
    Open(LoginAttemptId),
    /// Refused without a check: the account is locked until then (or enough checks are in
    /// progress that it may be).
    Locked(DateTime<Utc>),
}

impl Attempt<'_> {
    /// Takes a place for a password check, or refuses one while the email is locked.
    pub async fn reserve(&self, state: &AppState) -> ServiceResult<Gate> {
        let gate = super::locking_transaction(state, |conn| {
            async move {
                db::login_throttles::lock(conn, self.email, self.now).await?;
                let holding = db::login_history::failures_since(
                    conn,
                    self.email,
                    lockout::relevant_since(self.now),
                    LoginFailure::COUNTED_OR_PENDING,
                )
                .await?;
                if let Some(until) = lockout::locked_until(&holding, self.now) {
                    self.insert(conn, Some(LoginFailure::Locked)).await?;
                    return Ok(Gate::Locked(until));
                }
                let id = self.insert(conn, Some(LoginFailure::Pending)).await?;
                Ok(Gate::Open(id))
            }
            .scope_boxed()
        })
        .await?;
        if matches!(gate, Gate::Locked(_)) {
            state.metrics.login_failure(LoginFailure::Locked.as_str());
        }
        Ok(gate)
    }

    /// Settles a reserved attempt as a counted failure, with `event` (if any) audited in the
    /// same transaction; returns the lock it completes, which is audited once.
    pub async fn failed(
        &self,
        state: &AppState,
        id: LoginAttemptId,
        reason: LoginFailure,
        event: Option<AuditEvent<'_>>,
    ) -> ServiceResult<Option<DateTime<Utc>>> {
        let event = &event;
        let (locked_until, newly_locked) = super::locking_transaction(state, |conn| {
            async move {
                let announced = db::login_throttles::lock(conn, self.email, self.now).await?;
                db::login_history::settle(conn, id, Some(reason)).await?;
                let failures = db::login_history::failures_since(
                    conn,
                    self.email,
                    lockout::relevant_since(self.now),
                    LoginFailure::COUNTED,
                )
                .await?;
                let locked_until = lockout::locked_until(&failures, self.now);
                let failed_count = i32::try_from(failures.len()).unwrap_or(i32::MAX);
                if let Some(user_id) = self.user_id {
                    db::users::record_login_failure(
                        conn,
                        user_id,
                        failed_count,
                        locked_until,
                        self.now,
                    )
                    .await?;
                }
                if let Some(event) = event {
                    audit::record(conn, self.meta, self.user_id, event, self.now).await?;
                }
                let newly_locked = locked_until
                    .filter(|until| announced.is_none_or(|announced| announced < *until));
                if let Some(until) = newly_locked {
                    db::login_throttles::set_locked_until(conn, self.email, until, self.now)
                        .await?;
                    let event = AuditEvent::new(
                        AuditAction::AccountLocked,
                        ENTITY_USER,
                        self.user_id.map(|id| id.0),
                    )
                    .metadata(json!({
                        "email": self.email,
                        "lockedUntil": until,
                        "failures": failed_count,
                    }));
                    audit::record(conn, self.meta, None, &event, self.now).await?;
                }
                Ok((locked_until, newly_locked.is_some()))
            }
            .scope_boxed()
        })
        .await?;
        state.metrics.login_failure(reason.as_str());
        if newly_locked {
            state.metrics.lockout();
        }
        Ok(locked_until)
    }

    /// Settles a reserved attempt as a refusal that does not count (a deactivated account).
    pub async fn refused_after_check(
        &self,
        state: &AppState,
        id: LoginAttemptId,
        reason: LoginFailure,
    ) -> ServiceResult<()> {
        super::transaction(state, |conn| {
            async move { Ok(db::login_history::settle(conn, id, Some(reason)).await?) }
                .scope_boxed()
        })
        .await?;
        state.metrics.login_failure(reason.as_str());
        Ok(())
    }

    /// Records a refusal made before any check (the input could not be a credential).
    pub async fn refused(&self, state: &AppState, reason: LoginFailure) -> ServiceResult<()> {
        super::transaction(state, |conn| {
            async move { self.insert(conn, Some(reason)).await.map(drop) }.scope_boxed()
        })
        .await?;
        state.metrics.login_failure(reason.as_str());
        Ok(())
    }

    async fn insert(
        &self,
        conn: &mut DbConn,
        failure: Option<LoginFailure>,
    ) -> ServiceResult<LoginAttemptId> {
        Ok(db::login_history::insert(
            conn,
            &db::login_history::NewLoginAttempt {
                user_id: self.user_id,
                email_tried: self.email,
                login_at: self.now,
                ip_address: self.meta.ip_address.as_deref(),
                user_agent: self.meta.user_agent.as_deref(),
                success: failure.is_none(),
                failure_reason: failure,
            },
        )
        .await?)
    }
}

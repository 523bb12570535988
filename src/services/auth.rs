//! Staff authentication (SPEC 7): login with lockout, refresh-token rotation with reuse
//! detection, logout, the session list, password change, and turning a bearer token into the
//! request's [`Actor`].

use chrono::{DateTime, Utc};
use scoped_futures::ScopedFutureExt;
use serde_json::json;

use super::RequestMeta;
use super::audit::{self, AuditEvent};
use super::error::{ServiceError, ServiceResult};
use crate::auth::tokens::{self, IssuedAccessToken, TokenError};
use crate::config::Secret;
use crate::db::{self, DbConn, sessions::Session, users::User};
use crate::domain::audit::{AuditAction, ENTITY_USER};
use crate::domain::permissions::Actor;
use crate::domain::sessions::{self, LoginFailure, REFRESH_TOKEN_TTL, RevokeReason};
use crate::domain::{SessionFamilyId, UserId, lockout, password_policy};
use crate::state::AppState;

const INVALID_CREDENTIALS: &str = "Invalid email or password.";
const INVALID_REFRESH: &str = "The refresh token is invalid or has expired. Log in again.";
const REFRESH_REUSED: &str =
    "This refresh token was already used, so the session was ended for safety. Log in again.";
const DEACTIVATED: &str = "This account is deactivated. Ask an administrator to reactivate it.";

/// A new or refreshed session, as returned by `login` and `refreshSession`.
pub struct IssuedSession {
    pub access: IssuedAccessToken,
    pub refresh_token: Secret,
    pub refresh_expires_at: DateTime<Utc>,
    pub session_id: SessionFamilyId,
    pub user: User,
}

/// Why a presented access token does not make an actor.
#[derive(Debug, thiserror::Error)]
pub enum AuthenticationError {
    /// Malformed, forged, expired, or its session/user is no longer live: HTTP 401.
    #[error("the access token is not valid: {0}")]
    Rejected(String),
    /// The database could not be asked.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Confirms a bearer token and loads who it belongs to, with a single database read: the user
/// must be live and active and the token's session not revoked.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Actor, AuthenticationError> {
    let now = state.clock.now();
    let claims = state.tokens.verify(token, now).map_err(|err| match err {
        TokenError::Expired => AuthenticationError::Rejected("expired".into()),
        TokenError::Invalid(reason) => AuthenticationError::Rejected(reason),
    })?;
    let mut conn = state.db.get().await.map_err(ServiceError::from)?;
    let caller = db::sessions::find_live_caller(&mut conn, claims.user_id, claims.session_id, now)
        .await
        .map_err(ServiceError::from)?
        .ok_or_else(|| AuthenticationError::Rejected("session or user no longer live".into()))?;
    Ok(Actor {
        user_id: caller.user_id,
        role: caller.role,
        supervisor_id: caller.supervisor_id,
        session_id: claims.session_id,
    })
}

/// Logs a member of staff in. Unknown emails and wrong passwords get the same answer after the
/// same work; five counted failures in fifteen minutes lock the email for fifteen minutes.
pub async fn login(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
    password: &Secret,
) -> ServiceResult<IssuedSession> {
    let now = state.clock.now();
    let email = email.trim().to_lowercase();
    let (user, failures) = {
        let mut conn = state.db.get().await?;
        let user = db::users::find_live_by_email(&mut conn, &email).await?;
        let since = lockout::relevant_since(now);
        let failures = db::login_history::counted_failures_since(&mut conn, &email, since).await?;
        (user, failures)
    };
    let stored_hash = user.as_ref().map(|user| user.password_hash.as_str());
    let password_ok = state.passwords.verify(password, stored_hash).await?;
    let attempt = Attempt {
        meta,
        user_id: user.as_ref().map(|user| user.id),
        email: &email,
        now,
    };

    if let Some(until) = lockout::locked_until(&failures, now) {
        attempt.refused(state, LoginFailure::Locked).await?;
        return Err(ServiceError::AccountLocked { until });
    }
    match user {
        Some(user) if password_ok && user.is_active => start_session(state, meta, user, now).await,
        Some(_) if password_ok => {
            attempt.refused(state, LoginFailure::Inactive).await?;
            Err(ServiceError::Unauthenticated(DEACTIVATED.into()))
        }
        _ => match attempt.failed(state, failures).await? {
            Some(until) => Err(ServiceError::AccountLocked { until }),
            None => Err(ServiceError::Unauthenticated(INVALID_CREDENTIALS.into())),
        },
    }
}

/// A login attempt being recorded in the history.
struct Attempt<'a> {
    meta: &'a RequestMeta,
    user_id: Option<UserId>,
    email: &'a str,
    now: DateTime<Utc>,
}

impl Attempt<'_> {
    /// Records a refusal that does not count toward a lockout (locked, deactivated).
    async fn refused(&self, state: &AppState, reason: LoginFailure) -> ServiceResult<()> {
        super::transaction(state, |conn| {
            async move { self.insert(conn, Some(reason)).await }.scope_boxed()
        })
        .await
    }

    /// Records a counted failure (wrong password or unknown email), given the earlier counted
    /// failures; returns the lock it causes, which is audited.
    async fn failed(
        &self,
        state: &AppState,
        mut counted: Vec<DateTime<Utc>>,
    ) -> ServiceResult<Option<DateTime<Utc>>> {
        counted.push(self.now);
        let reason = if self.user_id.is_some() {
            LoginFailure::WrongPassword
        } else {
            LoginFailure::UnknownEmail
        };
        let locked_until = lockout::locked_until(&counted, self.now);
        let failed_count = i32::try_from(counted.len()).unwrap_or(i32::MAX);
        super::transaction(state, |conn| {
            async move {
                self.insert(conn, Some(reason)).await?;
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
                if let Some(until) = locked_until {
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
                Ok(())
            }
            .scope_boxed()
        })
        .await?;
        Ok(locked_until)
    }

    async fn insert(&self, conn: &mut DbConn, failure: Option<LoginFailure>) -> ServiceResult<()> {
        db::login_history::insert(
            conn,
            &db::login_history::NewLoginAttempt {
                user_id: self.user_id,
                email_tried: self.email,
                login_at: self.now,
                ip_address: self.meta.ip_address.as_deref(),
                user_agent: self.meta.user_agent.as_deref(),
                success: failure.is_none(),
                failure_reason: failure.map(LoginFailure::as_str),
            },
        )
        .await?;
        Ok(())
    }
}

/// A successful login: a new session family, the oldest sessions beyond the limit revoked.
async fn start_session(
    state: &AppState,
    meta: &RequestMeta,
    user: User,
    now: DateTime<Utc>,
) -> ServiceResult<IssuedSession> {
    let family = SessionFamilyId::new_random();
    let refresh_token = tokens::new_refresh_token();
    let refresh_hash = tokens::hash_refresh_token(refresh_token.expose());
    let refresh_expires_at = now + REFRESH_TOKEN_TTL;
    let (user_id, email) = (user.id, user.email.as_str());
    let refresh_hash = refresh_hash.as_str();
    let user = super::transaction(state, |conn| {
        async move {
            let attempt = Attempt {
                meta,
                user_id: Some(user_id),
                email,
                now,
            };
            attempt.insert(conn, None).await?;
            db::users::record_login_success(conn, user_id, now).await?;
            db::sessions::insert(
                conn,
                &db::sessions::NewSession {
                    user_id,
                    family_id: family,
                    refresh_token_hash: refresh_hash,
                    user_agent: meta.user_agent.as_deref(),
                    ip_address: meta.ip_address.as_deref(),
                    created_at: now,
                    last_used_at: now,
                    expires_at: refresh_expires_at,
                },
            )
            .await?;
            let live: Vec<_> = db::sessions::live_for_user(conn, user_id, now)
                .await?
                .iter()
                .map(|session| (session.family_id, session.created_at))
                .collect();
            let excess = sessions::families_over_limit(&live);
            db::sessions::revoke_families(conn, user_id, &excess, RevokeReason::SessionLimit, now)
                .await?;
            let event = AuditEvent::new(AuditAction::Login, ENTITY_USER, Some(user_id.0))
                .metadata(json!({ "sessionId": family, "sessionsEnded": excess }));
            audit::record(conn, meta, Some(user_id), &event, now).await?;
            db::users::find_live(conn, user_id)
                .await?
                .ok_or_else(|| ServiceError::Unauthenticated(INVALID_CREDENTIALS.into()))
        }
        .scope_boxed()
    })
    .await?;
    let access = state
        .tokens
        .issue(user.id, family, now)
        .map_err(ServiceError::internal)?;
    Ok(IssuedSession {
        access,
        refresh_token,
        refresh_expires_at,
        session_id: family,
        user,
    })
}

enum RefreshOutcome {
    Refreshed(Box<User>, SessionFamilyId),
    Invalid,
    Reused,
}

/// Exchanges a refresh token for a new pair. The presented token is retired; presenting a
/// retired token again revokes its whole family.
pub async fn refresh(
    state: &AppState,
    meta: &RequestMeta,
    refresh_token: &Secret,
) -> ServiceResult<IssuedSession> {
    let now = state.clock.now();
    let presented_hash = tokens::hash_refresh_token(refresh_token.expose());
    let next_token = tokens::new_refresh_token();
    let next_hash = tokens::hash_refresh_token(next_token.expose());
    let refresh_expires_at = now + REFRESH_TOKEN_TTL;
    let (presented_hash, next_hash) = (presented_hash.as_str(), next_hash.as_str());

    let outcome = super::transaction(state, |conn| {
        async move {
            let Some(row) =
                db::sessions::find_by_token_hash_for_update(conn, presented_hash).await?
            else {
                return Ok(RefreshOutcome::Invalid);
            };
            if row.revoked_at.is_some() {
                if row.revoked_reason.as_deref() != Some(RevokeReason::Rotated.as_str()) {
                    return Ok(RefreshOutcome::Invalid);
                }
                let ended = db::sessions::revoke_families(
                    conn,
                    row.user_id,
                    &[row.family_id],
                    RevokeReason::ReuseDetected,
                    now,
                )
                .await?;
                let event = AuditEvent::new(
                    AuditAction::RefreshTokenReused,
                    ENTITY_USER,
                    Some(row.user_id.0),
                )
                .metadata(json!({ "sessionId": row.family_id, "tokensRevoked": ended }));
                audit::record(conn, meta, None, &event, now).await?;
                return Ok(RefreshOutcome::Reused);
            }
            if row.expires_at <= now {
                return Ok(RefreshOutcome::Invalid);
            }
            let user = match db::users::find_live(conn, row.user_id).await? {
                Some(user) if user.is_active => user,
                _ => {
                    db::sessions::revoke_families(
                        conn,
                        row.user_id,
                        &[row.family_id],
                        RevokeReason::AccountDisabled,
                        now,
                    )
                    .await?;
                    return Ok(RefreshOutcome::Invalid);
                }
            };
            db::sessions::revoke(conn, row.id, RevokeReason::Rotated, now).await?;
            db::sessions::insert(
                conn,
                &db::sessions::NewSession {
                    user_id: row.user_id,
                    family_id: row.family_id,
                    refresh_token_hash: next_hash,
                    user_agent: meta.user_agent.as_deref(),
                    ip_address: meta.ip_address.as_deref(),
                    created_at: row.created_at,
                    last_used_at: now,
                    expires_at: refresh_expires_at,
                },
            )
            .await?;
            let event =
                AuditEvent::new(AuditAction::SessionRefreshed, ENTITY_USER, Some(user.id.0))
                    .metadata(json!({ "sessionId": row.family_id }));
            audit::record(conn, meta, Some(user.id), &event, now).await?;
            Ok(RefreshOutcome::Refreshed(Box::new(user), row.family_id))
        }
        .scope_boxed()
    })
    .await;

    match outcome? {
        RefreshOutcome::Refreshed(user, family) => {
            let access = state
                .tokens
                .issue(user.id, family, now)
                .map_err(ServiceError::internal)?;
            Ok(IssuedSession {
                access,
                refresh_token: next_token,
                refresh_expires_at,
                session_id: family,
                user: *user,
            })
        }
        RefreshOutcome::Invalid => Err(ServiceError::Unauthenticated(INVALID_REFRESH.into())),
        RefreshOutcome::Reused => Err(ServiceError::Unauthenticated(REFRESH_REUSED.into())),
    }
}

/// Which of the actor's sessions to end.
#[derive(Debug, Clone, Copy)]
enum Ending {
    /// The session of the request (`logout`).
    This,
    /// Every other session (`logoutOtherSessions`).
    Others,
    /// One session of the actor's, by id (`revokeSession`).
    One(SessionFamilyId),
}

/// Ends the actor's current session.
pub async fn logout(state: &AppState, meta: &RequestMeta, actor: &Actor) -> ServiceResult<()> {
    end_sessions(state, meta, actor, Ending::This)
        .await
        .map(drop)
}

/// Ends every session of the actor but the current one; returns how many ended.
pub async fn logout_other_sessions(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
) -> ServiceResult<usize> {
    end_sessions(state, meta, actor, Ending::Others).await
}

/// Ends one of the actor's own live sessions.
pub async fn revoke_session(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    session: SessionFamilyId,
) -> ServiceResult<()> {
    end_sessions(state, meta, actor, Ending::One(session))
        .await
        .map(drop)
}

async fn end_sessions(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    ending: Ending,
) -> ServiceResult<usize> {
    let now = state.clock.now();
    let user = actor.user_id;
    super::transaction(state, |conn| {
        async move {
            let (ended, action) = match ending {
                Ending::This => {
                    let families = [actor.session_id];
                    let ended = db::sessions::revoke_families(
                        conn,
                        user,
                        &families,
                        RevokeReason::Logout,
                        now,
                    );
                    (ended.await?, AuditAction::Logout)
                }
                Ending::Others => {
                    let ended = db::sessions::revoke_all_for_user_except(
                        conn,
                        user,
                        Some(actor.session_id),
                        RevokeReason::LogoutOthers,
                        now,
                    );
                    (ended.await?, AuditAction::LogoutOtherSessions)
                }
                Ending::One(session) => {
                    let families = [session];
                    let ended = db::sessions::revoke_families(
                        conn,
                        user,
                        &families,
                        RevokeReason::RevokedByUser,
                        now,
                    );
                    match ended.await? {
                        0 => return Err(ServiceError::NotFound("Session not found.".into())),
                        ended => (ended, AuditAction::SessionRevoked),
                    }
                }
            };
            let ended_session = match ending {
                Ending::One(session) => session,
                Ending::This | Ending::Others => actor.session_id,
            };
            let metadata = json!({ "sessionId": ended_session, "sessionsEnded": ended });
            audit_own(conn, meta, actor, action, metadata, now).await?;
            Ok(ended)
        }
        .scope_boxed()
    })
    .await
}

/// Audits an event of the actor about their own account.
async fn audit_own(
    conn: &mut DbConn,
    meta: &RequestMeta,
    actor: &Actor,
    action: AuditAction,
    metadata: serde_json::Value,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let event = AuditEvent::new(action, ENTITY_USER, Some(actor.user_id.0)).metadata(metadata);
    audit::record(conn, meta, Some(actor.user_id), &event, now).await?;
    Ok(())
}

/// The actor's live sessions, oldest first.
pub async fn my_sessions(state: &AppState, actor: &Actor) -> ServiceResult<Vec<Session>> {
    let mut conn = state.db.get().await?;
    Ok(db::sessions::live_for_user(&mut conn, actor.user_id, state.clock.now()).await?)
}

/// Changes the actor's password and ends their other sessions.
pub async fn change_password(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    current: &Secret,
    new: &Secret,
) -> ServiceResult<()> {
    password_policy::check(new.expose())
        .map_err(|err| ServiceError::bad_input("newPassword", err.to_string()))?;
    let user = current_user(state, actor).await?;
    if !state
        .passwords
        .verify(current, Some(&user.password_hash))
        .await?
    {
        return Err(ServiceError::bad_input(
            "currentPassword",
            "The current password is incorrect.",
        ));
    }
    if current.expose() == new.expose() {
        return Err(ServiceError::bad_input(
            "newPassword",
            "The new password must differ from the current one.",
        ));
    }
    let hash = state.passwords.hash(new).await?;
    let now = state.clock.now();
    let hash = hash.as_str();
    super::transaction(state, |conn| {
        async move {
            db::users::set_password_hash(conn, actor.user_id, hash, now).await?;
            let ended = db::sessions::revoke_all_for_user_except(
                conn,
                actor.user_id,
                Some(actor.session_id),
                RevokeReason::PasswordChanged,
                now,
            )
            .await?;
            let metadata = json!({ "sessionsEnded": ended });
            audit_own(
                conn,
                meta,
                actor,
                AuditAction::PasswordChanged,
                metadata,
                now,
            )
            .await
        }
        .scope_boxed()
    })
    .await
}

/// The actor's own account.
pub async fn current_user(state: &AppState, actor: &Actor) -> ServiceResult<User> {
    let mut conn = state.db.get().await?;
    db::users::find_live(&mut conn, actor.user_id)
        .await?
        .ok_or_else(|| ServiceError::Unauthenticated("Your account no longer exists.".into()))
}

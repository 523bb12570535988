//! Staff authentication (SPEC 7): login with lockout, refresh-token rotation with reuse
//! detection, logout, the session list, password change, and turning a bearer token into the
//! request's [`Actor`].

use chrono::{DateTime, Utc};
use scoped_futures::ScopedFutureExt;
use serde_json::json;

use super::RequestMeta;
use super::attempts::{Attempt, Gate};
use super::audit::{self, AuditEvent};
use super::error::{ServiceError, ServiceResult};
use crate::auth::passwords::{self, MAX_PASSWORD_BYTES, PasswordError};
use crate::auth::tokens::{self, IssuedAccessToken, TokenError};
use crate::config::Secret;
use crate::db::{self, DbConn, sessions::Session, users::User};
use crate::domain::audit::{AuditAction, ENTITY_USER};
use crate::domain::permissions::Actor;
use crate::domain::sessions::{self, LoginFailure, REFRESH_TOKEN_TTL, RevokeReason};
use crate::domain::{LoginAttemptId, SessionFamilyId, email, password_policy};
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
/// same work; five counted failures in fifteen minutes lock the email for fifteen minutes, and
/// concurrent attempts cannot check more passwords than that (see [`super::attempts`]). A
/// stored bcrypt hash (staff imported from the original system) is checked like an Argon2id
/// one and, once the password is proven, replaced by an Argon2id hash of it.
pub async fn login(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
    password: &Secret,
) -> ServiceResult<IssuedSession> {
    let now = state.clock.now();
    let email = match email::for_login(email) {
        Ok(email) => email,
        Err(invalid) => {
            let record = email::record_of(email);
            refuse_input(state, meta, &record, now).await?;
            return Err(ServiceError::bad_input("email", invalid.to_string()));
        }
    };
    if password.expose().len() > MAX_PASSWORD_BYTES {
        refuse_input(state, meta, &email, now).await?;
        return Err(PasswordError::TooLong.into());
    }
    let user = {
        let mut conn = state.db.get().await?;
        db::users::find_live_by_email(&mut conn, &email).await?
    };
    let attempt = Attempt {
        meta,
        user_id: user.as_ref().map(|user| user.id),
        email: &email,
        now,
    };
    let id = match attempt.reserve(state).await? {
        Gate::Locked(until) => return Err(ServiceError::AccountLocked { until }),
        Gate::Open(id) => id,
    };
    let stored_hash = user.as_ref().map(|user| user.password_hash.as_str());
    let password_ok = state.passwords.verify(password, stored_hash).await?;
    match user {
        Some(user) if password_ok && user.is_active => {
            let upgraded = upgraded_hash(state, password, &user).await;
            start_session(state, meta, user, upgraded.as_deref(), id, now).await
        }
        Some(_) if password_ok => {
            attempt
                .refused_after_check(state, id, LoginFailure::Inactive)
                .await?;
            Err(ServiceError::Unauthenticated(DEACTIVATED.into()))
        }
        Some(_) => failed(&attempt, state, id, LoginFailure::WrongPassword).await,
        None => failed(&attempt, state, id, LoginFailure::UnknownEmail).await,
    }
}

/// A fresh Argon2id hash of the password just proven, when the stored hash should be
/// replaced ([`passwords::needs_rehash`]: bcrypt, or Argon2 with other parameters). Hashed
/// before the login's transaction; should hashing fail, the login goes on with the old hash
/// and the next one tries again.
async fn upgraded_hash(state: &AppState, password: &Secret, user: &User) -> Option<String> {
    if !passwords::needs_rehash(&user.password_hash) {
        return None;
    }
    match state.passwords.hash(password).await {
        Ok(hash) => Some(hash),
        Err(err) => {
            tracing::warn!(user_id = %user.id.0, error = %err, "a password hash was not upgraded");
            None
        }
    }
}

/// A counted failed login: the same answer for a wrong password and an unknown email.
async fn failed<T>(
    attempt: &Attempt<'_>,
    state: &AppState,
    id: LoginAttemptId,
    reason: LoginFailure,
) -> ServiceResult<T> {
    Err(match attempt.failed(state, id, reason, None).await? {
        Some(until) => ServiceError::AccountLocked { until },
        None => ServiceError::Unauthenticated(INVALID_CREDENTIALS.into()),
    })
}

/// Records a login refused for its input alone (an email or password that cannot be one).
async fn refuse_input(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let attempt = Attempt {
        meta,
        user_id: None,
        email,
        now,
    };
    attempt.refused(state, LoginFailure::InvalidInput).await
}

/// A successful login: a new session family, the oldest sessions beyond the limit revoked, and
/// the stored hash replaced by `upgraded` (a new hash of the same password) when given.
async fn start_session(
    state: &AppState,
    meta: &RequestMeta,
    user: User,
    upgraded: Option<&str>,
    attempt: LoginAttemptId,
    now: DateTime<Utc>,
) -> ServiceResult<IssuedSession> {
    let family = SessionFamilyId::new_random();
    let refresh_token = tokens::new_refresh_token();
    let refresh_hash = tokens::hash_refresh_token(refresh_token.expose());
    let refresh_expires_at = now + REFRESH_TOKEN_TTL;
    let user_id = user.id;
    let refresh_hash = refresh_hash.as_str();
    let stored_hash = user.password_hash.as_str();
    let (user, hash_upgraded) = super::transaction(state, |conn| {
        async move {
            db::login_history::settle(conn, attempt, None).await?;
            db::users::record_login_success(conn, user_id, now).await?;
            let hash_upgraded = match upgraded {
                Some(upgraded) => {
                    db::users::upgrade_password_hash(conn, user_id, stored_hash, upgraded).await?
                }
                None => false,
            };
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
            let user = db::users::find_live(conn, user_id)
                .await?
                .ok_or_else(|| ServiceError::Unauthenticated(INVALID_CREDENTIALS.into()))?;
            Ok((user, hash_upgraded))
        }
        .scope_boxed()
    })
    .await?;
    if hash_upgraded {
        tracing::info!(user_id = %user_id.0, "password hash upgraded to Argon2id at login");
    }
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
                if row.revoked_reason != Some(RevokeReason::Rotated) {
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

/// Changes the actor's password and ends their other sessions. The current password is
/// checked under the same lockout as a login: a wrong one counts as a failed login, lands in
/// the login history and is audited, and a locked account cannot change its password.
pub async fn change_password(
    state: &AppState,
    meta: &RequestMeta,
    actor: &Actor,
    current: &Secret,
    new: &Secret,
) -> ServiceResult<()> {
    if current.expose().len() > MAX_PASSWORD_BYTES {
        return Err(ServiceError::bad_input(
            "currentPassword",
            format!("A password is at most {MAX_PASSWORD_BYTES} bytes long."),
        ));
    }
    password_policy::check(new.expose())
        .map_err(|err| ServiceError::bad_input("newPassword", err.to_string()))?;
    let user = current_user(state, actor).await?;
    let now = state.clock.now();
    let attempt = Attempt {
        meta,
        user_id: Some(user.id),
        email: &user.email,
        now,
    };
    let id = match attempt.reserve(state).await? {
        Gate::Locked(until) => return Err(ServiceError::AccountLocked { until }),
        Gate::Open(id) => id,
    };
    if !state
        .passwords
        .verify(current, Some(&user.password_hash))
        .await?
    {
        let event = AuditEvent::new(
            AuditAction::PasswordChangeFailed,
            ENTITY_USER,
            Some(user.id.0),
        )
        .metadata(json!({ "sessionId": actor.session_id }));
        let locked = attempt
            .failed(state, id, LoginFailure::WrongCurrentPassword, Some(event))
            .await?;
        return Err(match locked {
            Some(until) => ServiceError::AccountLocked { until },
            None => {
                ServiceError::bad_input("currentPassword", "The current password is incorrect.")
            }
        });
    }
    let hash = if current.expose() == new.expose() {
        None
    } else {
        Some(state.passwords.hash(new).await?)
    };
    let hash = hash.as_deref();
    super::transaction(state, |conn| {
        async move {
            // The check was not a login: its place in the history is given back.
            db::login_history::delete_pending(conn, id).await?;
            let Some(hash) = hash else {
                return Err(ServiceError::bad_input(
                    "newPassword",
                    "The new password must differ from the current one.",
                ));
            };
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

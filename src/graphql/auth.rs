//! Authentication: `login`, `refreshSession`, `logout`, `logoutOtherSessions`,
//! `revokeSession`, `changePassword`, `me` and `mySessions`.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::scalars::parse_id;
use super::sensitive::sensitive;
use super::types::User;
use crate::config::Secret;
use crate::db;
use crate::domain::SessionFamilyId;
use crate::services::auth::{self, IssuedSession};

/// A session's tokens: send `accessToken` as `Authorization: Bearer …`; exchange
/// `refreshToken` through `refreshSession` before the access token expires.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// A JWT valid for 15 minutes.
    access_token: String,
    access_token_expires_at: DateTime<Utc>,
    /// An opaque token valid for 30 days and usable once: each refresh returns a new one.
    refresh_token: String,
    refresh_token_expires_at: DateTime<Utc>,
    /// The session these tokens belong to (see `mySessions`).
    session_id: ID,
    user: User,
}

impl From<IssuedSession> for AuthPayload {
    fn from(issued: IssuedSession) -> Self {
        Self {
            access_token: issued.access.token,
            access_token_expires_at: issued.access.expires_at,
            refresh_token: issued.refresh_token.expose().to_owned(),
            refresh_token_expires_at: issued.refresh_expires_at,
            session_id: ID(issued.session_id.to_string()),
            user: issued.user.into(),
        }
    }
}

/// One live login session of the current user.
#[derive(SimpleObject)]
pub struct Session {
    /// Stable across refreshes; pass it to `revokeSession`.
    id: ID,
    /// When the session began (the login).
    created_at: DateTime<Utc>,
    /// The last refresh.
    last_used_at: DateTime<Utc>,
    /// When the current refresh token expires.
    expires_at: DateTime<Utc>,
    user_agent: Option<String>,
    ip_address: Option<String>,
    /// Whether this is the session of the request.
    current: bool,
}

impl Session {
    fn new(session: db::sessions::Session, current: SessionFamilyId) -> Self {
        Self {
            id: ID(session.family_id.to_string()),
            created_at: session.created_at,
            last_used_at: session.last_used_at,
            expires_at: session.expires_at,
            user_agent: session.user_agent,
            ip_address: session.ip_address,
            current: session.family_id == current,
        }
    }
}

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The logged-in member of staff.
    #[graphql(guard = "LoggedIn")]
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let actor = ctx.request().actor()?;
        Ok(auth::current_user(ctx.state(), actor).await?.into())
    }

    /// The live sessions of the logged-in user, oldest first.
    #[graphql(guard = "LoggedIn")]
    async fn my_sessions(&self, ctx: &Context<'_>) -> Result<Vec<Session>> {
        let actor = ctx.request().actor()?;
        let sessions = auth::my_sessions(ctx.state(), actor).await?;
        Ok(sessions
            .into_iter()
            .map(|session| Session::new(session, actor.session_id))
            .collect())
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Logs in with email and password. Five failures within 15 minutes lock the account for
    /// 15 minutes.
    #[graphql(directive = sensitive::apply(Some("email".to_owned())))]
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        #[graphql(secret)] password: String,
    ) -> Result<AuthPayload> {
        let issued = auth::login(
            ctx.state(),
            ctx.request().meta(),
            &email,
            &Secret::new(password),
        )
        .await?;
        Ok(issued.into())
    }

    /// Exchanges a refresh token for a new pair. A refresh token works once; presenting it again
    /// ends the whole session.
    #[graphql(directive = sensitive::apply(Some("refreshToken".to_owned())))]
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] refresh_token: String,
    ) -> Result<AuthPayload> {
        let issued = auth::refresh(
            ctx.state(),
            ctx.request().meta(),
            &Secret::new(refresh_token),
        )
        .await?;
        Ok(issued.into())
    }

    /// Ends the current session.
    #[graphql(guard = "LoggedIn")]
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        auth::logout(ctx.state(), ctx.request().meta(), ctx.request().actor()?).await?;
        Ok(true)
    }

    /// Ends every other session of the logged-in user; returns how many ended.
    #[graphql(guard = "LoggedIn")]
    async fn logout_other_sessions(&self, ctx: &Context<'_>) -> Result<i32> {
        let ended =
            auth::logout_other_sessions(ctx.state(), ctx.request().meta(), ctx.request().actor()?)
                .await?;
        Ok(i32::try_from(ended).unwrap_or(i32::MAX))
    }

    /// Ends one of the logged-in user's sessions (an `id` from `mySessions`).
    #[graphql(guard = "LoggedIn")]
    async fn revoke_session(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let session = parse_id(&id, "id")?;
        auth::revoke_session(
            ctx.state(),
            ctx.request().meta(),
            ctx.request().actor()?,
            session,
        )
        .await?;
        Ok(true)
    }

    /// Changes the logged-in user's password and ends their other sessions. A wrong current
    /// password counts toward the login lockout.
    #[graphql(guard = "LoggedIn", directive = sensitive::apply(None))]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] current_password: String,
        #[graphql(secret)] new_password: String,
    ) -> Result<bool> {
        auth::change_password(
            ctx.state(),
            ctx.request().meta(),
            ctx.request().actor()?,
            &Secret::new(current_password),
            &Secret::new(new_password),
        )
        .await?;
        Ok(true)
    }
}

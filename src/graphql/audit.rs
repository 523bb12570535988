//! The records: `AuditLog` with `auditLogs` and `auditTrail`, and `LoginAttempt` with
//! `loginHistory`.

use async_graphql::{Context, ID, InputObject, Json, Object, Result};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::pagination::{Connection, PageArgs};
use super::preload;
use super::scalars::parse_id;
use super::types::{User, found, id};
use crate::db;
use crate::db::audit_logs::AuditFilter as DbAuditFilter;
use crate::db::login_history::LoginFilter as DbLoginFilter;
use crate::services::records as service;

/// One entry of the audit trail: who did what to which record, with the record as it was
/// (`before`) and as it became (`after`).
#[derive(Clone)]
pub struct AuditLog(pub db::audit_logs::AuditLog);

impl From<db::audit_logs::AuditLog> for AuditLog {
    fn from(row: db::audit_logs::AuditLog) -> Self {
        Self(row)
    }
}

#[Object]
impl AuditLog {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// What happened, e.g. `UNION_REASSIGNED`.
    async fn action(&self) -> &str {
        self.0.action.as_str()
    }

    /// The kind of record, e.g. `Union`.
    async fn entity_name(&self) -> &str {
        &self.0.entity_name
    }

    /// The id of the record changed.
    async fn entity_id(&self) -> Option<ID> {
        self.0.entity_id.map(id)
    }

    /// The record before the change (null for a creation).
    async fn before(&self) -> Option<Json<Value>> {
        self.0.before.clone().map(Json)
    }

    /// The record after the change.
    async fn after(&self) -> Option<Json<Value>> {
        self.0.after.clone().map(Json)
    }

    /// Anything else worth knowing (a reason, how many loans followed, …).
    async fn metadata(&self) -> Option<Json<Value>> {
        self.0.metadata.clone().map(Json)
    }

    /// Who made the change (null for the system).
    async fn actor_user_id(&self) -> Option<ID> {
        self.0.actor_user_id.map(id)
    }

    /// Who did it (null for the system, or when you may not see them).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(actor) = self.0.actor_user_id else {
            return Ok(None);
        };
        Ok(found(ctx.loaders()?.user.load_one(actor).await)?.map(User))
    }

    /// The client address of the request.
    async fn ip_address(&self) -> Option<&str> {
        self.0.ip_address.as_deref()
    }

    /// The client program of the request.
    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }

    /// The id of the HTTP request that made the change.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One login attempt (or password check of `changePassword`).
#[derive(Clone)]
pub struct LoginAttempt(pub db::login_history::LoginAttempt);

impl From<db::login_history::LoginAttempt> for LoginAttempt {
    fn from(row: db::login_history::LoginAttempt) -> Self {
        Self(row)
    }
}

#[Object]
impl LoginAttempt {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// The account, when the email belongs to one.
    async fn user_id(&self) -> Option<ID> {
        self.0.user_id.map(id)
    }

    /// The member of staff, when you may see them.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(user) = self.0.user_id else {
            return Ok(None);
        };
        Ok(found(ctx.loaders()?.user.load_one(user).await)?.map(User))
    }

    /// The email as typed (lower-cased).
    async fn email_tried(&self) -> &str {
        &self.0.email_tried
    }

    /// When the attempt was made.
    async fn login_at(&self) -> DateTime<Utc> {
        self.0.login_at
    }

    /// The client address of the request.
    async fn ip_address(&self) -> Option<&str> {
        self.0.ip_address.as_deref()
    }

    /// The client program of the request.
    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }

    /// Whether the password was right and the login went through.
    async fn success(&self) -> bool {
        self.0.success
    }

    /// Why it failed, e.g. `INVALID_CREDENTIALS` or `ACCOUNT_LOCKED`.
    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.map(|reason| reason.as_str())
    }
}

/// Narrows `auditLogs`; the fields combine with AND.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// The kind of record, e.g. `Union`.
    entity_name: Option<String>,
    entity_id: Option<ID>,
    actor_user_id: Option<ID>,
    /// e.g. `MEMBER_MOVED`.
    action: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

impl AuditLogFilter {
    pub(super) fn parse(self) -> Result<DbAuditFilter, crate::services::ServiceError> {
        Ok(DbAuditFilter {
            entity_name: self.entity_name,
            entity_id: self
                .entity_id
                .map(|id| parse_id(&id, "entityId"))
                .transpose()?,
            actor_user_id: self
                .actor_user_id
                .map(|id| parse_id(&id, "actorUserId"))
                .transpose()?,
            action: self
                .action
                .map(|action| {
                    action.parse().map_err(|_| {
                        crate::services::ServiceError::bad_input(
                            "action",
                            format!("{action:?} is not an audited action."),
                        )
                    })
                })
                .transpose()?,
            from: self.from,
            to: self.to,
        })
    }
}

/// Narrows `loginHistory`; the fields combine with AND.
#[derive(InputObject, Default)]
pub struct LoginHistoryFilter {
    user_id: Option<ID>,
    email: Option<String>,
    success: Option<bool>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct RecordsQuery;

#[Object]
impl RecordsQuery {
    /// The audit log, newest first: everything for administrators; the entries of themselves
    /// and their officers for supervisors; refused for credit officers.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn audit_logs(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditLogFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<AuditLog>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default().parse()?;
        let caller = ctx.request().caller()?;
        let page = service::audit_logs(
            ctx.state(),
            &caller,
            &filter,
            PageArgs::wants_total(ctx),
            args.page,
        )
        .await?;
        preload::audit_logs(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(Connection::new(&page, args.page))
    }

    /// The history of one record (e.g. `entityName: "Union"`), oldest first, as far as you may
    /// read the audit log.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        entity_name: String,
        entity_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<AuditLog>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let entity_id = parse_id(&entity_id, "entityId")?;
        let caller = ctx.request().caller()?;
        let page = service::audit_trail(
            ctx.state(),
            &caller,
            &entity_name,
            entity_id,
            PageArgs::wants_total(ctx),
            args.page,
        )
        .await?;
        preload::audit_logs(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(Connection::new(&page, args.page))
    }

    /// Login attempts, newest first, of the staff you may see (attempts on unknown emails:
    /// administrators only).
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn login_history(
        &self,
        ctx: &Context<'_>,
        filter: Option<LoginHistoryFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<LoginAttempt>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = DbLoginFilter {
            user_id: filter
                .user_id
                .map(|id| parse_id(&id, "userId"))
                .transpose()?,
            email: filter.email,
            success: filter.success,
            from: filter.from,
            to: filter.to,
        };
        let caller = ctx.request().caller()?;
        let page = service::login_history(
            ctx.state(),
            &caller,
            &filter,
            PageArgs::wants_total(ctx),
            args.page,
        )
        .await?;
        preload::login_attempts(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(Connection::new(&page, args.page))
    }
}

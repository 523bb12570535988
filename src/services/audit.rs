//! Writing the audit trail. Callers pass the connection of their own transaction, so the audit
//! row commits or rolls back together with the change it describes.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use serde_json::Value;
use uuid::Uuid;

use super::RequestMeta;
use crate::db::direct::DirectSession;
use crate::db::{self, DbConn};
use crate::domain::UserId;
use crate::domain::audit::AuditAction;

/// One audited event.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub action: AuditAction,
    pub entity_name: &'a str,
    pub entity_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub metadata: Option<Value>,
}

impl<'a> AuditEvent<'a> {
    pub fn new(action: AuditAction, entity_name: &'a str, entity_id: Option<Uuid>) -> Self {
        Self {
            action,
            entity_name,
            entity_id,
            before: None,
            after: None,
            metadata: None,
        }
    }

    pub fn before(mut self, before: Value) -> Self {
        self.before = Some(before);
        self
    }

    pub fn after(mut self, after: Value) -> Self {
        self.after = Some(after);
        self
    }

    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// The JSON of a row for `before`/`after` (rows serialise as the camelCase of their columns).
pub fn snapshot<T: serde::Serialize>(row: &T) -> Value {
    serde_json::to_value(row).unwrap_or(Value::Null)
}

/// Appends a change by the caller: `action` on `entity` with the row as it was (`before`) and
/// as it became (`after`).
#[expect(
    clippy::too_many_arguments,
    reason = "one audit row has this many parts"
)]
pub async fn change<B: serde::Serialize, A: serde::Serialize>(
    conn: &mut DbConn,
    caller: &super::Caller,
    action: AuditAction,
    entity_name: &str,
    entity_id: Uuid,
    before: Option<&B>,
    after: Option<&A>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let mut event = AuditEvent::new(action, entity_name, Some(entity_id));
    event.before = before.map(snapshot);
    event.after = after.map(snapshot);
    record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await
}

/// Appends `event` by `actor` to the audit log.
pub async fn record(
    conn: &mut DbConn,
    meta: &RequestMeta,
    actor: Option<UserId>,
    event: &AuditEvent<'_>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    db::audit_logs::insert(
        conn,
        &db::audit_logs::NewAuditLog {
            actor_user_id: actor,
            action: event.action,
            entity_name: event.entity_name,
            entity_id: event.entity_id,
            before: event.before.as_ref(),
            after: event.after.as_ref(),
            metadata: event.metadata.as_ref(),
            ip_address: meta.ip_address.as_deref(),
            user_agent: meta.user_agent.as_deref(),
            request_id: meta.request_id.as_deref(),
            created_at: now,
        },
    )
    .await
}

/// [`record`], in a direct session (a restore's transaction).
pub async fn record_in(
    session: &DirectSession,
    meta: &RequestMeta,
    actor: Option<UserId>,
    event: &AuditEvent<'_>,
    now: DateTime<Utc>,
) -> Result<(), tokio_postgres::Error> {
    session
        .execute(
            "INSERT INTO audit_logs (actor_user_id, action, entity_name, entity_id, before, after,
                                     metadata, ip_address, user_agent, request_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &actor.map(|actor| actor.0),
                &event.action.as_str(),
                &event.entity_name,
                &event.entity_id,
                &event.before,
                &event.after,
                &event.metadata,
                &meta.ip_address,
                &meta.user_agent,
                &meta.request_id,
                &now,
            ],
        )
        .await?;
    Ok(())
}

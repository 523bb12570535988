//! `audit_logs`: the append-only trail of who changed what.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;
use uuid::Uuid;

use super::DbConn;
use super::schema::audit_logs;
use crate::domain::audit::AuditAction;
use crate::domain::{AuditLogId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = audit_logs, check_for_backend(diesel::pg::Pg))]
pub struct AuditLog {
    pub id: AuditLogId,
    pub actor_user_id: Option<UserId>,
    pub action: AuditAction,
    pub entity_name: String,
    pub entity_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub metadata: Option<Value>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_logs)]
pub struct NewAuditLog<'a> {
    pub actor_user_id: Option<UserId>,
    pub action: AuditAction,
    pub entity_name: &'a str,
    pub entity_id: Option<Uuid>,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
    pub metadata: Option<&'a Value>,
    pub ip_address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut DbConn, entry: &NewAuditLog<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_logs::table)
        .values(entry)
        .execute(conn)
        .await
        .map(drop)
}

/// The entries about one entity, oldest first.
pub async fn for_entity(
    conn: &mut DbConn,
    entity_name: &str,
    entity_id: Uuid,
) -> QueryResult<Vec<AuditLog>> {
    audit_logs::table
        .filter(audit_logs::entity_name.eq(entity_name))
        .filter(audit_logs::entity_id.eq(entity_id))
        .select(AuditLog::as_select())
        .order((audit_logs::created_at.asc(), audit_logs::id.asc()))
        .load(conn)
        .await
}

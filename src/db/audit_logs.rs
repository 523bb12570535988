//! `audit_logs`: the append-only trail of who changed what.

use chrono::{DateTime, Utc};
use diesel::dsl::{AsSelect, SqlTypeOf, count_star};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;
use uuid::Uuid;

use super::page::{self, Page, Paged};
use super::schema::{audit_logs, users};
use super::{DbConn, scope};
use crate::domain::audit::AuditAction;
use crate::domain::permissions::Scope;
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

/// Appends `entries` in as few statements as the parameter limit allows.
pub async fn insert_many(conn: &mut DbConn, entries: &[NewAuditLog<'_>]) -> QueryResult<usize> {
    const COLUMNS: usize = 11;
    let mut written = 0;
    for chunk in entries.chunks(super::bulk::rows_per_statement(COLUMNS)) {
        written += diesel::insert_into(audit_logs::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(written)
}

/// What `auditLogs(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AuditFilter {
    pub entity_name: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor_user_id: Option<UserId>,
    pub action: Option<AuditAction>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The entries an actor may read (SPEC 2): all for `Scope::All`; for a supervisor's team, the
/// entries whose actor is the supervisor or one of their officers; for a credit officer none
/// (the services refuse before asking).
fn visible(scope: Scope) -> scope::Condition<audit_logs::table> {
    match scope {
        Scope::All => scope::always(),
        Scope::Team { supervisor_id } => Box::new(
            audit_logs::actor_user_id
                .eq(supervisor_id)
                .or(audit_logs::actor_user_id.eq_any(
                    users::table
                        .select(users::id.nullable())
                        .filter(users::supervisor_id.eq(supervisor_id)),
                ))
                .assume_not_null(),
        ),
        Scope::Officer { .. } => scope::never(),
    }
}

fn filtered(filter: &AuditFilter, scope: Scope) -> audit_logs::BoxedQuery<'static, Pg> {
    let mut query = audit_logs::table.filter(visible(scope)).into_boxed();
    if let Some(name) = &filter.entity_name {
        query = query.filter(audit_logs::entity_name.eq(name.clone()));
    }
    if let Some(id) = filter.entity_id {
        query = query.filter(audit_logs::entity_id.eq(id));
    }
    if let Some(actor) = filter.actor_user_id {
        query = query.filter(audit_logs::actor_user_id.eq(actor));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_logs::action.eq(action));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_logs::created_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_logs::created_at.le(to));
    }
    query
}

/// The entries visible in `scope` that pass `filter`, newest first (`oldest_first` reverses):
/// the list, whole (for an export's cursor) or cut into pages by [`list`].
pub fn ordered(
    filter: &AuditFilter,
    scope: Scope,
    oldest_first: bool,
) -> audit_logs::BoxedQuery<'static, Pg, SqlTypeOf<AsSelect<AuditLog, Pg>>> {
    let query = filtered(filter, scope);
    let query = if oldest_first {
        query.order_by((audit_logs::created_at.asc(), audit_logs::id.asc()))
    } else {
        query.order_by((audit_logs::created_at.desc(), audit_logs::id.desc()))
    };
    query.select(AuditLog::as_select())
}

/// One page of the entries visible in `scope`, newest first (`oldest_first` reverses).
pub async fn list(
    conn: &mut DbConn,
    filter: &AuditFilter,
    scope: Scope,
    oldest_first: bool,
    want_total: bool,
    page: Page,
) -> QueryResult<Paged<AuditLog>> {
    let query = ordered(filter, scope, oldest_first);
    let count = want_total.then(|| filtered(filter, scope).select(count_star()));
    page::load_page!(conn, query, count, page)
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

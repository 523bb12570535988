//! Reading the records the service keeps about itself: the audit log (ADMIN all; SUPERVISOR
//! the entries of themself and their officers; CREDIT_OFFICER none) and the login history
//! (of the staff one may see).

use uuid::Uuid;

use super::{Caller, ServiceResult, check};
use crate::db;
use crate::db::audit_logs::{AuditFilter, AuditLog};
use crate::db::login_history::{LoginAttempt, LoginFilter};
use crate::db::page::{Page, Paged};
use crate::domain::permissions;
use crate::state::AppState;

/// A page of the audit log in the caller's scope, newest first.
pub async fn audit_logs(
    state: &AppState,
    caller: &Caller,
    filter: &AuditFilter,
    want_total: bool,
    page: Page,
) -> ServiceResult<Paged<AuditLog>> {
    check(permissions::can_read_audit_log(&caller.actor), "Audit log")?;
    let mut conn = state.db.get().await?;
    Ok(db::audit_logs::list(&mut conn, filter, caller.scope(), false, want_total, page).await?)
}

/// The history of one entity in the caller's scope, oldest first.
pub async fn audit_trail(
    state: &AppState,
    caller: &Caller,
    entity_name: &str,
    entity_id: Uuid,
    want_total: bool,
    page: Page,
) -> ServiceResult<Paged<AuditLog>> {
    check(permissions::can_read_audit_log(&caller.actor), "Audit log")?;
    let filter = AuditFilter {
        entity_name: Some(entity_name.to_owned()),
        entity_id: Some(entity_id),
        ..AuditFilter::default()
    };
    let mut conn = state.db.get().await?;
    Ok(db::audit_logs::list(&mut conn, &filter, caller.scope(), true, want_total, page).await?)
}

/// A page of the login attempts of the staff visible to the caller, newest first.
pub async fn login_history(
    state: &AppState,
    caller: &Caller,
    filter: &LoginFilter,
    want_total: bool,
    page: Page,
) -> ServiceResult<Paged<LoginAttempt>> {
    let mut conn = state.db.get().await?;
    Ok(db::login_history::list(&mut conn, filter, caller.scope(), want_total, page).await?)
}

//! The assignment history: unions' changes of officer and members' moves, read together.

use super::{Caller, ServiceResult};
use crate::db;
use crate::db::assignments::{AssignmentChange, AssignmentFilter};
use crate::db::page::{Page, Paged};
use crate::state::AppState;

/// A page of the changes in the caller's scope, newest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: &AssignmentFilter,
    want_total: bool,
    page: Page,
) -> ServiceResult<Paged<AssignmentChange>> {
    let mut conn = state.db.get().await?;
    Ok(db::assignments::list(&mut conn, filter, caller.scope(), want_total, page).await?)
}

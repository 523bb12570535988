//! Notes about members of staff: written by administrators and supervisors about the staff they
//! can see; a private note is read only by its author and administrators; edited and deleted by
//! its author or an administrator.

use scoped_futures::ScopedFutureExt;

use super::audit;
use super::{Caller, ServiceError, ServiceResult, check, optional, required};
use crate::db::page::{Page, Paged};
use crate::db::user_notes::{NoteFields, NoteReader, UserNote};
use crate::db::{self, DbConn};
use crate::domain::audit::{AuditAction, ENTITY_USER_NOTE};
use crate::domain::{Role, UserId, UserNoteId, permissions};
use crate::state::AppState;

const WHAT: &str = "Note";

fn not_found() -> ServiceError {
    ServiceError::NotFound("Note not found.".into())
}

fn reader(caller: &Caller) -> NoteReader {
    NoteReader {
        user_id: caller.actor.user_id,
        all_private: caller.actor.is_admin(),
    }
}

/// The member of staff a note is about: visible to the caller.
async fn subject(conn: &mut DbConn, caller: &Caller, user: UserId) -> ServiceResult<()> {
    db::users::find(conn, user, caller.scope(), false)
        .await?
        .map(drop)
        .ok_or_else(|| ServiceError::NotFound("User not found.".into()))
}

/// A page of the notes about `user` that the caller may read, newest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    user: UserId,
    include_deleted: bool,
    want_total: bool,
    page: Page,
) -> ServiceResult<Paged<UserNote>> {
    let include_deleted = caller.include_deleted(include_deleted)?;
    let mut conn = state.db.get().await?;
    subject(&mut conn, caller, user).await?;
    Ok(db::user_notes::list(
        &mut conn,
        user,
        reader(caller),
        include_deleted,
        want_total,
        page,
    )
    .await?)
}

/// A note as written; in an edit, `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct NoteInput {
    pub title: Option<String>,
    pub content: Option<String>,
    pub category: Option<Option<String>>,
    pub is_private: Option<bool>,
}

impl NoteInput {
    fn fields(&self, current: Option<&UserNote>) -> ServiceResult<NoteFields> {
        let text = |given: &Option<String>, field: &str, current: Option<&String>| match (
            given, current,
        ) {
            (Some(value), _) => required(field, value),
            (None, Some(current)) => Ok(current.clone()),
            (None, None) => Err(ServiceError::bad_input(field, "This field is required.")),
        };
        Ok(NoteFields {
            title: text(&self.title, "title", current.map(|note| &note.title))?,
            content: text(&self.content, "content", current.map(|note| &note.content))?,
            category: match &self.category {
                Some(value) => optional(value.as_deref()),
                None => current.and_then(|note| note.category.clone()),
            },
            is_private: self
                .is_private
                .or(current.map(|note| note.is_private))
                .unwrap_or(false),
        })
    }
}

/// Only its author or an administrator changes a note.
fn check_author(caller: &Caller, note: &UserNote) -> ServiceResult<()> {
    check(
        if caller.actor.is_admin() || note.created_by_user_id == caller.actor.user_id {
            Ok(())
        } else {
            Err(permissions::Denied::Forbidden(
                "Only the author of a note or an administrator can change it.",
            ))
        },
        WHAT,
    )
}

async fn load_for_change(
    conn: &mut DbConn,
    caller: &Caller,
    id: UserNoteId,
    include_deleted: bool,
) -> ServiceResult<UserNote> {
    let note = db::user_notes::find(conn, id, reader(caller), include_deleted)
        .await?
        .ok_or_else(not_found)?;
    subject(conn, caller, note.user_id)
        .await
        .map_err(|_| not_found())?;
    check_author(caller, &note)?;
    Ok(note)
}

pub async fn create(
    state: &AppState,
    caller: &Caller,
    user: UserId,
    input: &NoteInput,
) -> ServiceResult<UserNote> {
    let fields = input.fields(None)?;
    let now = state.clock.now();
    super::transaction(state, |conn| {
        let fields = &fields;
        async move {
            subject(conn, caller, user).await?;
            if caller.actor.role == Role::CreditOfficer {
                return Err(ServiceError::Forbidden(
                    "Only administrators and supervisors write notes about staff.".into(),
                ));
            }
            let note =
                db::user_notes::insert(conn, user, caller.actor.user_id, fields, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::UserNoteCreated,
                ENTITY_USER_NOTE,
                note.id.0,
                None::<&UserNote>,
                Some(&note),
                now,
            )
            .await?;
            Ok(note)
        }
        .scope_boxed()
    })
    .await
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: UserNoteId,
    input: &NoteInput,
) -> ServiceResult<UserNote> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let before = load_for_change(conn, caller, id, false).await?;
            let fields = input.fields(Some(&before))?;
            let after = db::user_notes::update(conn, id, &fields, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::UserNoteUpdated,
                ENTITY_USER_NOTE,
                id.0,
                Some(&before),
                Some(&after),
                now,
            )
            .await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

pub async fn delete(state: &AppState, caller: &Caller, id: UserNoteId) -> ServiceResult<UserNote> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let before = load_for_change(conn, caller, id, false).await?;
            let after = db::user_notes::set_deleted(conn, id, Some(now), now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::UserNoteDeleted,
                ENTITY_USER_NOTE,
                id.0,
                Some(&before),
                Some(&after),
                now,
            )
            .await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

pub async fn restore(state: &AppState, caller: &Caller, id: UserNoteId) -> ServiceResult<UserNote> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            check(permissions::can_access_deleted(&caller.actor), WHAT)?;
            let before = load_for_change(conn, caller, id, true).await?;
            if before.deleted_at.is_none() {
                return Err(ServiceError::conflict("This note is not deleted."));
            }
            let after = db::user_notes::set_deleted(conn, id, None, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::UserNoteRestored,
                ENTITY_USER_NOTE,
                id.0,
                Some(&before),
                Some(&after),
                now,
            )
            .await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

//! `user_notes`: notes written about members of staff. A private note is read only by its
//! author and administrators.

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::page::{self, Page, Paged};
use super::schema::user_notes;
use super::{DbConn, scope};
use crate::domain::{UserId, UserNoteId};

/// A row of `user_notes`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = user_notes, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct UserNote {
    pub id: UserNoteId,
    pub user_id: UserId,
    pub title: String,
    pub content: String,
    pub category: Option<String>,
    pub is_private: bool,
    pub created_by_user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A note's own fields, as written or replaced by an edit.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = user_notes, treat_none_as_null = true)]
pub struct NoteFields {
    pub title: String,
    pub content: String,
    pub category: Option<String>,
    pub is_private: bool,
}

/// Who reads the notes: private notes of others are hidden unless `all_private`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NoteReader {
    pub user_id: UserId,
    pub all_private: bool,
}

fn readable(reader: NoteReader, include_deleted: bool) -> scope::Condition<user_notes::table> {
    let mut condition: scope::Condition<user_notes::table> = if reader.all_private {
        scope::always()
    } else {
        Box::new(
            user_notes::is_private
                .eq(false)
                .or(user_notes::created_by_user_id.eq(reader.user_id)),
        )
    };
    if !include_deleted {
        condition = Box::new(condition.and(user_notes::deleted_at.is_null()));
    }
    condition
}

pub async fn find(
    conn: &mut DbConn,
    id: UserNoteId,
    reader: NoteReader,
    include_deleted: bool,
) -> QueryResult<Option<UserNote>> {
    user_notes::table
        .filter(user_notes::id.eq(id))
        .filter(readable(reader, include_deleted))
        .select(UserNote::as_select())
        .first(conn)
        .await
        .optional()
}

/// One page of the notes about `user` that `reader` may read, newest first.
pub async fn list(
    conn: &mut DbConn,
    user: UserId,
    reader: NoteReader,
    include_deleted: bool,
    want_total: bool,
    page: Page,
) -> QueryResult<Paged<UserNote>> {
    let about = |user: UserId| {
        user_notes::table
            .filter(user_notes::user_id.eq(user))
            .filter(readable(reader, include_deleted))
    };
    let rows = about(user)
        .order_by((user_notes::created_at.desc(), user_notes::id.desc()))
        .select(UserNote::as_select());
    let count = want_total.then(|| about(user).select(count_star()));
    page::load_page!(conn, rows, count, page)
}

pub async fn insert(
    conn: &mut DbConn,
    user: UserId,
    author: UserId,
    fields: &NoteFields,
    now: DateTime<Utc>,
) -> QueryResult<UserNote> {
    diesel::insert_into(user_notes::table)
        .values((
            user_notes::user_id.eq(user),
            user_notes::title.eq(&fields.title),
            user_notes::content.eq(&fields.content),
            user_notes::category.eq(&fields.category),
            user_notes::is_private.eq(fields.is_private),
            user_notes::created_by_user_id.eq(author),
            user_notes::created_at.eq(now),
            user_notes::updated_at.eq(now),
        ))
        .returning(UserNote::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(
    conn: &mut DbConn,
    id: UserNoteId,
    fields: &NoteFields,
    now: DateTime<Utc>,
) -> QueryResult<UserNote> {
    diesel::update(user_notes::table.find(id))
        .set((fields, user_notes::updated_at.eq(now)))
        .returning(UserNote::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_deleted(
    conn: &mut DbConn,
    id: UserNoteId,
    deleted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<UserNote> {
    diesel::update(user_notes::table.find(id))
        .set((
            user_notes::deleted_at.eq(deleted_at),
            user_notes::updated_at.eq(now),
        ))
        .returning(UserNote::as_returning())
        .get_result(conn)
        .await
}

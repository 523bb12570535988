//! Notes about staff: `UserNote`, `userNotes`, and `createUserNote`, `updateUserNote`,
//! `deleteUserNote`, `restoreUserNote`.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::pagination::{Connection, PageArgs};
use super::preload;
use super::scalars::parse_id;
use super::types::{User, found, id, patch};
use crate::db;
use crate::domain::{UserId, UserNoteId};
use crate::services::notes::{self as service, NoteInput};

/// A note about a member of staff.
#[derive(Clone)]
pub struct UserNote(pub db::user_notes::UserNote);

impl From<db::user_notes::UserNote> for UserNote {
    fn from(row: db::user_notes::UserNote) -> Self {
        Self(row)
    }
}

#[Object]
impl UserNote {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// The member of staff the note is about.
    async fn user_id(&self) -> ID {
        id(self.0.user_id)
    }

    /// The member of staff, when you may see them.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(found(ctx.loaders()?.user.load_one(self.0.user_id).await)?.map(User))
    }

    /// A short heading.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The note itself.
    async fn content(&self) -> &str {
        &self.0.content
    }

    /// A free label to group notes (e.g. PERFORMANCE).
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }

    /// A private note is read only by its author and administrators.
    async fn is_private(&self) -> bool {
        self.0.is_private
    }

    /// Who wrote the note.
    async fn created_by_user_id(&self) -> ID {
        id(self.0.created_by_user_id)
    }

    /// Who wrote the note, when you may see them.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let author = self.0.created_by_user_id;
        Ok(found(ctx.loaders()?.user.load_one(author).await)?.map(User))
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When the record was deleted; only administrators see deleted records (`includeDeleted`).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
}

/// A new note about a member of staff.
#[derive(InputObject)]
pub struct CreateUserNoteInput {
    /// The member of staff the note is about.
    user_id: ID,
    title: String,
    content: String,
    category: Option<String>,
    /// Defaults to false.
    is_private: Option<bool>,
}

/// Changes to a note: leave a field out to keep it.
#[derive(InputObject, Default)]
pub struct UpdateUserNoteInput {
    title: Option<String>,
    content: Option<String>,
    category: MaybeUndefined<String>,
    is_private: Option<bool>,
}

#[derive(Default)]
pub struct NoteQuery;

#[Object]
impl NoteQuery {
    /// The notes about a member of staff you may see, newest first; private notes only for
    /// their author and administrators.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn user_notes(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<Connection<UserNote>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let user: UserId = parse_id(&user_id, "userId")?;
        let caller = ctx.request().caller()?;
        let page = service::list(
            ctx.state(),
            &caller,
            user,
            include_deleted,
            PageArgs::wants_total(ctx),
            args.page,
        )
        .await?;
        preload::notes(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(Connection::new(&page, args.page))
    }
}

#[derive(Default)]
pub struct NoteMutation;

fn note_id(raw: &ID) -> Result<UserNoteId> {
    Ok(parse_id(raw, "id")?)
}

#[Object]
impl NoteMutation {
    /// Writes a note about a member of staff you can see (administrators and supervisors).
    #[graphql(guard = "LoggedIn")]
    async fn create_user_note(
        &self,
        ctx: &Context<'_>,
        input: CreateUserNoteInput,
    ) -> Result<UserNote> {
        let user: UserId = parse_id(&input.user_id, "userId")?;
        let caller = ctx.request().caller()?;
        let note = NoteInput {
            title: Some(input.title),
            content: Some(input.content),
            category: Some(input.category),
            is_private: input.is_private,
        };
        Ok(service::create(ctx.state(), &caller, user, &note)
            .await?
            .into())
    }

    /// Edits a note (its author or an administrator).
    #[graphql(guard = "LoggedIn")]
    async fn update_user_note(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateUserNoteInput,
    ) -> Result<UserNote> {
        let id = note_id(&id)?;
        let caller = ctx.request().caller()?;
        let note = NoteInput {
            title: input.title,
            content: input.content,
            category: patch(input.category),
            is_private: input.is_private,
        };
        Ok(service::update(ctx.state(), &caller, id, &note)
            .await?
            .into())
    }

    /// Deletes a note (its author or an administrator).
    #[graphql(guard = "LoggedIn")]
    async fn delete_user_note(&self, ctx: &Context<'_>, id: ID) -> Result<UserNote> {
        let id = note_id(&id)?;
        let caller = ctx.request().caller()?;
        Ok(service::delete(ctx.state(), &caller, id).await?.into())
    }

    /// Restores a deleted note (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn restore_user_note(&self, ctx: &Context<'_>, id: ID) -> Result<UserNote> {
        let id = note_id(&id)?;
        let caller = ctx.request().caller()?;
        Ok(service::restore(ctx.state(), &caller, id).await?.into())
    }
}

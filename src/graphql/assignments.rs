//! The assignment history: `AssignmentChange` (a union's change of officer, or a member's move
//! to another union) and `assignmentHistory`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::loaders::ListKey;
use super::pagination::{Connection, PageArgs};
use super::preload;
use super::scalars::parse_id;
use super::types::{Union, UnionMember, User, found, id, listed};
use crate::db::assignments::{self as rows, AssignmentFilter as DbFilter};
use crate::domain::{UnionId, UserId};

/// What kind of change an entry of the assignment history is.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum AssignmentKind {
    /// A union got another credit officer (`reassignUnion`).
    UnionOfficer,
    /// A member moved to another union (`moveUnionMember`).
    MemberUnion,
}

/// One entry of the assignment history.
#[derive(Clone)]
pub struct AssignmentChange(pub rows::AssignmentChange);

impl From<rows::AssignmentChange> for AssignmentChange {
    fn from(change: rows::AssignmentChange) -> Self {
        Self(change)
    }
}

impl AssignmentChange {
    fn officers(&self) -> (Option<UserId>, UserId) {
        match &self.0 {
            rows::AssignmentChange::Union(change) => (change.old_officer_id, change.new_officer_id),
            rows::AssignmentChange::Member(change) => {
                (change.old_officer_id, change.new_officer_id)
            }
        }
    }

    fn unions(&self) -> (Option<UnionId>, UnionId) {
        match &self.0 {
            rows::AssignmentChange::Union(change) => (None, change.union_id),
            rows::AssignmentChange::Member(change) => {
                (Some(change.old_union_id), change.new_union_id)
            }
        }
    }
}

async fn user(ctx: &Context<'_>, id: Option<UserId>) -> Result<Option<User>> {
    let Some(id) = id else { return Ok(None) };
    Ok(found(ctx.loaders()?.user.load_one(id).await)?.map(User))
}

async fn union(ctx: &Context<'_>, id: Option<UnionId>) -> Result<Option<Union>> {
    let Some(id) = id else { return Ok(None) };
    Ok(found(ctx.loaders()?.union.load_one(id).await)?.map(Union))
}

#[Object]
impl AssignmentChange {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        match &self.0 {
            rows::AssignmentChange::Union(change) => id(change.id),
            rows::AssignmentChange::Member(change) => id(change.id),
        }
    }

    /// A union's change of officer, or a member's move.
    async fn kind(&self) -> AssignmentKind {
        match &self.0 {
            rows::AssignmentChange::Union(_) => AssignmentKind::UnionOfficer,
            rows::AssignmentChange::Member(_) => AssignmentKind::MemberUnion,
        }
    }

    /// The union concerned: the reassigned union, or the union the member moved to.
    async fn union_id(&self) -> ID {
        id(self.unions().1)
    }

    async fn union(&self, ctx: &Context<'_>) -> Result<Option<Union>> {
        union(ctx, Some(self.unions().1)).await
    }

    /// For a member's move: the union the member left.
    async fn old_union(&self, ctx: &Context<'_>) -> Result<Option<Union>> {
        union(ctx, self.unions().0).await
    }

    /// For a member's move: the member.
    async fn union_member_id(&self) -> Option<ID> {
        match &self.0 {
            rows::AssignmentChange::Member(change) => Some(id(change.union_member_id)),
            rows::AssignmentChange::Union(_) => None,
        }
    }

    /// For a member's move: the member, when in your scope.
    async fn union_member(&self, ctx: &Context<'_>) -> Result<Option<UnionMember>> {
        let rows::AssignmentChange::Member(change) = &self.0 else {
            return Ok(None);
        };
        let member = found(ctx.loaders()?.member.load_one(change.union_member_id).await)?;
        Ok(member.map(UnionMember))
    }

    /// The credit officer before the change.
    async fn old_officer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user(ctx, self.officers().0).await
    }

    /// The credit officer after the change.
    async fn new_officer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user(ctx, Some(self.officers().1)).await
    }

    /// Who made the change.
    async fn changed_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let by = match &self.0 {
            rows::AssignmentChange::Union(change) => change.changed_by_user_id,
            rows::AssignmentChange::Member(change) => change.changed_by_user_id,
        };
        user(ctx, Some(by)).await
    }

    /// Why the change was made, as given by the person who made it.
    async fn reason(&self) -> Option<&str> {
        match &self.0 {
            rows::AssignmentChange::Union(change) => change.reason.as_deref(),
            rows::AssignmentChange::Member(change) => change.reason.as_deref(),
        }
    }

    /// When the change was made.
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at()
    }
}

/// Narrows `assignmentHistory`; the fields combine with AND.
#[derive(InputObject, Default)]
pub struct AssignmentHistoryFilter {
    union_id: Option<ID>,
    /// Only this member's moves.
    union_member_id: Option<ID>,
    /// Changes to or from this credit officer.
    officer_id: Option<ID>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

impl AssignmentHistoryFilter {
    fn parse(self) -> Result<DbFilter> {
        Ok(DbFilter {
            union_id: self
                .union_id
                .map(|id| parse_id(&id, "unionId"))
                .transpose()?,
            union_member_id: self
                .union_member_id
                .map(|id| parse_id(&id, "unionMemberId"))
                .transpose()?,
            officer_id: self
                .officer_id
                .map(|id| parse_id(&id, "officerId"))
                .transpose()?,
            from: self.from,
            to: self.to,
        })
    }
}

#[derive(Default)]
pub struct AssignmentQuery;

#[Object]
impl AssignmentQuery {
    /// Unions' changes of officer and members' moves in your scope, newest first.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn assignment_history(
        &self,
        ctx: &Context<'_>,
        filter: Option<AssignmentHistoryFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<AssignmentChange>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default().parse()?;
        let key = ListKey {
            filter,
            order: (),
            listing: PageArgs::listing(ctx, None),
            page: args.page,
        };
        let page = listed(ctx.loaders()?.assignment_lists.load_one(key).await)?;
        preload::assignments(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(Connection::new(&page, args.page))
    }
}

//! Unions: the `Union` type with its relations, `union`, `unions`, and `createUnion`,
//! `updateUnion`, `reassignUnion`, `deleteUnion`, `restoreUnion`.
//!
//! This module is the example every entity follows (README, "Adding an entity"): a wrapper
//! type over the row whose relation fields go through the request's loaders, a filter and an
//! order input parsed into the `db` module's types, thin resolvers calling `services::unions`.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::loaders::ListKey;
use super::pagination::{Connection, PageArgs};
use super::preload;
use super::scalars::parse_id;
use super::types::{
    AssignmentChange, SortDirection, UnionMember, User, found, id, listed, loaded, patch,
};
use crate::db;
use crate::db::unions::{UnionFilter as DbUnionFilter, UnionOrderField as DbOrderField};
use crate::domain::{UnionId, UserId};
use crate::services::unions::{self as service, UnionInput, UnionUpdate};

/// A borrower group (a market association, a cooperative), managed by one credit officer.
#[derive(Clone)]
pub struct Union(pub db::unions::Union);

impl From<db::unions::Union> for Union {
    fn from(union: db::unions::Union) -> Self {
        Self(union)
    }
}

#[Object]
impl Union {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// The name shown to staff.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Where the union meets (a market, a town).
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }

    /// Postal or street address.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }

    /// The credit officer who manages the union.
    async fn credit_officer_id(&self) -> ID {
        id(self.0.credit_officer_id)
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Set when the union is deleted (only administrators see deleted unions).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }

    /// The credit officer who manages the union.
    async fn credit_officer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let officer = found(ctx.loaders()?.user.load_one(self.0.credit_officer_id).await)?;
        Ok(officer.map(User))
    }

    /// The union's live members, by name.
    #[graphql(complexity = "super::pagination::cost(first, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<UnionMember>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let page = loaded(
            ctx.loaders()?
                .members_of_union
                .load_one((self.0.id, args.page))
                .await,
        )?;
        let Some(page) = page else {
            return Ok(Connection::empty(args.page));
        };
        preload::members(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(Connection::new(&page, args.page))
    }

    /// How many live members the union has.
    async fn member_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let count = loaded(
            ctx.loaders()?
                .member_count_of_union
                .load_one(self.0.id)
                .await,
        )?;
        Ok(count.unwrap_or(0))
    }

    /// The union's loans, newest first.
    #[graphql(complexity = "super::pagination::cost(first, child_complexity)")]
    async fn loans(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<super::pagination::LoanConnection> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let page = loaded(
            ctx.loaders()?
                .loans_of_union
                .load_one((self.0.id, args.page))
                .await,
        )?;
        let Some(page) = page else {
            return Ok(super::pagination::LoanConnection::new(
                Connection::empty(args.page),
                None,
            ));
        };
        preload::loans(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(super::pagination::LoanConnection::new(
            Connection::new(&page, args.page),
            None,
        ))
    }

    /// How many live loans the union has, in any status.
    async fn loan_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let count = loaded(ctx.loaders()?.loan_count_of_union.load_one(self.0.id).await)?;
        Ok(count.unwrap_or(0))
    }

    /// The union's changes of credit officer, newest first.
    #[graphql(complexity = "super::pagination::cost(first, child_complexity)")]
    async fn assignment_history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<AssignmentChange>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let page = loaded(
            ctx.loaders()?
                .assignments_of_union
                .load_one((self.0.id, args.page))
                .await,
        )?;
        let Some(page) = page else {
            return Ok(Connection::empty(args.page));
        };
        preload::assignments(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(Connection::new(&page, args.page))
    }
}

/// Narrows `unions`; every field is optional and they combine with AND. A filter can only
/// narrow what you may see.
#[derive(InputObject, Default)]
pub struct UnionFilter {
    credit_officer_id: Option<ID>,
    /// The unions of this supervisor's credit officers.
    supervisor_id: Option<ID>,
    /// Part of the name, location or address, any case.
    search: Option<String>,
}

impl UnionFilter {
    pub(super) fn parse(self) -> Result<DbUnionFilter, crate::services::ServiceError> {
        Ok(DbUnionFilter {
            credit_officer_id: self
                .credit_officer_id
                .map(|id| parse_id(&id, "creditOfficerId"))
                .transpose()?,
            supervisor_id: self
                .supervisor_id
                .map(|id| parse_id(&id, "supervisorId"))
                .transpose()?,
            search: self.search,
        })
    }
}

/// What `unions` can be sorted by.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnionOrderField {
    #[default]
    Name,
    CreatedAt,
    UpdatedAt,
}

/// The order of `unions` (default: by name, A to Z).
#[derive(InputObject, Default)]
pub struct UnionOrder {
    #[graphql(default)]
    field: UnionOrderField,
    #[graphql(default)]
    direction: SortDirection,
}

impl UnionOrder {
    pub(super) fn parse(self) -> (DbOrderField, db::Direction) {
        let field = match self.field {
            UnionOrderField::Name => DbOrderField::Name,
            UnionOrderField::CreatedAt => DbOrderField::CreatedAt,
            UnionOrderField::UpdatedAt => DbOrderField::UpdatedAt,
        };
        (field, self.direction.into())
    }
}

/// A new union.
#[derive(InputObject)]
pub struct CreateUnionInput {
    name: String,
    location: Option<String>,
    address: Option<String>,
    /// A live, active credit officer: any for administrators, one of their own for
    /// supervisors.
    credit_officer_id: ID,
}

/// Changes to a union's details: leave a field out to keep it, send `null` to clear an
/// optional one. The officer changes through `reassignUnion`.
#[derive(InputObject, Default)]
pub struct UpdateUnionInput {
    name: Option<String>,
    location: MaybeUndefined<String>,
    address: MaybeUndefined<String>,
}

#[derive(Default)]
pub struct UnionQuery;

#[Object]
impl UnionQuery {
    /// A union by id, if it is in your scope (NOT_FOUND otherwise).
    #[graphql(guard = "LoggedIn")]
    async fn union(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<Union> {
        let id: UnionId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        let row = service::get(ctx.state(), &caller, id, include_deleted).await?;
        preload::unions(ctx, vec![&row], preload::selection(ctx)).await?;
        Ok(row.into())
    }

    /// The unions in your scope, filtered and sorted.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn unions(
        &self,
        ctx: &Context<'_>,
        filter: Option<UnionFilter>,
        order_by: Option<UnionOrder>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<Connection<Union>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default().parse()?;
        let order = order_by.unwrap_or_default().parse();
        let listing = PageArgs::listing(ctx, Some(include_deleted));
        let key = ListKey {
            filter,
            order,
            listing,
            page: args.page,
        };
        let page = listed(ctx.loaders()?.union_lists.load_one(key).await)?;
        let loaders = ctx.loaders()?;
        loaders
            .union
            .feed_many(
                page.rows
                    .iter()
                    .map(|union| (union.id, Some(union.clone()))),
            )
            .await;
        preload::unions(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(Connection::new(&page, args.page))
    }
}

#[derive(Default)]
pub struct UnionMutation;

#[Object]
impl UnionMutation {
    /// Creates a union for a credit officer (administrators; supervisors for their own
    /// officers).
    #[graphql(guard = "LoggedIn")]
    async fn create_union(&self, ctx: &Context<'_>, input: CreateUnionInput) -> Result<Union> {
        let caller = ctx.request().caller()?;
        let input = UnionInput {
            name: input.name,
            location: input.location,
            address: input.address,
            credit_officer_id: parse_id(&input.credit_officer_id, "creditOfficerId")?,
        };
        Ok(service::create(ctx.state(), &caller, &input).await?.into())
    }

    /// Edits a union's name, location or address (anyone who can see it).
    #[graphql(guard = "LoggedIn")]
    async fn update_union(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateUnionInput,
    ) -> Result<Union> {
        let id: UnionId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        let update = UnionUpdate {
            name: input.name,
            location: patch(input.location),
            address: patch(input.address),
        };
        Ok(service::update(ctx.state(), &caller, id, &update)
            .await?
            .into())
    }

    /// Gives a union another credit officer (administrators). The change is recorded in the
    /// assignment history and the union's open loans follow the union.
    #[graphql(guard = "LoggedIn")]
    async fn reassign_union(
        &self,
        ctx: &Context<'_>,
        union_id: ID,
        credit_officer_id: ID,
        reason: Option<String>,
    ) -> Result<Union> {
        let union_id: UnionId = parse_id(&union_id, "unionId")?;
        let officer: UserId = parse_id(&credit_officer_id, "creditOfficerId")?;
        let caller = ctx.request().caller()?;
        Ok(
            service::reassign(ctx.state(), &caller, union_id, officer, reason.as_deref())
                .await?
                .into(),
        )
    }

    /// Deletes a union (administrators, or the officer's supervisor): refused while it has
    /// live members or open loans.
    #[graphql(guard = "LoggedIn")]
    async fn delete_union(&self, ctx: &Context<'_>, id: ID) -> Result<Union> {
        let id: UnionId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(service::delete(ctx.state(), &caller, id).await?.into())
    }

    /// Restores a deleted union (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn restore_union(&self, ctx: &Context<'_>, id: ID) -> Result<Union> {
        let id: UnionId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(service::restore(ctx.state(), &caller, id).await?.into())
    }
}

//! Union members: the `UnionMember` type with its relations, `unionMember`, `unionMembers`,
//! and `createUnionMember`, `updateUnionMember`, `setUnionMemberVerified`, `moveUnionMember`,
//! `deleteUnionMember`, `restoreUnionMember`.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::loaders::ListKey;
use super::pagination::{Connection, PageArgs};
use super::preload;
use super::scalars::{Date, parse_id};
use super::types::{
    AssignmentChange, Document, SortDirection, Union, User, found, id, listed, loaded, patch,
};
use crate::db;
use crate::db::union_members::{MemberFilter as DbMemberFilter, MemberOrderField as DbOrderField};
use crate::domain::{UnionId, UnionMemberId};
use crate::services::members::{self as service, MemberFields, MemberInput};

/// A member's gender, as recorded.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::members::Gender")]
pub enum Gender {
    Male,
    Female,
    Other,
}

/// A member's marital status, as recorded.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::members::MaritalStatus")]
pub enum MaritalStatus {
    Single,
    Married,
    Divorced,
    Widowed,
    Other,
}

/// A borrower, member of one union.
#[derive(Clone)]
pub struct UnionMember(pub db::union_members::UnionMember);

impl From<db::union_members::UnionMember> for UnionMember {
    fn from(member: db::union_members::UnionMember) -> Self {
        Self(member)
    }
}

#[Object]
impl UnionMember {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// `MEM` and six digits, given at registration and never reused.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Given name.
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }

    /// Family name.
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }

    /// First and last name.
    async fn full_name(&self) -> String {
        format!("{} {}", self.0.first_name, self.0.last_name)
    }

    /// Phone number, as entered (e.g. `+2348031234567`).
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// Email address, lower-case.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Postal or street address.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }

    /// A member is at least 16 years old.
    async fn date_of_birth(&self) -> Option<Date> {
        self.0.date_of_birth.map(Date)
    }

    /// As recorded at registration.
    async fn gender(&self) -> Option<Gender> {
        self.0.gender.map(Into::into)
    }

    /// As recorded at registration.
    async fn marital_status(&self) -> Option<MaritalStatus> {
        self.0.marital_status.map(Into::into)
    }

    /// Trade or occupation (e.g. fabric seller).
    async fn profession(&self) -> Option<&str> {
        self.0.profession.as_deref()
    }

    /// Employer or business name.
    async fn company(&self) -> Option<&str> {
        self.0.company.as_deref()
    }

    /// Town or city.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }

    /// Nigerian state (or region).
    async fn state(&self) -> Option<&str> {
        self.0.state.as_deref()
    }

    /// Country.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }

    /// Postal code.
    async fn zip_code(&self) -> Option<&str> {
        self.0.zip_code.as_deref()
    }

    /// Free text about the member.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// Address of a profile picture, for the frontend.
    async fn profile_image(&self) -> Option<&str> {
        self.0.profile_image.as_deref()
    }

    /// Whether a supervisor or administrator has checked the member's identity.
    async fn is_verified(&self) -> bool {
        self.0.is_verified
    }

    async fn union_id(&self) -> ID {
        id(self.0.union_id)
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Set when the member is deleted (only administrators see deleted members).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }

    /// The member's union.
    async fn union(&self, ctx: &Context<'_>) -> Result<Option<Union>> {
        let union = found(ctx.loaders()?.union.load_one(self.0.union_id).await)?;
        Ok(union.map(Union))
    }

    /// The credit officer of the member's union.
    async fn credit_officer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let loaders = ctx.loaders()?;
        let Some(union) = found(loaders.union.load_one(self.0.union_id).await)? else {
            return Ok(None);
        };
        let officer = found(loaders.user.load_one(union.credit_officer_id).await)?;
        Ok(officer.map(User))
    }

    /// The member's loans, newest first.
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
                .loans_of_member
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

    /// The member's documents, oldest upload first (deleted ones with `includeDeleted`, for
    /// administrators).
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<Vec<Document>> {
        super::documents::of_member(ctx, self.0.id, include_deleted).await
    }

    /// The member's moves between unions, newest first.
    #[graphql(complexity = "super::pagination::cost(first, child_complexity)")]
    async fn reassignments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<AssignmentChange>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let page = loaded(
            ctx.loaders()?
                .reassignments_of_member
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

/// Narrows `unionMembers`; every field is optional and they combine with AND. A filter can
/// only narrow what you may see.
#[derive(InputObject, Default)]
pub struct UnionMemberFilter {
    union_id: Option<ID>,
    /// The members of this credit officer's unions.
    credit_officer_id: Option<ID>,
    is_verified: Option<bool>,
    /// Part of the name, code, phone or email, any case.
    search: Option<String>,
}

impl UnionMemberFilter {
    pub(super) fn parse(self) -> Result<DbMemberFilter, crate::services::ServiceError> {
        Ok(DbMemberFilter {
            union_id: self
                .union_id
                .map(|id| parse_id(&id, "unionId"))
                .transpose()?,
            credit_officer_id: self
                .credit_officer_id
                .map(|id| parse_id(&id, "creditOfficerId"))
                .transpose()?,
            is_verified: self.is_verified,
            search: self.search,
        })
    }
}

/// What `unionMembers` can be sorted by.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnionMemberOrderField {
    /// Last name, then first name.
    #[default]
    Name,
    Code,
    CreatedAt,
    UpdatedAt,
}

/// The order of `unionMembers` (default: by name, A to Z).
#[derive(InputObject, Default)]
pub struct UnionMemberOrder {
    #[graphql(default)]
    field: UnionMemberOrderField,
    #[graphql(default)]
    direction: SortDirection,
}

impl UnionMemberOrder {
    pub(super) fn parse(self) -> (DbOrderField, db::Direction) {
        let field = match self.field {
            UnionMemberOrderField::Name => DbOrderField::Name,
            UnionMemberOrderField::Code => DbOrderField::Code,
            UnionMemberOrderField::CreatedAt => DbOrderField::CreatedAt,
            UnionMemberOrderField::UpdatedAt => DbOrderField::UpdatedAt,
        };
        (field, self.direction.into())
    }
}

/// A new member. The code (`MEM` + 6 digits) is given by the server.
#[derive(InputObject)]
pub struct CreateUnionMemberInput {
    /// A union in your scope.
    union_id: ID,
    first_name: String,
    last_name: String,
    phone: Option<String>,
    /// Unique among live members.
    email: Option<String>,
    address: Option<String>,
    /// The member must be at least 16.
    date_of_birth: Option<Date>,
    gender: Option<Gender>,
    marital_status: Option<MaritalStatus>,
    profession: Option<String>,
    company: Option<String>,
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
    zip_code: Option<String>,
    note: Option<String>,
    profile_image: Option<String>,
    /// Defaults to true.
    is_verified: Option<bool>,
}

/// Changes to a member: leave a field out to keep it, send `null` to clear an optional one.
/// The union changes through `moveUnionMember`, verification through `setUnionMemberVerified`.
#[derive(InputObject, Default)]
pub struct UpdateUnionMemberInput {
    first_name: Option<String>,
    last_name: Option<String>,
    phone: MaybeUndefined<String>,
    email: MaybeUndefined<String>,
    address: MaybeUndefined<String>,
    date_of_birth: MaybeUndefined<Date>,
    gender: MaybeUndefined<Gender>,
    marital_status: MaybeUndefined<MaritalStatus>,
    profession: MaybeUndefined<String>,
    company: MaybeUndefined<String>,
    city: MaybeUndefined<String>,
    state: MaybeUndefined<String>,
    country: MaybeUndefined<String>,
    zip_code: MaybeUndefined<String>,
    note: MaybeUndefined<String>,
    profile_image: MaybeUndefined<String>,
}

fn given<T>(value: Option<T>) -> Option<Option<T>> {
    value.map(Some)
}

impl CreateUnionMemberInput {
    fn parse(self) -> Result<MemberInput> {
        let input = self;
        Ok(MemberInput {
            union_id: parse_id(&input.union_id, "unionId")?,
            fields: MemberFields {
                first_name: Some(input.first_name),
                last_name: Some(input.last_name),
                phone: given(input.phone),
                email: given(input.email),
                address: given(input.address),
                date_of_birth: given(input.date_of_birth.map(|day| day.0)),
                gender: given(input.gender.map(Into::into)),
                marital_status: given(input.marital_status.map(Into::into)),
                profession: given(input.profession),
                company: given(input.company),
                city: given(input.city),
                state: given(input.state),
                country: given(input.country),
                zip_code: given(input.zip_code),
                note: given(input.note),
                profile_image: given(input.profile_image),
            },
            is_verified: input.is_verified,
        })
    }
}

impl From<UpdateUnionMemberInput> for MemberFields {
    fn from(input: UpdateUnionMemberInput) -> Self {
        Self {
            first_name: input.first_name,
            last_name: input.last_name,
            phone: patch(input.phone),
            email: patch(input.email),
            address: patch(input.address),
            date_of_birth: patch(input.date_of_birth.map_value(|day| day.0)),
            gender: patch(input.gender).map(|value| value.map(Into::into)),
            marital_status: patch(input.marital_status).map(|value| value.map(Into::into)),
            profession: patch(input.profession),
            company: patch(input.company),
            city: patch(input.city),
            state: patch(input.state),
            country: patch(input.country),
            zip_code: patch(input.zip_code),
            note: patch(input.note),
            profile_image: patch(input.profile_image),
        }
    }
}

#[derive(Default)]
pub struct UnionMemberQuery;

#[Object]
impl UnionMemberQuery {
    /// A member by id, if in your scope (NOT_FOUND otherwise).
    #[graphql(guard = "LoggedIn")]
    async fn union_member(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<UnionMember> {
        let id: UnionMemberId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        let row = service::get(ctx.state(), &caller, id, include_deleted).await?;
        preload::members(ctx, vec![&row], preload::selection(ctx)).await?;
        Ok(row.into())
    }

    /// The members in your scope, filtered and sorted.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn union_members(
        &self,
        ctx: &Context<'_>,
        filter: Option<UnionMemberFilter>,
        order_by: Option<UnionMemberOrder>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<Connection<UnionMember>> {
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
        let page = listed(ctx.loaders()?.member_lists.load_one(key).await)?;
        preload::members(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(Connection::new(&page, args.page))
    }
}

#[derive(Default)]
pub struct UnionMemberMutation;

#[Object]
impl UnionMemberMutation {
    /// Registers a member in a union of your scope; the server gives the code.
    #[graphql(guard = "LoggedIn")]
    async fn create_union_member(
        &self,
        ctx: &Context<'_>,
        input: CreateUnionMemberInput,
    ) -> Result<UnionMember> {
        let input = input.parse()?;
        let caller = ctx.request().caller()?;
        Ok(service::create(ctx.state(), &caller, &input).await?.into())
    }

    /// Edits a member of your scope.
    #[graphql(guard = "LoggedIn")]
    async fn update_union_member(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateUnionMemberInput,
    ) -> Result<UnionMember> {
        let id: UnionMemberId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(service::update(ctx.state(), &caller, id, &input.into())
            .await?
            .into())
    }

    /// Marks a member verified or not (administrators, or the officer's supervisor).
    #[graphql(guard = "LoggedIn")]
    async fn set_union_member_verified(
        &self,
        ctx: &Context<'_>,
        id: ID,
        verified: bool,
    ) -> Result<UnionMember> {
        let id: UnionMemberId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(service::set_verified(ctx.state(), &caller, id, verified)
            .await?
            .into())
    }

    /// Moves a member to another union (administrators). The move is recorded and the
    /// member's open loans follow to the new union and its officer.
    #[graphql(guard = "LoggedIn")]
    async fn move_union_member(
        &self,
        ctx: &Context<'_>,
        union_member_id: ID,
        union_id: ID,
        reason: Option<String>,
    ) -> Result<UnionMember> {
        let member: UnionMemberId = parse_id(&union_member_id, "unionMemberId")?;
        let union: UnionId = parse_id(&union_id, "unionId")?;
        let caller = ctx.request().caller()?;
        Ok(
            service::move_to(ctx.state(), &caller, member, union, reason.as_deref())
                .await?
                .into(),
        )
    }

    /// Deletes a member (administrators, or the officer's supervisor): refused while the
    /// member has an open loan.
    #[graphql(guard = "LoggedIn")]
    async fn delete_union_member(&self, ctx: &Context<'_>, id: ID) -> Result<UnionMember> {
        let id: UnionMemberId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(service::delete(ctx.state(), &caller, id).await?.into())
    }

    /// Restores a deleted member (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn restore_union_member(&self, ctx: &Context<'_>, id: ID) -> Result<UnionMember> {
        let id: UnionMemberId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(service::restore(ctx.state(), &caller, id).await?.into())
    }
}

//! Staff accounts: the `User` type with its relations, `user`, `users`, and the account
//! mutations (`createUser`, `updateUser`, `setUserActive`, `resetUserPassword`, `deleteUser`,
//! `restoreUser`).

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::loaders::ListKey;
use super::pagination::{Connection, PageArgs};
use super::preload;
use super::scalars::parse_id;
use super::sensitive::sensitive;
use super::types::{Role, SortDirection, Union, found, id, listed, loaded, patch};
use crate::config::Secret;
use crate::db;
use crate::db::users::{UserFilter as DbUserFilter, UserOrderField as DbOrderField};
use crate::domain::UserId;
use crate::services::users::{self as service, UserInput, UserUpdate};

/// A member of staff.
#[derive(Clone)]
pub struct User(pub db::users::User);

impl From<db::users::User> for User {
    fn from(user: db::users::User) -> Self {
        Self(user)
    }
}

#[Object]
impl User {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// Lower-case; unique among live accounts.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// What the account may do; see SPEC section 2.
    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// A deactivated account cannot log in.
    async fn is_active(&self) -> bool {
        self.0.is_active
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

    /// Postal or street address.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }

    /// Address of a profile picture, for the frontend.
    async fn profile_image(&self) -> Option<&str> {
        self.0.profile_image.as_deref()
    }

    /// The supervisor of a credit officer.
    async fn supervisor_id(&self) -> Option<ID> {
        self.0.supervisor_id.map(id)
    }

    /// The last successful login.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }

    /// The last time the account was seen active.
    async fn last_activity_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_activity_at
    }

    /// How many times the account has logged in.
    async fn login_count(&self) -> i32 {
        self.0.login_count
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Set when the account is deleted (only administrators see deleted accounts).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }

    /// The supervisor of a credit officer, when you may see them (a credit officer sees only
    /// their own account, so this is null for them).
    async fn supervisor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(supervisor) = self.0.supervisor_id else {
            return Ok(None);
        };
        let loaded = found(ctx.loaders()?.user.load_one(supervisor).await)?;
        Ok(loaded.map(User))
    }

    /// The credit officers this user supervises, by name.
    #[graphql(complexity = "super::pagination::cost(first, child_complexity)")]
    async fn credit_officers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<User>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let page = loaded(
            ctx.loaders()?
                .officers_of_supervisor
                .load_one((self.0.id, args.page))
                .await,
        )?;
        let Some(page) = page else {
            return Ok(Connection::empty(args.page));
        };
        preload::users(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(Connection::new(&page, args.page))
    }

    /// The unions this credit officer manages, by name.
    #[graphql(complexity = "super::pagination::cost(first, child_complexity)")]
    async fn unions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<Union>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let page = loaded(
            ctx.loaders()?
                .unions_of_officer
                .load_one((self.0.id, args.page))
                .await,
        )?;
        let Some(page) = page else {
            return Ok(Connection::empty(args.page));
        };
        preload::unions(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(Connection::new(&page, args.page))
    }

    /// The loans this credit officer is in charge of, newest first.
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
                .loans_of_officer
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
}

/// Narrows `users`; every field is optional and they combine with AND.
#[derive(InputObject, Default)]
pub struct UserFilter {
    role: Option<Role>,
    is_active: Option<bool>,
    /// The credit officers of this supervisor.
    supervisor_id: Option<ID>,
    /// Part of the name or email, any case.
    search: Option<String>,
}

impl UserFilter {
    pub(super) fn parse(self) -> Result<DbUserFilter, crate::services::ServiceError> {
        Ok(DbUserFilter {
            role: self.role.map(Into::into),
            is_active: self.is_active,
            supervisor_id: self
                .supervisor_id
                .map(|id| parse_id(&id, "supervisorId"))
                .transpose()?,
            search: self.search,
        })
    }
}

/// What `users` can be sorted by.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserOrderField {
    /// Last name, then first name.
    #[default]
    Name,
    Email,
    CreatedAt,
    LastLoginAt,
}

/// The order of `users` (default: by name, A to Z).
#[derive(InputObject, Default)]
pub struct UserOrder {
    #[graphql(default)]
    field: UserOrderField,
    #[graphql(default)]
    direction: SortDirection,
}

impl UserOrder {
    pub(super) fn parse(self) -> (DbOrderField, db::Direction) {
        let field = match self.field {
            UserOrderField::Name => DbOrderField::Name,
            UserOrderField::Email => DbOrderField::Email,
            UserOrderField::CreatedAt => DbOrderField::CreatedAt,
            UserOrderField::LastLoginAt => DbOrderField::LastLoginAt,
        };
        (field, self.direction.into())
    }
}

/// A new staff account.
#[derive(InputObject)]
pub struct CreateUserInput {
    email: String,
    /// 8 to 128 characters with an upper-case letter, a lower-case letter and a digit.
    #[graphql(secret)]
    password: String,
    role: Role,
    first_name: String,
    last_name: String,
    phone: Option<String>,
    address: Option<String>,
    /// For a credit officer: their supervisor (a SUPERVISOR or ADMIN). A supervisor who
    /// creates an officer becomes theirs; leave it out then.
    supervisor_id: Option<ID>,
}

/// Changes to a staff account: leave a field out to keep it, send `null` to clear an optional
/// one. Only administrators change roles and supervisors.
#[derive(InputObject, Default)]
pub struct UpdateUserInput {
    email: Option<String>,
    role: Option<Role>,
    supervisor_id: MaybeUndefined<ID>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: MaybeUndefined<String>,
    address: MaybeUndefined<String>,
    profile_image: MaybeUndefined<String>,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// A member of staff by id: anyone for administrators, self and own officers for
    /// supervisors, self for credit officers. Anything else answers NOT_FOUND.
    #[graphql(guard = "LoggedIn")]
    async fn user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<User> {
        let id: UserId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        let row = service::get(ctx.state(), &caller, id, include_deleted).await?;
        preload::users(ctx, vec![&row], preload::selection(ctx)).await?;
        Ok(row.into())
    }

    /// The staff you may see, filtered and sorted.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilter>,
        order_by: Option<UserOrder>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<Connection<User>> {
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
        let page = listed(ctx.loaders()?.user_lists.load_one(key).await)?;
        preload::users(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(Connection::new(&page, args.page))
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates a staff account. Administrators create any role; supervisors create credit
    /// officers, who become theirs.
    #[graphql(guard = "LoggedIn")]
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let caller = ctx.request().caller()?;
        let input = UserInput {
            email: input.email,
            password: Secret::new(input.password),
            role: input.role.into(),
            first_name: input.first_name,
            last_name: input.last_name,
            phone: input.phone,
            address: input.address,
            supervisor_id: input
                .supervisor_id
                .map(|id| parse_id(&id, "supervisorId"))
                .transpose()?,
        };
        Ok(service::create(ctx.state(), &caller, &input).await?.into())
    }

    /// Edits a staff account: administrators anyone; supervisors themselves and their officers;
    /// credit officers themselves.
    #[graphql(guard = "LoggedIn")]
    async fn update_user(&self, ctx: &Context<'_>, id: ID, input: UpdateUserInput) -> Result<User> {
        let id: UserId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        let supervisor_id = match patch(input.supervisor_id) {
            None => None,
            Some(None) => Some(None),
            Some(Some(raw)) => Some(Some(parse_id(&raw, "supervisorId")?)),
        };
        let update = UserUpdate {
            email: input.email,
            role: input.role.map(Into::into),
            supervisor_id,
            first_name: input.first_name,
            last_name: input.last_name,
            phone: patch(input.phone),
            address: patch(input.address),
            profile_image: patch(input.profile_image),
        };
        Ok(service::update(ctx.state(), &caller, id, &update)
            .await?
            .into())
    }

    /// Activates or deactivates an account (administrators, or the officer's supervisor).
    /// Deactivating ends the account's sessions. Nobody deactivates themself or the last
    /// active administrator.
    #[graphql(guard = "LoggedIn")]
    async fn set_user_active(&self, ctx: &Context<'_>, id: ID, active: bool) -> Result<User> {
        let id: UserId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(service::set_active(ctx.state(), &caller, id, active)
            .await?
            .into())
    }

    /// Sets a new password for another account (administrators, or the officer's supervisor)
    /// and ends its sessions.
    #[graphql(guard = "LoggedIn", directive = sensitive::apply(None))]
    async fn reset_user_password(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(secret)] new_password: String,
    ) -> Result<User> {
        let id: UserId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(
            service::reset_password(ctx.state(), &caller, id, &Secret::new(new_password))
                .await?
                .into(),
        )
    }

    /// Deletes an account (administrators): refused while it supervises officers or manages
    /// unions. Its sessions end.
    #[graphql(guard = "LoggedIn")]
    async fn delete_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let id: UserId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(service::delete(ctx.state(), &caller, id).await?.into())
    }

    /// Restores a deleted account (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn restore_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let id: UserId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(service::restore(ctx.state(), &caller, id).await?.into())
    }
}

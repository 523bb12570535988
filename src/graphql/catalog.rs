//! The catalogue: `LoanType` and `DocumentType`, their queries (every member of staff), and
//! their mutations (administrators).

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::loaders::ListKey;
use super::pagination::{Connection, PageArgs};
use super::scalars::parse_id;
use super::types::{SortDirection, id, listed, patch};
use crate::db;
use crate::db::document_types::DocumentTypeFilter as DbDocumentTypeFilter;
use crate::db::loan_types::{LoanTypeFilter as DbLoanTypeFilter, LoanTypeOrderField as DbOrder};
use crate::domain::{DocumentTypeId, LoanTypeId};
use crate::services::catalog::{self as service, DocumentTypeInput, LoanTypeInput};

/// The period of a loan's installments.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::products::TermUnit")]
pub enum TermUnit {
    Day,
    Week,
    Month,
}

/// How interest is computed.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::products::InterestMethod")]
pub enum InterestMethod {
    /// On the principal, for every period.
    Flat,
    /// On the balance still owed at each period.
    DecliningBalance,
}

/// A loan product: the bounds and defaults copied onto each loan made with it.
#[derive(Clone)]
pub struct LoanType(pub db::loan_types::LoanType);

impl From<db::loan_types::LoanType> for LoanType {
    fn from(row: db::loan_types::LoanType) -> Self {
        Self(row)
    }
}

#[Object]
impl LoanType {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// Unique among live products.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What it is for, for staff.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The smallest principal.
    async fn min_amount(&self) -> Decimal {
        self.0.min_amount
    }

    /// The largest principal (greater than `minAmount`).
    async fn max_amount(&self) -> Decimal {
        self.0.max_amount
    }

    /// The period of the installments: DAY, WEEK or MONTH.
    async fn term_unit(&self) -> TermUnit {
        self.0.term_unit.into()
    }

    /// The fewest installments.
    async fn min_term(&self) -> i32 {
        self.0.min_term
    }

    /// The most installments.
    async fn max_term(&self) -> i32 {
        self.0.max_term
    }

    /// Percent per term period.
    async fn interest_rate(&self) -> Decimal {
        self.0.interest_rate
    }

    /// FLAT (on the principal) or DECLINING_BALANCE (on what is still owed).
    async fn interest_method(&self) -> InterestMethod {
        self.0.interest_method.into()
    }

    /// The processing fee a new loan gets unless set otherwise.
    async fn default_processing_fee(&self) -> Decimal {
        self.0.default_processing_fee
    }

    /// The penalty per day late a new loan gets unless set otherwise.
    async fn default_penalty_fee_per_day(&self) -> Decimal {
        self.0.default_penalty_fee_per_day
    }

    /// New loans can only be made with active products.
    async fn is_active(&self) -> bool {
        self.0.is_active
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

/// A kind of document (national ID card, utility bill, …).
#[derive(Clone)]
pub struct DocumentType(pub db::document_types::DocumentType);

impl From<db::document_types::DocumentType> for DocumentType {
    fn from(row: db::document_types::DocumentType) -> Self {
        Self(row)
    }
}

#[Object]
impl DocumentType {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// Derived from the name (`NATIONAL_ID_CARD`); unique among live types.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// The name shown to staff.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What it is for, for staff.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Whether it can be used for new records.
    async fn is_active(&self) -> bool {
        self.0.is_active
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

/// Narrows `loanTypes`.
#[derive(InputObject, Default)]
pub struct LoanTypeFilter {
    is_active: Option<bool>,
    term_unit: Option<TermUnit>,
    /// Part of the name or description, any case.
    search: Option<String>,
}

/// What `loanTypes` can be sorted by.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoanTypeOrderField {
    #[default]
    Name,
    CreatedAt,
}

/// The order of `loanTypes` (default: by name).
#[derive(InputObject, Default)]
pub struct LoanTypeOrder {
    #[graphql(default)]
    field: LoanTypeOrderField,
    #[graphql(default)]
    direction: SortDirection,
}

/// A new loan product.
#[derive(InputObject)]
pub struct CreateLoanTypeInput {
    name: String,
    description: Option<String>,
    min_amount: Decimal,
    max_amount: Decimal,
    term_unit: TermUnit,
    min_term: i32,
    max_term: i32,
    /// Percent per term period; defaults to 0.
    interest_rate: Option<Decimal>,
    /// Defaults to FLAT.
    interest_method: Option<InterestMethod>,
    default_processing_fee: Option<Decimal>,
    default_penalty_fee_per_day: Option<Decimal>,
    /// Defaults to true.
    is_active: Option<bool>,
}

/// Changes to a loan product: leave a field out to keep it. Loans already made keep their
/// copied terms.
#[derive(InputObject, Default)]
pub struct UpdateLoanTypeInput {
    name: Option<String>,
    description: MaybeUndefined<String>,
    min_amount: Option<Decimal>,
    max_amount: Option<Decimal>,
    term_unit: Option<TermUnit>,
    min_term: Option<i32>,
    max_term: Option<i32>,
    interest_rate: Option<Decimal>,
    interest_method: Option<InterestMethod>,
    default_processing_fee: Option<Decimal>,
    default_penalty_fee_per_day: Option<Decimal>,
}

/// Narrows `documentTypes`.
#[derive(InputObject, Default)]
pub struct DocumentTypeFilter {
    is_active: Option<bool>,
    /// Part of the name, code or description, any case.
    search: Option<String>,
}

/// A new document type; its code is derived from the name.
#[derive(InputObject)]
pub struct CreateDocumentTypeInput {
    name: String,
    description: Option<String>,
    /// Defaults to true.
    is_active: Option<bool>,
}

/// Changes to a document type: leave a field out to keep it.
#[derive(InputObject, Default)]
pub struct UpdateDocumentTypeInput {
    name: Option<String>,
    description: MaybeUndefined<String>,
    is_active: Option<bool>,
}

#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// A loan product by id.
    #[graphql(guard = "LoggedIn")]
    async fn loan_type(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<LoanType> {
        let id: LoanTypeId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(
            service::loan_type(ctx.state(), &caller, id, include_deleted)
                .await?
                .into(),
        )
    }

    /// The loan products, filtered and sorted.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn loan_types(
        &self,
        ctx: &Context<'_>,
        filter: Option<LoanTypeFilter>,
        order_by: Option<LoanTypeOrder>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<Connection<LoanType>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let order = order_by.unwrap_or_default();
        let key = ListKey {
            filter: DbLoanTypeFilter {
                is_active: filter.is_active,
                term_unit: filter.term_unit.map(Into::into),
                search: filter.search,
            },
            order: (
                match order.field {
                    LoanTypeOrderField::Name => DbOrder::Name,
                    LoanTypeOrderField::CreatedAt => DbOrder::CreatedAt,
                },
                order.direction.into(),
            ),
            listing: PageArgs::listing(ctx, Some(include_deleted)),
            page: args.page,
        };
        let page = listed(ctx.loaders()?.loan_type_lists.load_one(key).await)?;
        Ok(Connection::new(&page, args.page))
    }

    /// A document type by id.
    #[graphql(guard = "LoggedIn")]
    async fn document_type(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<DocumentType> {
        let id: DocumentTypeId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(
            service::document_type(ctx.state(), &caller, id, include_deleted)
                .await?
                .into(),
        )
    }

    /// The document types, by name.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn document_types(
        &self,
        ctx: &Context<'_>,
        filter: Option<DocumentTypeFilter>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<Connection<DocumentType>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let key = ListKey {
            filter: DbDocumentTypeFilter {
                is_active: filter.is_active,
                search: filter.search,
            },
            order: (),
            listing: PageArgs::listing(ctx, Some(include_deleted)),
            page: args.page,
        };
        let page = listed(ctx.loaders()?.document_type_lists.load_one(key).await)?;
        Ok(Connection::new(&page, args.page))
    }
}

#[derive(Default)]
pub struct CatalogMutation;

fn loan_type_id(raw: &ID) -> Result<LoanTypeId> {
    Ok(parse_id(raw, "id")?)
}

fn document_type_id(raw: &ID) -> Result<DocumentTypeId> {
    Ok(parse_id(raw, "id")?)
}

#[Object]
impl CatalogMutation {
    /// Creates a loan product (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn create_loan_type(
        &self,
        ctx: &Context<'_>,
        input: CreateLoanTypeInput,
    ) -> Result<LoanType> {
        let caller = ctx.request().caller()?;
        let input = LoanTypeInput {
            name: Some(input.name),
            description: Some(input.description),
            min_amount: Some(input.min_amount),
            max_amount: Some(input.max_amount),
            term_unit: Some(input.term_unit.into()),
            min_term: Some(input.min_term),
            max_term: Some(input.max_term),
            interest_rate: input.interest_rate,
            interest_method: input.interest_method.map(Into::into),
            default_processing_fee: input.default_processing_fee,
            default_penalty_fee_per_day: input.default_penalty_fee_per_day,
            is_active: input.is_active,
        };
        Ok(service::create_loan_type(ctx.state(), &caller, &input)
            .await?
            .into())
    }

    /// Edits a loan product (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn update_loan_type(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateLoanTypeInput,
    ) -> Result<LoanType> {
        let id = loan_type_id(&id)?;
        let caller = ctx.request().caller()?;
        let input = LoanTypeInput {
            name: input.name,
            description: patch(input.description),
            min_amount: input.min_amount,
            max_amount: input.max_amount,
            term_unit: input.term_unit.map(Into::into),
            min_term: input.min_term,
            max_term: input.max_term,
            interest_rate: input.interest_rate,
            interest_method: input.interest_method.map(Into::into),
            default_processing_fee: input.default_processing_fee,
            default_penalty_fee_per_day: input.default_penalty_fee_per_day,
            is_active: None,
        };
        Ok(service::update_loan_type(ctx.state(), &caller, id, &input)
            .await?
            .into())
    }

    /// Switches a loan product on or off (administrators); loans already made are not affected.
    #[graphql(guard = "LoggedIn")]
    async fn set_loan_type_active(
        &self,
        ctx: &Context<'_>,
        id: ID,
        active: bool,
    ) -> Result<LoanType> {
        let id = loan_type_id(&id)?;
        let caller = ctx.request().caller()?;
        let input = LoanTypeInput {
            is_active: Some(active),
            ..LoanTypeInput::default()
        };
        Ok(service::update_loan_type(ctx.state(), &caller, id, &input)
            .await?
            .into())
    }

    /// Deletes a loan product no loan uses (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn delete_loan_type(&self, ctx: &Context<'_>, id: ID) -> Result<LoanType> {
        let id = loan_type_id(&id)?;
        let caller = ctx.request().caller()?;
        Ok(service::delete_loan_type(ctx.state(), &caller, id)
            .await?
            .into())
    }

    /// Restores a deleted loan product (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn restore_loan_type(&self, ctx: &Context<'_>, id: ID) -> Result<LoanType> {
        let id = loan_type_id(&id)?;
        let caller = ctx.request().caller()?;
        Ok(service::restore_loan_type(ctx.state(), &caller, id)
            .await?
            .into())
    }

    /// Creates a document type (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn create_document_type(
        &self,
        ctx: &Context<'_>,
        input: CreateDocumentTypeInput,
    ) -> Result<DocumentType> {
        let caller = ctx.request().caller()?;
        let input = DocumentTypeInput {
            name: Some(input.name),
            description: Some(input.description),
            is_active: input.is_active,
        };
        Ok(service::create_document_type(ctx.state(), &caller, &input)
            .await?
            .into())
    }

    /// Edits a document type (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn update_document_type(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateDocumentTypeInput,
    ) -> Result<DocumentType> {
        let id = document_type_id(&id)?;
        let caller = ctx.request().caller()?;
        let input = DocumentTypeInput {
            name: input.name,
            description: patch(input.description),
            is_active: input.is_active,
        };
        Ok(
            service::update_document_type(ctx.state(), &caller, id, &input)
                .await?
                .into(),
        )
    }

    /// Deletes a document type no document uses (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn delete_document_type(&self, ctx: &Context<'_>, id: ID) -> Result<DocumentType> {
        let id = document_type_id(&id)?;
        let caller = ctx.request().caller()?;
        Ok(service::delete_document_type(ctx.state(), &caller, id)
            .await?
            .into())
    }

    /// Restores a deleted document type (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn restore_document_type(&self, ctx: &Context<'_>, id: ID) -> Result<DocumentType> {
        let id = document_type_id(&id)?;
        let caller = ctx.request().caller()?;
        Ok(service::restore_document_type(ctx.state(), &caller, id)
            .await?
            .into())
    }
}

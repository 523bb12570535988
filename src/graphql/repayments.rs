//! Repayments: `Repayment` with its allocations, `repayment`, `repayments`, and
//! `recordRepayment`, `reverseRepayment`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::loaders::ListKey;
use super::loans::Loan;
use super::pagination::{Connection, PageArgs, RepaymentConnection};
use super::preload;
use super::scalars::{parse_id, parse_optional_id};
use super::types::{User, found, id, listed, loaded};
use crate::db;
use crate::domain::RepaymentId;
use crate::services::repayments::{self as service, RepaymentInput};

/// How a repayment was paid.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::allocation::PaymentMethod")]
pub enum PaymentMethod {
    Cash,
    Transfer,
    Pos,
    Mobile,
    Ussd,
    Other,
}

/// Money received for a loan. Never edited or deleted; an administrator may reverse it.
#[derive(Clone)]
pub struct Repayment(pub db::repayments::Repayment);

impl From<db::repayments::Repayment> for Repayment {
    fn from(row: db::repayments::Repayment) -> Self {
        Self(row)
    }
}

#[Object]
impl Repayment {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    async fn amount(&self) -> Decimal {
        self.0.amount
    }

    async fn currency_code(&self) -> &str {
        &self.0.currency_code
    }

    /// When the money was paid (may be earlier than it was recorded).
    async fn paid_at(&self) -> DateTime<Utc> {
        self.0.paid_at
    }

    async fn method(&self) -> PaymentMethod {
        self.0.method.into()
    }

    /// A receipt or transfer reference.
    async fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }

    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// The key the client sent: the same key never records twice.
    async fn idempotency_key(&self) -> &str {
        &self.0.idempotency_key
    }

    /// Set when an administrator reversed it; a reversed repayment pays nothing.
    async fn reversed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reversed_at
    }

    async fn reversal_reason(&self) -> Option<&str> {
        self.0.reversal_reason.as_deref()
    }

    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn loan_id(&self) -> ID {
        id(self.0.loan_id)
    }

    async fn loan(&self, ctx: &Context<'_>) -> Result<Option<Loan>> {
        Ok(found(ctx.loaders()?.loan.load_one(self.0.loan_id).await)?.map(Loan))
    }

    /// Who recorded it.
    async fn received_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let by = self.0.received_by_user_id;
        Ok(found(ctx.loaders()?.user.load_one(by).await)?.map(User))
    }

    /// Who reversed it.
    async fn reversed_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(by) = self.0.reversed_by_user_id else {
            return Ok(None);
        };
        Ok(found(ctx.loaders()?.user.load_one(by).await)?.map(User))
    }

    /// Where every cent went: installments (fees, interest, principal) and penalties.
    async fn allocations(&self, ctx: &Context<'_>) -> Result<Vec<RepaymentAllocation>> {
        let rows = loaded(
            ctx.loaders()?
                .allocations_of_repayment
                .load_one(self.0.id)
                .await,
        )?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(RepaymentAllocation)
            .collect())
    }
}

/// A part of a repayment paid to one installment or one charge.
#[derive(Clone)]
pub struct RepaymentAllocation(pub db::repayments::AllocationRow);

#[Object]
impl RepaymentAllocation {
    /// The installment paid, for an installment's part.
    async fn schedule_item_id(&self) -> Option<ID> {
        self.0.schedule_item_id.map(id)
    }

    /// The charge paid, for a penalty's part.
    async fn charge_id(&self) -> Option<ID> {
        self.0.charge_id.map(id)
    }

    async fn principal_amount(&self) -> Decimal {
        self.0.principal_amount
    }

    async fn interest_amount(&self) -> Decimal {
        self.0.interest_amount
    }

    async fn fee_amount(&self) -> Decimal {
        self.0.fee_amount
    }

    async fn penalty_amount(&self) -> Decimal {
        self.0.penalty_amount
    }

    /// The sum of the parts.
    async fn amount(&self) -> Decimal {
        self.0.amount
    }
}

/// A repayment to record.
#[derive(InputObject)]
pub struct RecordRepaymentInput {
    loan_id: ID,
    /// More than zero and at most what is owed.
    amount: Decimal,
    /// Defaults to now; may be in the past (not before disbursement), never in the future.
    paid_at: Option<DateTime<Utc>>,
    method: PaymentMethod,
    reference: Option<String>,
    notes: Option<String>,
    /// Chosen by the client, e.g. a UUID per payment: retrying with the same key and input
    /// returns the first repayment and records nothing.
    idempotency_key: String,
}

#[derive(Default)]
pub struct RepaymentQuery;

#[Object]
impl RepaymentQuery {
    /// A repayment by id, if its loan is in your scope.
    #[graphql(guard = "LoggedIn")]
    async fn repayment(&self, ctx: &Context<'_>, id: ID) -> Result<Repayment> {
        let id: RepaymentId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(Repayment(service::get(ctx.state(), &caller, id).await?))
    }

    /// Repayments of the loans in your scope, latest paid first; reversed ones only with
    /// `includeReversed`.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn repayments(
        &self,
        ctx: &Context<'_>,
        filter: Option<RepaymentFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<RepaymentConnection> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let filter: crate::db::repayments::RepaymentFilter = filter.unwrap_or_default().parse()?;
        let key = ListKey {
            filter: filter.clone(),
            order: (),
            listing: PageArgs::listing(ctx, None),
            page: args.page,
        };
        let page = listed(ctx.loaders()?.repayment_lists.load_one(key).await)?;
        preload::repayments(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(RepaymentConnection::new(
            Connection::new(&page, args.page),
            Some(filter),
        ))
    }
}

/// Narrows `repayments`; the fields combine with AND.
#[derive(InputObject, Default)]
pub struct RepaymentFilter {
    loan_id: Option<ID>,
    union_id: Option<ID>,
    /// Who recorded them.
    received_by_user_id: Option<ID>,
    method: Option<PaymentMethod>,
    paid_from: Option<DateTime<Utc>>,
    paid_to: Option<DateTime<Utc>>,
    /// Reversed repayments too (left out by default).
    #[graphql(default)]
    include_reversed: bool,
}

impl RepaymentFilter {
    pub(super) fn parse(
        self,
    ) -> Result<db::repayments::RepaymentFilter, crate::services::ServiceError> {
        Ok(db::repayments::RepaymentFilter {
            loan_id: parse_optional_id(self.loan_id.as_ref(), "loanId")?,
            union_id: parse_optional_id(self.union_id.as_ref(), "unionId")?,
            received_by_user_id: parse_optional_id(
                self.received_by_user_id.as_ref(),
                "receivedByUserId",
            )?,
            method: self.method.map(Into::into),
            paid_from: self.paid_from,
            paid_to: self.paid_to,
            include_reversed: self.include_reversed,
        })
    }
}

#[derive(Default)]
pub struct RepaymentMutation;

#[Object]
impl RepaymentMutation {
    /// Records a repayment of an ACTIVE or DEFAULTED loan in your scope and allocates it
    /// (penalties and installments in the company's allocation order). The loan completes
    /// when nothing is owed.
    #[graphql(guard = "LoggedIn")]
    async fn record_repayment(
        &self,
        ctx: &Context<'_>,
        input: RecordRepaymentInput,
    ) -> Result<Repayment> {
        let caller = ctx.request().caller()?;
        let input = RepaymentInput {
            loan_id: parse_id(&input.loan_id, "loanId")?,
            amount: input.amount,
            paid_at: input.paid_at,
            method: input.method.into(),
            reference: input.reference,
            notes: input.notes,
            idempotency_key: input.idempotency_key,
        };
        Ok(Repayment(
            service::record(ctx.state(), &caller, &input).await?,
        ))
    }

    /// Reverses a repayment, with the reason (administrators). It stays visible as reversed,
    /// the loan is re-played without it, and its status follows.
    #[graphql(guard = "LoggedIn")]
    async fn reverse_repayment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> Result<Repayment> {
        let id: RepaymentId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(Repayment(
            service::reverse(ctx.state(), &caller, id, &reason).await?,
        ))
    }
}

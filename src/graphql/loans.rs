//! Loans: the `Loan` type with its relations and schedule, `loan`, `loanByNumber`, `loans`, and
//! the lifecycle mutations (`createLoan`, `submitLoan`, `approveLoan`, `rejectLoan`,
//! `cancelLoan`, `disburseLoan`, `writeOffLoan`, `deleteLoan`, `restoreLoan`).

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::catalog::{InterestMethod, TermUnit};
use super::charges::{LoanBalance, LoanCharge};
use super::context::ContextExt;
use super::guards::LoggedIn;
use super::loaders::ListKey;
use super::pagination::{Connection, LoanConnection, PageArgs, RepaymentScheduleItemConnection};
use super::preload;
use super::scalars::{Date, parse_id, parse_optional_id};
use super::types::{LoanType, Union, UnionMember, User, found, id, listed, loaded, patch};
use crate::db;
use crate::db::loans::LoanFilter as DbLoanFilter;
use crate::domain::LoanId;
use crate::domain::balance::balance;
use crate::domain::schedule::status_on;
use crate::services::loans::{self as service, LoanInput, LoanUpdate};

/// Today for this request: the day it started.
pub fn today(ctx: &Context<'_>) -> NaiveDate {
    ctx.request()
        .started_at()
        .unwrap_or_else(|| ctx.state().clock.now())
        .date_naive()
}

/// Where a loan is in its lifecycle.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::LoanStatus")]
pub enum LoanStatus {
    /// Being prepared; not yet submitted.
    Draft,
    /// Submitted; waiting for a supervisor or administrator.
    PendingApproval,
    /// Approved; waiting for disbursement.
    Approved,
    /// Disbursed and being repaid.
    Active,
    /// Repaid in full.
    Completed,
    /// Past its end date with a balance.
    Defaulted,
    /// Written off by an administrator.
    WrittenOff,
    /// Rejected or cancelled before disbursement.
    Canceled,
}

/// Where an installment stands, as of today.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::schedule::ScheduleStatus")]
pub enum ScheduleStatus {
    /// Not yet due, nothing paid.
    Pending,
    /// Partly paid, not yet late.
    Partial,
    /// Paid in full.
    Paid,
    /// Past its due date and not paid in full.
    Overdue,
}

/// A loan to a union member.
#[derive(Clone)]
pub struct Loan(pub db::loans::Loan);

impl From<db::loans::Loan> for Loan {
    fn from(row: db::loans::Loan) -> Self {
        Self(row)
    }
}

#[Object]
impl Loan {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// `LN` and eight digits, never reused.
    async fn loan_number(&self) -> &str {
        &self.0.loan_number
    }

    async fn status(&self) -> LoanStatus {
        self.0.status.into()
    }

    /// Why it was rejected, cancelled or written off.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }

    /// The amount lent.
    async fn principal_amount(&self) -> Decimal {
        self.0.principal_amount
    }

    async fn currency_code(&self) -> &str {
        &self.0.currency_code
    }

    /// How many installments.
    async fn term_count(&self) -> i32 {
        self.0.term_count
    }

    /// Copied from the product at creation.
    async fn term_unit(&self) -> TermUnit {
        self.0.term_unit.into()
    }

    /// Percent per term period, copied from the product at creation.
    async fn interest_rate(&self) -> Decimal {
        self.0.interest_rate
    }

    /// Copied from the product at creation.
    async fn interest_method(&self) -> InterestMethod {
        self.0.interest_method.into()
    }

    /// The first installment is due one period after it.
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }

    /// The due date of the last installment.
    async fn end_date(&self) -> Date {
        self.0.end_date.into()
    }

    /// Collected upfront at approval; not part of the schedule.
    async fn processing_fee_amount(&self) -> Decimal {
        self.0.processing_fee_amount
    }

    async fn processing_fee_collected(&self) -> bool {
        self.0.processing_fee_collected
    }

    /// Charged per day late once the grace days have passed.
    async fn penalty_fee_per_day_amount(&self) -> Decimal {
        self.0.penalty_fee_per_day_amount
    }

    async fn union_member_id(&self) -> ID {
        id(self.0.union_member_id)
    }

    async fn union_id(&self) -> ID {
        id(self.0.union_id)
    }

    async fn loan_type_id(&self) -> ID {
        id(self.0.loan_type_id)
    }

    async fn assigned_officer_id(&self) -> ID {
        id(self.0.assigned_officer_id)
    }

    async fn approved_at(&self) -> Option<DateTime<Utc>> {
        self.0.approved_at
    }

    async fn disbursed_at(&self) -> Option<DateTime<Utc>> {
        self.0.disbursed_at
    }

    /// When it was completed, cancelled or written off.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }

    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When the record was deleted; only administrators see deleted records.
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }

    /// The borrower.
    async fn union_member(&self, ctx: &Context<'_>) -> Result<Option<UnionMember>> {
        let member = found(ctx.loaders()?.member.load_one(self.0.union_member_id).await)?;
        Ok(member.map(UnionMember))
    }

    async fn union(&self, ctx: &Context<'_>) -> Result<Option<Union>> {
        Ok(found(ctx.loaders()?.union.load_one(self.0.union_id).await)?.map(Union))
    }

    /// The product the loan was made with.
    async fn loan_type(&self, ctx: &Context<'_>) -> Result<Option<LoanType>> {
        let product = found(ctx.loaders()?.loan_type.load_one(self.0.loan_type_id).await)?;
        Ok(product.map(LoanType))
    }

    /// The credit officer in charge.
    async fn assigned_officer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let officer = self.0.assigned_officer_id;
        Ok(found(ctx.loaders()?.user.load_one(officer).await)?.map(User))
    }

    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let creator = self.0.created_by_user_id;
        Ok(found(ctx.loaders()?.user.load_one(creator).await)?.map(User))
    }

    async fn approved_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(approver) = self.0.approved_by_user_id else {
            return Ok(None);
        };
        Ok(found(ctx.loaders()?.user.load_one(approver).await)?.map(User))
    }

    /// The repayments, reversed ones included, in `paidAt` order.
    async fn repayments(&self, ctx: &Context<'_>) -> Result<Vec<super::repayments::Repayment>> {
        let rows = loaded(ctx.loaders()?.repayments_of_loan.load_one(self.0.id).await)?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(super::repayments::Repayment)
            .collect())
    }

    /// Where the loan stands on `asOf` (today by default): scheduled, paid, outstanding by
    /// component, overdue, and days in arrears. Payments count when dated on or before `asOf`.
    async fn balance(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<LoanBalance> {
        let day = as_of.map_or_else(|| today(ctx), NaiveDate::from);
        let totals = loaded(
            ctx.loaders()?
                .totals_of_loan
                .load_one((self.0.id, day))
                .await,
        )?;
        let in_repayment = matches!(
            self.0.status,
            crate::domain::LoanStatus::Active | crate::domain::LoanStatus::Defaulted
        );
        Ok(balance(&totals.unwrap_or_default(), day, in_repayment).into())
    }

    /// The first installment not paid in full, if any.
    async fn next_installment(&self, ctx: &Context<'_>) -> Result<Option<RepaymentScheduleItem>> {
        let next = loaded(
            ctx.loaders()?
                .next_installment_of_loan
                .load_one(self.0.id)
                .await,
        )?;
        Ok(next.flatten().map(RepaymentScheduleItem))
    }

    /// Penalties and fees charged beyond the schedule, waived ones included, oldest first.
    async fn charges(&self, ctx: &Context<'_>) -> Result<Vec<LoanCharge>> {
        let rows = loaded(ctx.loaders()?.charges_of_loan.load_one(self.0.id).await)?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(LoanCharge)
            .collect())
    }

    /// The loan's documents, oldest upload first (deleted ones with `includeDeleted`, for
    /// administrators).
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<Vec<super::documents::Document>> {
        super::documents::of_loan(ctx, self.0.id, include_deleted).await
    }

    /// The installments, in order.
    async fn schedule(&self, ctx: &Context<'_>) -> Result<Vec<RepaymentScheduleItem>> {
        let items = loaded(ctx.loaders()?.schedule_of_loan.load_one(self.0.id).await)?;
        Ok(items
            .unwrap_or_default()
            .into_iter()
            .map(RepaymentScheduleItem)
            .collect())
    }
}

/// One installment of a loan's schedule.
#[derive(Clone)]
pub struct RepaymentScheduleItem(pub db::schedule_items::ScheduleItem);

#[Object]
impl RepaymentScheduleItem {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// 1 for the first installment.
    async fn sequence(&self) -> i32 {
        self.0.sequence
    }

    async fn due_date(&self) -> Date {
        self.0.due_date.into()
    }

    async fn principal_due(&self) -> Decimal {
        self.0.principal_due
    }

    async fn interest_due(&self) -> Decimal {
        self.0.interest_due
    }

    async fn fee_due(&self) -> Decimal {
        self.0.fee_due
    }

    /// Principal, interest and fees.
    async fn total_due(&self) -> Decimal {
        self.0.total_due
    }

    async fn paid_amount(&self) -> Decimal {
        self.0.paid_amount
    }

    /// What is still owed on it.
    async fn remaining_amount(&self) -> Decimal {
        self.0.total_due - self.0.paid_amount
    }

    /// As of today: an unpaid installment past its due date is OVERDUE even if nothing
    /// happened since.
    async fn status(&self, ctx: &Context<'_>) -> ScheduleStatus {
        status_on(
            self.0.due_date,
            self.0.total_due,
            self.0.paid_amount,
            today(ctx),
        )
        .into()
    }

    /// When it was paid in full.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }

    /// The loan it belongs to.
    async fn loan(&self, ctx: &Context<'_>) -> Result<Option<Loan>> {
        Ok(found(ctx.loaders()?.loan.load_one(self.0.loan_id).await)?.map(Loan))
    }

    /// The parts of repayments that paid it.
    async fn allocations(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::repayments::RepaymentAllocation>> {
        let rows = loaded(ctx.loaders()?.allocations_of_item.load_one(self.0.id).await)?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(super::repayments::RepaymentAllocation)
            .collect())
    }
}

impl From<db::schedule_items::ScheduleItem> for RepaymentScheduleItem {
    fn from(row: db::schedule_items::ScheduleItem) -> Self {
        Self(row)
    }
}

/// Narrows `scheduleItems`; the fields combine with AND.
#[derive(InputObject, Default)]
pub struct ScheduleItemFilter {
    loan_id: Option<ID>,
    union_id: Option<ID>,
    /// The officer in charge of the loan.
    credit_officer_id: Option<ID>,
    /// Statuses as of today.
    status: Option<Vec<ScheduleStatus>>,
    due_from: Option<Date>,
    due_to: Option<Date>,
}

impl ScheduleItemFilter {
    pub(super) fn parse(
        self,
    ) -> Result<db::schedule_items::ScheduleItemFilter, crate::services::ServiceError> {
        Ok(db::schedule_items::ScheduleItemFilter {
            loan_id: parse_optional_id(self.loan_id.as_ref(), "loanId")?,
            union_id: parse_optional_id(self.union_id.as_ref(), "unionId")?,
            credit_officer_id: parse_optional_id(
                self.credit_officer_id.as_ref(),
                "creditOfficerId",
            )?,
            status: self
                .status
                .map(|statuses| statuses.into_iter().map(Into::into).collect()),
            due_from: self.due_from.map(NaiveDate::from),
            due_to: self.due_to.map(NaiveDate::from),
        })
    }
}

/// Narrows `loans`; the fields combine with AND, and only narrow what you may see.
#[derive(InputObject, Default)]
pub struct LoanFilter {
    status: Option<Vec<LoanStatus>>,
    union_id: Option<ID>,
    union_member_id: Option<ID>,
    /// The officer in charge.
    credit_officer_id: Option<ID>,
    loan_type_id: Option<ID>,
    /// Part of the loan number, the member's name or code, or the union's name.
    search: Option<String>,
    created_from: Option<DateTime<Utc>>,
    created_to: Option<DateTime<Utc>>,
    principal_min: Option<Decimal>,
    principal_max: Option<Decimal>,
}

impl LoanFilter {
    pub(super) fn parse(self) -> Result<DbLoanFilter, crate::services::ServiceError> {
        Ok(DbLoanFilter {
            status: self
                .status
                .map(|statuses| statuses.into_iter().map(Into::into).collect()),
            union_id: parse_optional_id(self.union_id.as_ref(), "unionId")?,
            union_member_id: parse_optional_id(self.union_member_id.as_ref(), "unionMemberId")?,
            credit_officer_id: parse_optional_id(
                self.credit_officer_id.as_ref(),
                "creditOfficerId",
            )?,
            loan_type_id: parse_optional_id(self.loan_type_id.as_ref(), "loanTypeId")?,
            search: self.search,
            created_from: self.created_from,
            created_to: self.created_to,
            principal_min: self.principal_min,
            principal_max: self.principal_max,
        })
    }
}

/// A new loan. A credit officer's or supervisor's loan is an application (PENDING_APPROVAL);
/// an administrator's is approved and disbursed at once (ACTIVE). `asDraft` makes a DRAFT.
#[derive(InputObject)]
pub struct CreateLoanInput {
    union_member_id: ID,
    loan_type_id: ID,
    /// Within the product's amounts.
    principal_amount: Decimal,
    /// Within the product's terms, in its term unit.
    term_count: i32,
    /// Defaults to today.
    start_date: Option<Date>,
    /// Defaults to the product's.
    processing_fee_amount: Option<Decimal>,
    /// Defaults to the product's.
    penalty_fee_per_day_amount: Option<Decimal>,
    /// Required from an administrator: the credit officer in charge.
    credit_officer_id: Option<ID>,
    notes: Option<String>,
    #[graphql(default)]
    as_draft: bool,
}

/// Changes to a loan's terms: leave a field out to keep it; `notes: null` clears the notes.
#[derive(InputObject, Default)]
pub struct UpdateLoanInput {
    principal_amount: Option<Decimal>,
    term_count: Option<i32>,
    start_date: Option<Date>,
    /// Only until the fee is collected (at approval).
    processing_fee_amount: Option<Decimal>,
    penalty_fee_per_day_amount: Option<Decimal>,
    notes: MaybeUndefined<String>,
}

#[derive(Default)]
pub struct LoanQuery;

#[Object]
impl LoanQuery {
    /// A loan by id, in your scope.
    #[graphql(guard = "LoggedIn")]
    async fn loan(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<Loan> {
        let id: LoanId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        let row = service::get(ctx.state(), &caller, id, include_deleted).await?;
        preload::loans(ctx, vec![&row], preload::selection(ctx)).await?;
        Ok(row.into())
    }

    /// A loan by its number (`LN00000042`), in your scope.
    #[graphql(guard = "LoggedIn")]
    async fn loan_by_number(&self, ctx: &Context<'_>, loan_number: String) -> Result<Loan> {
        let caller = ctx.request().caller()?;
        let row = service::get_by_number(ctx.state(), &caller, &loan_number).await?;
        preload::loans(ctx, vec![&row], preload::selection(ctx)).await?;
        Ok(row.into())
    }

    /// The loans in your scope, newest first.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn loans(
        &self,
        ctx: &Context<'_>,
        filter: Option<LoanFilter>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<LoanConnection> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let filter: DbLoanFilter = filter.unwrap_or_default().parse()?;
        let key = ListKey {
            filter: filter.clone(),
            order: (),
            listing: PageArgs::listing(ctx, Some(include_deleted)),
            page: args.page,
        };
        let page = listed(ctx.loaders()?.loan_lists.load_one(key).await)?;
        preload::loans(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(LoanConnection::new(
            Connection::new(&page, args.page),
            Some((filter, include_deleted)),
        ))
    }

    /// Installments of the loans in your scope, soonest due first; `status` is as of today.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn schedule_items(
        &self,
        ctx: &Context<'_>,
        filter: Option<ScheduleItemFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<RepaymentScheduleItemConnection> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let filter: crate::db::schedule_items::ScheduleItemFilter =
            filter.unwrap_or_default().parse()?;
        let key = ListKey {
            filter: filter.clone(),
            order: (),
            listing: PageArgs::listing(ctx, None),
            page: args.page,
        };
        let page = listed(ctx.loaders()?.schedule_item_lists.load_one(key).await)?;
        preload::schedule_items(ctx, page.rows.iter().collect(), preload::page_nodes(ctx)).await?;
        Ok(RepaymentScheduleItemConnection::new(
            Connection::new(&page, args.page),
            Some(filter),
        ))
    }
}

#[derive(Default)]
pub struct LoanMutation;

fn loan_id(raw: &ID) -> Result<LoanId> {
    Ok(parse_id(raw, "id")?)
}

#[Object]
impl LoanMutation {
    /// Creates a loan for a member in your scope (see `CreateLoanInput`). A member has at most
    /// one open loan.
    #[graphql(guard = "LoggedIn")]
    async fn create_loan(&self, ctx: &Context<'_>, input: CreateLoanInput) -> Result<Loan> {
        let caller = ctx.request().caller()?;
        let input = LoanInput {
            union_member_id: parse_id(&input.union_member_id, "unionMemberId")?,
            loan_type_id: parse_id(&input.loan_type_id, "loanTypeId")?,
            principal_amount: input.principal_amount,
            term_count: input.term_count,
            start_date: input.start_date.map(NaiveDate::from),
            processing_fee_amount: input.processing_fee_amount,
            penalty_fee_per_day_amount: input.penalty_fee_per_day_amount,
            credit_officer_id: input
                .credit_officer_id
                .map(|id| parse_id(&id, "creditOfficerId"))
                .transpose()?,
            notes: input.notes,
            as_draft: input.as_draft,
        };
        Ok(service::create(ctx.state(), &caller, &input).await?.into())
    }

    /// Changes a loan's terms: a credit officer while it is a draft or pending approval, an
    /// administrator until it ends. On an ACTIVE or DEFAULTED loan a new principal, term count or
    /// start date is a reschedule: the schedule is rebuilt and the repayments re-played over it,
    /// refused when the new schedule is smaller than what was already paid.
    #[graphql(guard = "LoggedIn")]
    async fn update_loan(&self, ctx: &Context<'_>, id: ID, input: UpdateLoanInput) -> Result<Loan> {
        let caller = ctx.request().caller()?;
        let update = LoanUpdate {
            principal_amount: input.principal_amount,
            term_count: input.term_count,
            start_date: input.start_date.map(NaiveDate::from),
            processing_fee_amount: input.processing_fee_amount,
            penalty_fee_per_day_amount: input.penalty_fee_per_day_amount,
            notes: patch(input.notes),
        };
        Ok(
            service::update(ctx.state(), &caller, loan_id(&id)?, &update)
                .await?
                .into(),
        )
    }

    /// Submits a draft for approval.
    #[graphql(guard = "LoggedIn")]
    async fn submit_loan(&self, ctx: &Context<'_>, id: ID) -> Result<Loan> {
        let caller = ctx.request().caller()?;
        Ok(service::submit(ctx.state(), &caller, loan_id(&id)?)
            .await?
            .into())
    }

    /// Approves an application (administrators, or the officer's supervisor); the processing
    /// fee counts as collected.
    #[graphql(guard = "LoggedIn")]
    async fn approve_loan(&self, ctx: &Context<'_>, id: ID, note: Option<String>) -> Result<Loan> {
        let caller = ctx.request().caller()?;
        Ok(
            service::approve(ctx.state(), &caller, loan_id(&id)?, note.as_deref())
                .await?
                .into(),
        )
    }

    /// Rejects an application, with the reason (administrators, or the officer's supervisor).
    #[graphql(guard = "LoggedIn")]
    async fn reject_loan(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Loan> {
        let caller = ctx.request().caller()?;
        Ok(
            service::reject(ctx.state(), &caller, loan_id(&id)?, &reason)
                .await?
                .into(),
        )
    }

    /// Cancels a loan before disbursement, with the reason.
    #[graphql(guard = "LoggedIn")]
    async fn cancel_loan(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Loan> {
        let caller = ctx.request().caller()?;
        Ok(
            service::cancel(ctx.state(), &caller, loan_id(&id)?, &reason)
                .await?
                .into(),
        )
    }

    /// Disburses an approved loan (administrators, or the officer's supervisor). When the day
    /// differs from the start date, the start moves to it and the schedule is rebuilt.
    #[graphql(guard = "LoggedIn")]
    async fn disburse_loan(
        &self,
        ctx: &Context<'_>,
        id: ID,
        disbursed_at: Option<DateTime<Utc>>,
    ) -> Result<Loan> {
        let caller = ctx.request().caller()?;
        Ok(
            service::disburse(ctx.state(), &caller, loan_id(&id)?, disbursed_at)
                .await?
                .into(),
        )
    }

    /// Writes off an active or defaulted loan, with the reason (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn write_off_loan(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Loan> {
        let caller = ctx.request().caller()?;
        Ok(
            service::write_off(ctx.state(), &caller, loan_id(&id)?, &reason)
                .await?
                .into(),
        )
    }

    /// Deletes a loan without live repayments (administrators, or the officer's supervisor).
    #[graphql(guard = "LoggedIn")]
    async fn delete_loan(&self, ctx: &Context<'_>, id: ID) -> Result<Loan> {
        let caller = ctx.request().caller()?;
        Ok(service::delete(ctx.state(), &caller, loan_id(&id)?)
            .await?
            .into())
    }

    /// Restores a deleted loan (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn restore_loan(&self, ctx: &Context<'_>, id: ID) -> Result<Loan> {
        let caller = ctx.request().caller()?;
        Ok(service::restore(ctx.state(), &caller, loan_id(&id)?)
            .await?
            .into())
    }
}

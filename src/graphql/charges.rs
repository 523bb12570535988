//! Charges and balances of a loan: the `LoanCharge` type (penalties, fees), `waiveCharge`, and
//! `LoanBalance`, where a loan stands on a day.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::loans::Loan;
use super::scalars::{Date, parse_id};
use super::types::{User, found, id};
use crate::db;
use crate::domain::ChargeId;
use crate::domain::balance::Balance;
use crate::services::charges as service;

/// What a charge is for.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::charges::ChargeKind")]
pub enum ChargeKind {
    /// A day late past the end date and the penalty grace.
    Penalty,
    /// Any other fee.
    Fee,
}

/// A charge on a loan beyond its schedule: a day's penalty, or a fee.
#[derive(Clone)]
pub struct LoanCharge(pub db::charges::Charge);

#[Object]
impl LoanCharge {
    async fn id(&self) -> ID {
        id(self.0.id.0)
    }

    async fn kind(&self) -> ChargeKind {
        self.0.kind.into()
    }

    /// The day it is charged for.
    async fn charge_date(&self) -> Date {
        self.0.charge_date.into()
    }

    async fn amount(&self) -> Decimal {
        self.0.amount
    }

    /// What repayments paid of it.
    async fn paid_amount(&self) -> Decimal {
        self.0.paid_amount
    }

    /// What is still owed on it: nothing once waived.
    async fn remaining_amount(&self) -> Decimal {
        self.0.remaining()
    }

    async fn waived_at(&self) -> Option<DateTime<Utc>> {
        self.0.waived_at
    }

    async fn waive_reason(&self) -> Option<&str> {
        self.0.waive_reason.as_deref()
    }

    async fn waived_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(by) = self.0.waived_by_user_id else {
            return Ok(None);
        };
        Ok(found(ctx.loaders()?.user.load_one(by).await)?.map(User))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn loan(&self, ctx: &Context<'_>) -> Result<Option<Loan>> {
        Ok(found(ctx.loaders()?.loan.load_one(self.0.loan_id).await)?.map(Loan))
    }
}

/// Where a loan stands on a day (`asOf`, today by default): payments count when dated on or
/// before it. Lateness (overdue, arrears, due today, next due date) is reported for ACTIVE and
/// DEFAULTED loans only.
#[derive(SimpleObject, Clone, Copy)]
pub struct LoanBalance {
    pub as_of: Date,
    /// The sum of the installments.
    pub total_scheduled: Decimal,
    /// Paid to installments and penalties.
    pub total_paid: Decimal,
    pub principal_outstanding: Decimal,
    pub interest_outstanding: Decimal,
    /// Unpaid penalties charged on or before the day (waived ones are not owed).
    pub penalties_outstanding: Decimal,
    /// Installments and penalties still owed: the most a repayment can be.
    pub total_outstanding: Decimal,
    /// Unpaid parts of installments due before the day.
    pub overdue_amount: Decimal,
    pub overdue_installments: i64,
    /// Unpaid parts of installments due on the day.
    pub due_today: Decimal,
    /// The due date of the first unpaid installment due on or after the day.
    pub next_due_date: Option<Date>,
    /// Days since the oldest unpaid installment fell due; 0 when none is late.
    pub days_in_arrears: i64,
    /// Installments paid ÷ scheduled, in percent with two places.
    pub completion_percent: Decimal,
}

impl From<Balance> for LoanBalance {
    fn from(balance: Balance) -> Self {
        Self {
            as_of: balance.as_of.into(),
            total_scheduled: balance.total_scheduled,
            total_paid: balance.total_paid,
            principal_outstanding: balance.principal_outstanding,
            interest_outstanding: balance.interest_outstanding,
            penalties_outstanding: balance.penalties_outstanding,
            total_outstanding: balance.total_outstanding,
            overdue_amount: balance.overdue_amount,
            overdue_installments: balance.overdue_installments,
            due_today: balance.due_today,
            next_due_date: balance.next_due_date.map(Date),
            days_in_arrears: balance.days_in_arrears,
            completion_percent: balance.completion_percent,
        }
    }
}

#[derive(Default)]
pub struct ChargeMutation;

#[Object]
impl ChargeMutation {
    /// Waives a charge (ADMIN), with a reason: nothing is owed on it any more, and the loan is
    /// re-played so that what had paid it goes to what is still owed.
    #[graphql(guard = "LoggedIn")]
    async fn waive_charge(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<LoanCharge> {
        let id: ChargeId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        let charge = service::waive(ctx.state(), &caller, id, &reason).await?;
        Ok(LoanCharge(charge))
    }
}

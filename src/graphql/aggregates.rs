//! `aggregate { count sum { … } byStatus { status count sum { … } } }` on the `loans`,
//! `repayments` and `scheduleItems` connections: the whole filtered list in the caller's scope,
//! computed by PostgreSQL in one statement, so that a report generator totals a portfolio
//! without paging through it.

use async_graphql::{Context, Enum, SimpleObject};
use rust_decimal::Decimal;

use super::context::ContextExt;
use super::loans::{LoanStatus, ScheduleStatus};
use super::pagination::Aggregate;
use crate::db;
use crate::services;

/// The money of a set of loans.
#[derive(SimpleObject, Clone, Copy, Default)]
pub struct LoanSums {
    principal_amount: Decimal,
    /// What they still owe (installments and live charges).
    outstanding_amount: Decimal,
    processing_fee_amount: Decimal,
}

impl LoanSums {
    fn add(&mut self, other: &db::loans::LoanSums) {
        self.principal_amount += other.principal_amount;
        self.outstanding_amount += other.outstanding_amount;
        self.processing_fee_amount += other.processing_fee_amount;
    }
}

/// The loans of one status.
#[derive(SimpleObject, Clone)]
pub struct LoanStatusAggregate {
    status: LoanStatus,
    count: i64,
    sum: LoanSums,
}

/// The whole filtered list of loans.
#[derive(SimpleObject, Clone)]
pub struct LoanAggregate {
    count: i64,
    sum: LoanSums,
    /// The statuses present, in lifecycle order.
    by_status: Vec<LoanStatusAggregate>,
}

impl Aggregate for LoanAggregate {
    type Key = (db::loans::LoanFilter, bool);

    async fn compute(ctx: &Context<'_>, key: &Self::Key) -> async_graphql::Result<Self> {
        let caller = ctx.request().caller()?;
        let groups = services::loans::aggregate(ctx.state(), &caller, &key.0, key.1).await?;
        let mut total = Self {
            count: 0,
            sum: LoanSums::default(),
            by_status: Vec::new(),
        };
        for (status, count, sums) in groups {
            let mut sum = LoanSums::default();
            sum.add(&sums);
            total.count += count;
            total.sum.add(&sums);
            total.by_status.push(LoanStatusAggregate {
                status: status.into(),
                count,
                sum,
            });
        }
        Ok(total)
    }

    fn count(&self) -> i64 {
        self.count
    }
}

/// Whether a repayment stands or was reversed.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum RepaymentStatus {
    Recorded,
    Reversed,
}

/// The money of a set of repayments.
#[derive(SimpleObject, Clone, Copy, Default)]
pub struct RepaymentSums {
    amount: Decimal,
}

/// The repayments of one status.
#[derive(SimpleObject, Clone)]
pub struct RepaymentStatusAggregate {
    status: RepaymentStatus,
    count: i64,
    sum: RepaymentSums,
}

/// The whole filtered list of repayments (reversed ones only with `includeReversed`).
#[derive(SimpleObject, Clone)]
pub struct RepaymentAggregate {
    count: i64,
    sum: RepaymentSums,
    by_status: Vec<RepaymentStatusAggregate>,
}

impl Aggregate for RepaymentAggregate {
    type Key = db::repayments::RepaymentFilter;

    async fn compute(ctx: &Context<'_>, key: &Self::Key) -> async_graphql::Result<Self> {
        let caller = ctx.request().caller()?;
        let groups = services::repayments::aggregate(ctx.state(), &caller, key).await?;
        let mut total = Self {
            count: 0,
            sum: RepaymentSums::default(),
            by_status: Vec::new(),
        };
        for (reversed, count, amount) in groups {
            total.count += count;
            total.sum.amount += amount;
            total.by_status.push(RepaymentStatusAggregate {
                status: if reversed {
                    RepaymentStatus::Reversed
                } else {
                    RepaymentStatus::Recorded
                },
                count,
                sum: RepaymentSums { amount },
            });
        }
        Ok(total)
    }

    fn count(&self) -> i64 {
        self.count
    }
}

/// The money of a set of installments.
#[derive(SimpleObject, Clone, Copy, Default)]
pub struct ScheduleItemSums {
    principal_due: Decimal,
    interest_due: Decimal,
    fee_due: Decimal,
    total_due: Decimal,
    paid_amount: Decimal,
    /// `totalDue − paidAmount`.
    remaining_amount: Decimal,
}

impl ScheduleItemSums {
    fn add(&mut self, other: &db::schedule_items::ItemSums) {
        self.principal_due += other.principal_due;
        self.interest_due += other.interest_due;
        self.fee_due += other.fee_due;
        self.total_due += other.total_due;
        self.paid_amount += other.paid_amount;
        self.remaining_amount += other.total_due - other.paid_amount;
    }
}

/// The installments of one status (as of today).
#[derive(SimpleObject, Clone)]
pub struct ScheduleItemStatusAggregate {
    status: ScheduleStatus,
    count: i64,
    sum: ScheduleItemSums,
}

/// The whole filtered list of installments.
#[derive(SimpleObject, Clone)]
pub struct ScheduleItemAggregate {
    count: i64,
    sum: ScheduleItemSums,
    by_status: Vec<ScheduleItemStatusAggregate>,
}

impl Aggregate for ScheduleItemAggregate {
    type Key = db::schedule_items::ScheduleItemFilter;

    async fn compute(ctx: &Context<'_>, key: &Self::Key) -> async_graphql::Result<Self> {
        let caller = ctx.request().caller()?;
        let groups = services::loans::schedule_item_aggregate(ctx.state(), &caller, key).await?;
        let mut total = Self {
            count: 0,
            sum: ScheduleItemSums::default(),
            by_status: Vec::new(),
        };
        for (status, count, sums) in groups {
            let mut sum = ScheduleItemSums::default();
            sum.add(&sums);
            total.count += count;
            total.sum.add(&sums);
            total.by_status.push(ScheduleItemStatusAggregate {
                status: status.into(),
                count,
                sum,
            });
        }
        Ok(total)
    }

    fn count(&self) -> i64 {
        self.count
    }
}

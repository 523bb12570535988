//! The loan history of `seed demo`: six months of loans for each member, as a pure function of
//! a seeded random generator, today's date and the products — nothing here touches the
//! database, so the same seed gives the same history on every run.
//!
//! A member borrows one loan after another from six months ago: applications rejected or
//! cancelled, loans repaid (on time, late with penalties, in part then caught up), and at most
//! one loan still open today — an application (DRAFT, PENDING_APPROVAL, APPROVED), a loan being
//! repaid (ACTIVE, some of them behind), or one past its end with a balance (DEFAULTED, owing a
//! daily PENALTY charge since `end_date + penalty_grace_days + 1`). Some loans left unpaid are
//! WRITTEN_OFF. A few repayments were recorded twice and the copy reversed.
//!
//! Schedules come from `domain::schedule`, and the allocations, paid amounts, installment
//! statuses and loan status are those `services::repayments::replay` would write: the live
//! repayments re-played with `domain::allocation::replay`, statuses from
//! `domain::schedule::status_on` as of today and `domain::loans::status_after_payments`.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use uuid::Uuid;

use crate::db::charges::ImportedCharge;
use crate::db::loan_types::LoanType;
use crate::db::loans::ImportedLoan;
use crate::db::repayments::{ImportedRepayment, NewAllocation};
use crate::db::schedule_items::ImportedItem;
use crate::domain::allocation::{
    self, ChargeDue, InstallmentDue, Overpayment, Payment, PaymentMethod, Target,
};
use crate::domain::charges::{ChargeKind, penalty_days};
use crate::domain::products::TermUnit;
use crate::domain::schedule::{self, Installment, ScheduleError, ScheduleStatus, Terms};
use crate::domain::settings::AllocationOrder;
use crate::domain::{
    ChargeId, LoanId, LoanStatus, RepaymentId, ScheduleItemId, UnionId, UnionMemberId, UserId,
    loans as rules, money,
};

/// How far back the history goes.
pub const HISTORY_DAYS: u64 = 182;

/// Who borrows, and who handles their loans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Borrower {
    pub member: UnionMemberId,
    pub union: UnionId,
    /// The union's credit officer: creates the loans and receives the repayments.
    pub officer: UserId,
    /// The officer's supervisor: approves the loans.
    pub supervisor: UserId,
}

/// What the history is written against.
#[derive(Debug, Clone)]
pub struct Setting {
    pub now: DateTime<Utc>,
    pub currency: String,
    pub penalty_grace_days: u32,
    pub default_grace_days: u32,
    pub order: AllocationOrder,
    /// Reverses the repayments recorded twice.
    pub admin: UserId,
}

impl Setting {
    fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }
}

/// Rows to write, in an order the foreign keys accept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub loans: Vec<ImportedLoan>,
    pub items: Vec<ImportedItem>,
    pub charges: Vec<ImportedCharge>,
    pub repayments: Vec<ImportedRepayment>,
    pub allocations: Vec<NewAllocation>,
}

impl History {
    /// Numbers the loans `first`, `first + 1`, … in the order they were applied for.
    pub fn number_loans(&mut self, first: i64) -> Result<(), &'static str> {
        self.loans.sort_by_key(|loan| (loan.created_at, loan.id));
        for (n, loan) in (first..).zip(self.loans.iter_mut()) {
            loan.loan_number = rules::number(n)?;
        }
        Ok(())
    }
}

/// Why a history could not be made (a product whose terms give no schedule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    #[error("a demo loan has no schedule: {0}")]
    Schedule(#[from] ScheduleError),
    #[error("a demo repayment does not fit its loan: {0}")]
    Overpaid(#[from] Overpayment),
}

/// How a borrower repays a disbursed loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Payer {
    /// On the due date or a day early.
    OnTime,
    /// Days late, then pays the penalties with the rest.
    Late,
    /// Sometimes pays only part of what is due, and catches up at the end.
    Partial,
    /// Stops paying; after the end date, a few small payments. Left DEFAULTED.
    Defaults,
    /// Stops paying and is written off a month or more after the end date.
    WrittenOff,
}

/// How members take to the products (in the order of the demo's loan types: daily, weekly,
/// monthly, asset), weights out of 100: the longest terms are the rarest, so that six months
/// hold about three loans a member of about twelve installments each.
const PREFERENCE: [u32; 4] = [26, 52, 15, 7];

const REJECTIONS: [&str; 3] = [
    "Rejected: the guarantor withdrew.",
    "Rejected: the member's income does not support the installments.",
    "Cancelled at the member's request.",
];
const WRITE_OFFS: [&str; 2] = [
    "Unrecoverable: the member left the market and cannot be traced.",
    "Unrecoverable: the member's shop was destroyed by fire.",
];
const REVERSALS: [&str; 2] = ["Recorded twice by mistake.", "Entered on the wrong loan."];

/// Generates the history of members one after the other.
pub struct Generator<'a> {
    rng: StdRng,
    setting: &'a Setting,
    /// The demo's loan types, in [`PREFERENCE`] order.
    products: &'a [LoanType],
}

/// What follows a loan in a member's history.
enum Next {
    /// It closed on that day: the member may borrow again.
    BorrowAgain(NaiveDate),
    /// It is still open, or was written off: the member's last loan.
    Stop,
}

impl<'a> Generator<'a> {
    pub fn new(seed: u64, setting: &'a Setting, products: &'a [LoanType]) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            setting,
            products,
        }
    }

    fn id(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.random()).into_uuid()
    }

    fn days(&mut self, range: std::ops::RangeInclusive<u64>) -> Days {
        Days::new(self.rng.random_range(range))
    }

    /// An instant on `day`, `hour` o'clock plus up to `spread` minutes, never after now.
    fn at(&mut self, day: NaiveDate, hour: u32, spread: i64) -> DateTime<Utc> {
        let minutes = if spread > 0 {
            self.rng.random_range(0..spread)
        } else {
            0
        };
        let time = NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN);
        (day.and_time(time).and_utc() + TimeDelta::minutes(minutes)).min(self.setting.now)
    }

    /// The loans of one member, appended to `out`.
    pub fn member(&mut self, who: &Borrower, out: &mut History) -> Result<(), HistoryError> {
        let today = self.setting.today();
        let weights = PREFERENCE.get(..self.products.len()).unwrap_or(&[]);
        let preferred = self.weighted(weights);
        let mut cursor = today - Days::new(HISTORY_DAYS) + self.days(0..=15);
        while cursor <= today {
            let product = if self.rng.random_ratio(4, 5) {
                preferred
            } else {
                self.weighted(weights)
            };
            let Some(product) = self.products.get(product) else {
                return Ok(());
            };
            let (principal, term) = self.terms(product);
            let applied = cursor;
            if applied + Days::new(5) > today {
                let status = match self.rng.random_range(0..100) {
                    0..25 => LoanStatus::Draft,
                    25..70 => LoanStatus::PendingApproval,
                    _ => LoanStatus::Approved,
                };
                let start = today + self.days(1..=7);
                self.undisbursed(who, product, principal, term, applied, start, status, out)?;
                return Ok(());
            }
            let start = applied + self.days(1..=3);
            let payer = match self.rng.random_range(0..100) {
                0..9 => {
                    let closed = applied + self.days(1..=2);
                    let status = LoanStatus::Canceled;
                    self.undisbursed(who, product, principal, term, applied, start, status, out)?;
                    cursor = closed + self.days(2..=20);
                    continue;
                }
                9..12 => Payer::WrittenOff,
                12..19 => Payer::Defaults,
                19..34 => Payer::Late,
                34..49 => Payer::Partial,
                _ => Payer::OnTime,
            };
            match self.disbursed(who, product, principal, term, applied, start, payer, out)? {
                Next::BorrowAgain(day) => cursor = day + self.days(0..=7),
                Next::Stop => return Ok(()),
            }
        }
        Ok(())
    }

    /// An index drawn with `weights`.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut roll = self.rng.random_range(0..total.max(1));
        for (index, weight) in weights.iter().enumerate() {
            if roll < *weight {
                return index;
            }
            roll -= weight;
        }
        0
    }

    /// A principal (in steps of 500, in the lower half of the product's range) and a term
    /// within the product's bounds, the longest terms left out.
    fn terms(&mut self, product: &LoanType) -> (Decimal, i32) {
        let step = Decimal::from(500);
        let span = ((product.max_amount - product.min_amount) / Decimal::TWO / step)
            .floor()
            .to_u32()
            .unwrap_or(0);
        let principal = product.min_amount + step * Decimal::from(self.rng.random_range(0..=span));
        let cap = match product.term_unit {
            TermUnit::Day => 30,
            TermUnit::Week => 10,
            TermUnit::Month => product.min_term + 3,
        };
        let longest = product.max_term.min(cap).max(product.min_term);
        (principal, self.rng.random_range(product.min_term..=longest))
    }

    fn schedule(
        product: &LoanType,
        principal: Decimal,
        term: i32,
        start: NaiveDate,
    ) -> Result<Vec<Installment>, HistoryError> {
        Ok(schedule::schedule(&Terms {
            principal,
            term_count: u32::try_from(term).unwrap_or(0),
            term_unit: product.term_unit,
            interest_rate: product.interest_rate,
            interest_method: product.interest_method,
            start_date: start,
        })?)
    }

    #[expect(clippy::too_many_arguments, reason = "the terms of one loan")]
    fn loan(
        &mut self,
        who: &Borrower,
        product: &LoanType,
        principal: Decimal,
        term: i32,
        start: NaiveDate,
        end: NaiveDate,
        status: LoanStatus,
        created_at: DateTime<Utc>,
    ) -> ImportedLoan {
        ImportedLoan {
            id: LoanId(self.id()),
            loan_number: String::new(),
            union_member_id: who.member,
            union_id: who.union,
            loan_type_id: product.id,
            principal_amount: principal,
            currency_code: self.setting.currency.clone(),
            term_count: term,
            term_unit: product.term_unit,
            interest_rate: product.interest_rate,
            interest_method: product.interest_method,
            start_date: start,
            end_date: end,
            processing_fee_amount: product.default_processing_fee,
            processing_fee_collected: false,
            penalty_fee_per_day_amount: product.default_penalty_fee_per_day,
            status,
            status_reason: None,
            created_by_user_id: who.officer,
            assigned_officer_id: who.officer,
            approved_by_user_id: None,
            approved_at: None,
            disbursed_at: None,
            closed_at: None,
            created_at,
            updated_at: created_at,
        }
    }

    /// A loan never disbursed: an application still open, or one rejected or cancelled. Its
    /// installments stay as written at creation (PENDING, nothing paid).
    #[expect(clippy::too_many_arguments, reason = "the terms of one loan")]
    fn undisbursed(
        &mut self,
        who: &Borrower,
        product: &LoanType,
        principal: Decimal,
        term: i32,
        applied: NaiveDate,
        start: NaiveDate,
        status: LoanStatus,
        out: &mut History,
    ) -> Result<(), HistoryError> {
        let installments = Self::schedule(product, principal, term, start)?;
        let end = installments.last().map_or(start, |item| item.due_date);
        let created_at = self.at(applied, 8, 240);
        let mut loan = self.loan(
            who, product, principal, term, start, end, status, created_at,
        );
        match status {
            LoanStatus::Approved => {
                let approved_at = self.at(applied, 14, 120).max(created_at);
                loan.approved_by_user_id = Some(who.supervisor);
                loan.approved_at = Some(approved_at);
                loan.processing_fee_collected = true;
                loan.updated_at = approved_at;
            }
            LoanStatus::Canceled => {
                let closed = applied + self.days(1..=2);
                let closed_at = self.at(closed, 12, 180).max(created_at);
                let reason = REJECTIONS[self.rng.random_range(0..REJECTIONS.len())];
                loan.status_reason = Some(reason.into());
                loan.closed_at = Some(closed_at);
                loan.updated_at = closed_at;
            }
            _ => {}
        }
        for installment in &installments {
            let id = ScheduleItemId(self.id());
            out.items.push(item(
                loan.id,
                id,
                installment,
                created_at,
                ScheduleStatus::Pending,
            ));
        }
        out.loans.push(loan);
        Ok(())
    }

    /// A disbursed loan with its repayments, charges and allocations.
    #[expect(clippy::too_many_arguments, reason = "the terms of one loan")]
    fn disbursed(
        &mut self,
        who: &Borrower,
        product: &LoanType,
        principal: Decimal,
        term: i32,
        applied: NaiveDate,
        start: NaiveDate,
        payer: Payer,
        out: &mut History,
    ) -> Result<Next, HistoryError> {
        let setting = self.setting;
        let today = setting.today();
        let installments = Self::schedule(product, principal, term, start)?;
        let end = installments.last().map_or(start, |item| item.due_date);
        let created_at = self.at(applied, 8, 240);
        let mut loan = self.loan(
            who,
            product,
            principal,
            term,
            start,
            end,
            LoanStatus::Active,
            created_at,
        );
        loan.approved_by_user_id = Some(who.supervisor);
        loan.approved_at = Some(self.at(applied, 14, 120).max(created_at));
        loan.processing_fee_collected = true;
        let disbursed_at = start.and_time(NaiveTime::MIN).and_utc();
        loan.disbursed_at = Some(disbursed_at);
        let ids: Vec<ScheduleItemId> = installments
            .iter()
            .map(|_| ScheduleItemId(self.id()))
            .collect();

        // What the borrower pays, and when: installments grouped (a daily loan is paid a few
        // market days at a time), each group on, before or after its last due date.
        let group_size = |rng: &mut StdRng| match product.term_unit {
            TermUnit::Day => rng.random_range(1..=6),
            TermUnit::Week | TermUnit::Month => 1,
        };
        let mut groups = Vec::new();
        let mut first = 0;
        while first < installments.len() {
            let size = group_size(&mut self.rng);
            let last = (first + size).min(installments.len()) - 1;
            groups.push(&installments[first..=last]);
            first = last + 1;
        }
        let stops_after = match payer {
            Payer::Defaults | Payer::WrittenOff => self.rng.random_range(0..=groups.len() * 3 / 4),
            _ => groups.len(),
        };
        let mut plan: Vec<(NaiveDate, Option<Decimal>)> = Vec::new();
        for group in groups.iter().take(stops_after) {
            let due = group.last().map_or(end, |item| item.due_date);
            let date = match payer {
                Payer::OnTime => due - self.days(0..=1),
                Payer::Late => due + self.days(1..=10),
                _ => due + self.days(0..=3),
            }
            .max(start);
            if date > today {
                continue;
            }
            let mut amount: Decimal = group.iter().map(|item| item.total_due).sum();
            if payer == Payer::Partial && self.rng.random_ratio(1, 3) {
                let share = Decimal::from(self.rng.random_range(40..=90));
                amount = money::round(amount * share / Decimal::ONE_HUNDRED);
            }
            plan.push((date, Some(amount)));
        }
        plan.sort_by_key(|(date, _)| *date);
        let last_planned = plan.last().map_or(start, |(date, _)| *date);

        // Settled in full (everything owed that day, penalties included), written off, or
        // still owing, with penalties charged every day after the grace until then.
        let mut written_off = None;
        let charges_until = match payer {
            Payer::OnTime | Payer::Late | Payer::Partial => {
                let settled = last_planned.max(end) + self.days(0..=2);
                if settled <= today {
                    plan.push((settled, None));
                    settled
                } else {
                    today
                }
            }
            Payer::Defaults | Payer::WrittenOff => {
                let off = end + self.days(30..=90);
                let until = if payer == Payer::WrittenOff && off <= today {
                    written_off = Some(off);
                    off
                } else {
                    today
                };
                for _ in 0..self.rng.random_range(0..=2) {
                    if end >= until {
                        break;
                    }
                    let span = u64::try_from((until - end).num_days()).unwrap_or(1);
                    let date = end + self.days(1..=span.max(1));
                    let amount = money::round(
                        principal * Decimal::from(self.rng.random_range(3..=15))
                            / Decimal::ONE_HUNDRED,
                    );
                    plan.push((date.min(until), Some(amount)));
                }
                plan.sort_by_key(|(date, _)| *date);
                until
            }
        };
        let mut charges = Vec::new();
        if !product.default_penalty_fee_per_day.is_zero() {
            for day in penalty_days(end, setting.penalty_grace_days, charges_until) {
                charges.push(ChargeDue {
                    key: ChargeId(self.id()),
                    date: day,
                    amount: product.default_penalty_fee_per_day,
                });
            }
        }
        let dues: Vec<InstallmentDue<ScheduleItemId>> = installments
            .iter()
            .zip(&ids)
            .map(|(installment, id)| InstallmentDue {
                key: *id,
                fee: installment.fee_due,
                interest: installment.interest_due,
                principal: installment.principal_due,
            })
            .collect();

        // Recorded in date order, each within what is owed that day (as the service refuses
        // more); a few recorded twice, the copy reversed the next day.
        let mut owed_items = dues.clone();
        let mut owed_charges = charges.clone();
        let mut live: Vec<Payment<RepaymentId>> = Vec::new();
        let mut repayments: Vec<ImportedRepayment> = Vec::new();
        let mut last_paid_at = disbursed_at;
        for (date, amount) in plan {
            let owed = allocation::outstanding(&owed_items, &owed_charges, date);
            let amount = amount.map_or(owed, |amount| amount.min(owed));
            if amount <= Decimal::ZERO {
                continue;
            }
            allocation::allocate(
                amount,
                date,
                setting.order,
                &mut owed_items,
                &mut owed_charges,
            )?;
            let paid_at = self
                .at(date, 9, 480)
                .max(last_paid_at + TimeDelta::minutes(1));
            last_paid_at = paid_at;
            let repayment = self.repayment(&loan, who, amount, paid_at, repayments.len());
            live.push(Payment {
                key: repayment.id,
                date: paid_at.date_naive(),
                amount,
            });
            let left = allocation::outstanding(&owed_items, &owed_charges, date);
            repayments.push(repayment);
            if left >= amount && self.rng.random_ratio(1, 40) {
                let paid_at = paid_at + TimeDelta::minutes(self.rng.random_range(5..=90));
                let reversed_at = paid_at + TimeDelta::days(1);
                if reversed_at <= setting.now {
                    let mut copy = self.repayment(&loan, who, amount, paid_at, repayments.len());
                    let reason = REVERSALS[self.rng.random_range(0..REVERSALS.len())];
                    copy.reversed_at = Some(reversed_at);
                    copy.reversed_by_user_id = Some(setting.admin);
                    copy.reversal_reason = Some(reason.into());
                    copy.updated_at = reversed_at;
                    last_paid_at = paid_at;
                    repayments.push(copy);
                }
            }
        }

        // The re-play, as `services::repayments::replay` does it.
        let replayed = allocation::replay(&live, setting.order, dues, charges.clone())?;
        let paid_at: HashMap<RepaymentId, DateTime<Utc>> = repayments
            .iter()
            .map(|repayment| (repayment.id, repayment.paid_at))
            .collect();
        let last_event = repayments
            .iter()
            .map(|repayment| repayment.updated_at)
            .max()
            .unwrap_or(disbursed_at)
            .max(disbursed_at);
        let mut paid_items: HashMap<ScheduleItemId, Decimal> = HashMap::new();
        let mut closed_items: HashMap<ScheduleItemId, DateTime<Utc>> = HashMap::new();
        let mut paid_charges: HashMap<ChargeId, Decimal> = HashMap::new();
        let totals: HashMap<ScheduleItemId, Decimal> = installments
            .iter()
            .zip(&ids)
            .map(|(installment, id)| (*id, installment.total_due))
            .collect();
        for (repayment, parts) in replayed {
            let when = paid_at.get(&repayment).copied().unwrap_or(last_event);
            for part in parts {
                let (schedule_item_id, charge_id) = match part.target {
                    Target::Installment(id) => {
                        let paid = paid_items.entry(id).or_default();
                        *paid += part.amount();
                        if totals.get(&id).is_some_and(|total| *paid >= *total) {
                            closed_items.entry(id).or_insert(when);
                        }
                        (Some(id), None)
                    }
                    Target::Charge(id) => {
                        *paid_charges.entry(id).or_default() += part.amount();
                        (None, Some(id))
                    }
                };
                out.allocations.push(NewAllocation {
                    repayment_id: repayment,
                    schedule_item_id,
                    charge_id,
                    principal_amount: part.principal,
                    interest_amount: part.interest,
                    fee_amount: part.fee,
                    penalty_amount: part.penalty,
                    amount: part.amount(),
                    created_at: last_event,
                });
            }
        }

        let mut outstanding = Decimal::ZERO;
        for (installment, id) in installments.iter().zip(&ids) {
            let paid = paid_items.get(id).copied().unwrap_or_default();
            outstanding += installment.total_due - paid;
            let status =
                schedule::status_on(installment.due_date, installment.total_due, paid, today);
            let mut row = item(loan.id, *id, installment, created_at, status);
            row.paid_amount = paid;
            row.closed_at = closed_items.get(id).copied();
            row.updated_at = row.closed_at.unwrap_or(if paid.is_zero() {
                created_at
            } else {
                last_event
            });
            out.items.push(row);
        }
        for charge in &charges {
            let paid = paid_charges.get(&charge.key).copied().unwrap_or_default();
            outstanding += charge.amount - paid;
            let created = charge.date.and_time(NaiveTime::MIN).and_utc();
            out.charges.push(ImportedCharge {
                id: charge.key,
                loan_id: loan.id,
                kind: ChargeKind::Penalty,
                charge_date: charge.date,
                amount: charge.amount,
                paid_amount: paid,
                created_at: created,
                updated_at: if paid.is_zero() {
                    created
                } else {
                    last_event.max(created)
                },
            });
        }
        let base = if written_off.is_some() {
            LoanStatus::WrittenOff
        } else {
            LoanStatus::Active
        };
        loan.status =
            rules::status_after_payments(base, outstanding, end, setting.default_grace_days, today);
        loan.updated_at = last_event;
        let outcome = match (loan.status, written_off) {
            (LoanStatus::Completed, _) => {
                loan.closed_at = Some(last_event);
                Next::BorrowAgain(last_event.date_naive())
            }
            (LoanStatus::WrittenOff, Some(day)) => {
                let closed_at = self.at(day, 15, 120).max(last_event);
                let reason = WRITE_OFFS[self.rng.random_range(0..WRITE_OFFS.len())];
                loan.status_reason = Some(reason.into());
                loan.closed_at = Some(closed_at);
                loan.updated_at = closed_at;
                // Nobody lends again to a member whose loan was written off.
                Next::Stop
            }
            _ => Next::Stop,
        };
        out.repayments.extend(repayments);
        out.loans.push(loan);
        Ok(outcome)
    }

    fn repayment(
        &mut self,
        loan: &ImportedLoan,
        who: &Borrower,
        amount: Decimal,
        paid_at: DateTime<Utc>,
        sequence: usize,
    ) -> ImportedRepayment {
        let id = RepaymentId(self.id());
        let method = match self.rng.random_range(0..100) {
            0..50 => PaymentMethod::Cash,
            50..70 => PaymentMethod::Transfer,
            70..85 => PaymentMethod::Mobile,
            85..95 => PaymentMethod::Pos,
            _ => PaymentMethod::Ussd,
        };
        let reference = (method != PaymentMethod::Cash).then(|| {
            format!(
                "{}{:010}",
                method.as_str(),
                self.rng.random_range(0..10_000_000_000_u64)
            )
        });
        ImportedRepayment {
            id,
            loan_id: loan.id,
            received_by_user_id: who.officer,
            amount,
            currency_code: loan.currency_code.clone(),
            paid_at,
            method,
            reference,
            idempotency_key: format!("seed-{}-{sequence}", loan.id),
            reversed_at: None,
            reversed_by_user_id: None,
            reversal_reason: None,
            created_at: paid_at,
            updated_at: paid_at,
        }
    }
}

fn item(
    loan: LoanId,
    id: ScheduleItemId,
    installment: &Installment,
    created_at: DateTime<Utc>,
    status: ScheduleStatus,
) -> ImportedItem {
    ImportedItem {
        id,
        loan_id: loan,
        sequence: i32::try_from(installment.sequence).unwrap_or(i32::MAX),
        due_date: installment.due_date,
        principal_due: installment.principal_due,
        interest_due: installment.interest_due,
        fee_due: installment.fee_due,
        total_due: installment.total_due,
        paid_amount: Decimal::ZERO,
        status,
        closed_at: None,
        created_at,
        updated_at: created_at,
    }
}

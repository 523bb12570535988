//! Where a loan stands on a date (SPEC 5.4, `Loan.balance`): what was scheduled and paid, what
//! is outstanding by component, what is late and for how long. Built from per-loan totals that
//! the database sums (`db::balances`) with the payments made up to that date.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::money;

/// A loan's sums on a date, over its installments and its charges that are not waived; "paid"
/// counts the live repayments dated on or before that date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub scheduled: Decimal,
    pub installments_paid: Decimal,
    pub principal_outstanding: Decimal,
    pub interest_outstanding: Decimal,
    pub installments_outstanding: Decimal,
    /// Unpaid parts of installments due before the date.
    pub overdue_amount: Decimal,
    pub overdue_installments: i64,
    /// Unpaid parts of installments due on the date.
    pub due_today: Decimal,
    /// The first unpaid installment due on or after the date.
    pub next_due_date: Option<NaiveDate>,
    /// The oldest unpaid installment due before the date.
    pub oldest_overdue: Option<NaiveDate>,
    /// Charges made on or before the date.
    pub penalties_charged: Decimal,
    pub penalties_paid: Decimal,
}

/// `Loan.balance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Balance {
    pub as_of: NaiveDate,
    pub total_scheduled: Decimal,
    pub total_paid: Decimal,
    pub principal_outstanding: Decimal,
    pub interest_outstanding: Decimal,
    pub penalties_outstanding: Decimal,
    pub total_outstanding: Decimal,
    pub overdue_amount: Decimal,
    pub overdue_installments: i64,
    pub due_today: Decimal,
    pub next_due_date: Option<NaiveDate>,
    /// Days since the oldest unpaid installment fell due; 0 when none is late.
    pub days_in_arrears: i64,
    /// Installments paid ÷ scheduled, in percent with two places.
    pub completion_percent: Decimal,
}

/// The balance on `as_of` of a loan with `totals`. Lateness (overdue amounts, arrears, what is
/// due today, the next due date) concerns disbursed loans only: `in_repayment` is false for an
/// application, a cancelled or a completed loan.
pub fn balance(totals: &Totals, as_of: NaiveDate, in_repayment: bool) -> Balance {
    let penalties_outstanding = totals.penalties_charged - totals.penalties_paid;
    let completion_percent = if totals.scheduled.is_zero() {
        Decimal::ZERO
    } else {
        money::round(totals.installments_paid * Decimal::ONE_HUNDRED / totals.scheduled)
    };
    // Sums of two-place amounts are exact; `round` only gives every figure its two places.
    let mut balance = Balance {
        as_of,
        total_scheduled: money::round(totals.scheduled),
        total_paid: money::round(totals.installments_paid + totals.penalties_paid),
        principal_outstanding: money::round(totals.principal_outstanding),
        interest_outstanding: money::round(totals.interest_outstanding),
        penalties_outstanding: money::round(penalties_outstanding),
        total_outstanding: money::round(totals.installments_outstanding + penalties_outstanding),
        overdue_amount: money::round(Decimal::ZERO),
        due_today: money::round(Decimal::ZERO),
        completion_percent,
        ..Balance::default()
    };
    if in_repayment {
        balance.overdue_amount = money::round(totals.overdue_amount);
        balance.overdue_installments = totals.overdue_installments;
        balance.due_today = money::round(totals.due_today);
        balance.next_due_date = totals.next_due_date;
        balance.days_in_arrears = totals
            .oldest_overdue
            .map_or(0, |oldest| (as_of - oldest).num_days().max(0));
    }
    balance
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn late_loan() -> Totals {
        Totals {
            scheduled: dec!(1200.00),
            installments_paid: dec!(300.00),
            principal_outstanding: dec!(800.00),
            interest_outstanding: dec!(100.00),
            installments_outstanding: dec!(900.00),
            overdue_amount: dec!(300.00),
            overdue_installments: 1,
            due_today: dec!(0),
            next_due_date: Some(date(2026, 12, 1)),
            oldest_overdue: Some(date(2026, 11, 1)),
            penalties_charged: dec!(150.00),
            penalties_paid: dec!(50.00),
        }
    }

    #[test]
    fn outstanding_adds_unpaid_penalties_to_the_installments() {
        let balance = balance(&late_loan(), date(2026, 11, 24), true);
        assert_eq!(balance.total_outstanding, dec!(1000.00));
        assert_eq!(balance.penalties_outstanding, dec!(100.00));
        assert_eq!(balance.total_paid, dec!(350.00));
        assert_eq!(balance.completion_percent, dec!(25.00));
    }

    #[test]
    fn arrears_count_from_the_oldest_unpaid_due_date() {
        let balance = balance(&late_loan(), date(2026, 11, 24), true);
        assert_eq!(balance.days_in_arrears, 23);
        assert_eq!(balance.overdue_installments, 1);
        assert_eq!(balance.next_due_date, Some(date(2026, 12, 1)));
    }

    #[test]
    fn a_loan_not_in_repayment_is_never_late() {
        let balance = balance(&late_loan(), date(2026, 11, 24), false);
        assert_eq!(balance.days_in_arrears, 0);
        assert_eq!(balance.overdue_amount, Decimal::ZERO);
        assert_eq!(balance.next_due_date, None);
        assert_eq!(balance.total_outstanding, dec!(1000.00));
    }

    #[test]
    fn completion_rounds_to_two_places() {
        let totals = Totals {
            scheduled: dec!(300.00),
            installments_paid: dec!(100.00),
            ..Totals::default()
        };
        assert_eq!(
            balance(&totals, date(2026, 1, 1), true).completion_percent,
            dec!(33.33)
        );
        assert_eq!(
            balance(&Totals::default(), date(2026, 1, 1), true).completion_percent,
            Decimal::ZERO
        );
    }
}

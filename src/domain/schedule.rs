//! A loan's repayment schedule (SPEC 5.2): a pure function of principal, term, rate, method and
//! start date. Every amount is rounded to two places half to even (`money::round`), and the last
//! installment absorbs the rounding, so the principal parts sum to the principal and the interest
//! parts to the total interest exactly.

use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;

use super::money;
use super::products::{InterestMethod, TermUnit};

text_enum! {
    /// Where an installment stands, as of a day.
    pub enum ScheduleStatus {
        /// Not yet due, nothing paid.
        Pending => "PENDING",
        /// Partly paid, not yet late.
        Partial => "PARTIAL",
        /// Paid in full.
        Paid => "PAID",
        /// Past its due date and not paid in full.
        Overdue => "OVERDUE",
    }
}

/// The status of an installment due on `due_date` with `paid` of `total_due` paid, on `today`.
pub fn status_on(
    due_date: NaiveDate,
    total_due: Decimal,
    paid: Decimal,
    today: NaiveDate,
) -> ScheduleStatus {
    if paid >= total_due {
        ScheduleStatus::Paid
    } else if due_date < today {
        ScheduleStatus::Overdue
    } else if paid > Decimal::ZERO {
        ScheduleStatus::Partial
    } else {
        ScheduleStatus::Pending
    }
}

/// What a schedule is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub principal: Decimal,
    pub term_count: u32,
    pub term_unit: TermUnit,
    /// Percent per term period (2.5 means 2.5 %).
    pub interest_rate: Decimal,
    pub interest_method: InterestMethod,
    pub start_date: NaiveDate,
}

/// One installment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installment {
    /// 1 … n.
    pub sequence: u32,
    pub due_date: NaiveDate,
    pub principal_due: Decimal,
    pub interest_due: Decimal,
    /// Fees carried by the installment (none: the processing fee is collected at approval).
    pub fee_due: Decimal,
    /// `principal_due + interest_due + fee_due`.
    pub total_due: Decimal,
}

/// Why a schedule cannot be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("A loan has at least one installment.")]
    NoInstallments,
    #[error("The principal must be greater than zero.")]
    NoPrincipal,
    #[error("The interest rate cannot be negative.")]
    NegativeRate,
    #[error("The term runs past the last date the calendar holds.")]
    DateOutOfRange,
    #[error("The principal, rate and term give amounts too large to compute.")]
    TooLarge,
}

/// The due date of installment `sequence`: `sequence` periods after the start, months counted
/// from the start date and clamped to the month's end (31 January → 28/29 February → 31 March).
pub fn due_date(start: NaiveDate, unit: TermUnit, sequence: u32) -> Option<NaiveDate> {
    match unit {
        TermUnit::Day => start.checked_add_days(Days::new(u64::from(sequence))),
        TermUnit::Week => start.checked_add_days(Days::new(7 * u64::from(sequence))),
        TermUnit::Month => start.checked_add_months(Months::new(sequence)),
    }
}

/// The schedule of a loan, installments in order; the last one's due date is the loan's end date.
pub fn schedule(terms: &Terms) -> Result<Vec<Installment>, ScheduleError> {
    let n = terms.term_count;
    if n == 0 {
        return Err(ScheduleError::NoInstallments);
    }
    if terms.principal <= Decimal::ZERO {
        return Err(ScheduleError::NoPrincipal);
    }
    if terms.interest_rate.is_sign_negative() && !terms.interest_rate.is_zero() {
        return Err(ScheduleError::NegativeRate);
    }
    let principal = money::round(terms.principal);
    let rate = terms.interest_rate / Decimal::ONE_HUNDRED;
    let parts = if rate.is_zero() {
        flat(principal, Decimal::ZERO, n)?
    } else {
        match terms.interest_method {
            InterestMethod::Flat => flat(principal, rate, n)?,
            InterestMethod::DecliningBalance => declining(principal, rate, n)?,
        }
    };
    parts
        .into_iter()
        .zip(1..=n)
        .map(|((principal_due, interest_due), sequence)| {
            let due_date = due_date(terms.start_date, terms.term_unit, sequence)
                .ok_or(ScheduleError::DateOutOfRange)?;
            let fee_due = money::round(Decimal::ZERO);
            Ok(Installment {
                sequence,
                due_date,
                principal_due,
                interest_due,
                fee_due,
                total_due: principal_due + interest_due + fee_due,
            })
        })
        .collect()
}

/// Splits `total` into `n` rounded parts; the last takes what rounding left. When rounding up
/// would leave the last part negative (a few cents over many installments), the parts are
/// rounded down instead, so that the last one takes the cents.
fn split(total: Decimal, n: u32) -> Vec<Decimal> {
    let share = total / Decimal::from(n);
    let mut each = money::round(share);
    if each * Decimal::from(n - 1) > total {
        each = money::round_down(share);
    }
    let mut parts = vec![each; n as usize - 1];
    let rest = total - each * Decimal::from(n - 1);
    parts.push(money::round(rest));
    parts
}

/// FLAT: interest `principal × rate × n` in total, principal and interest each split evenly.
fn flat(
    principal: Decimal,
    rate: Decimal,
    n: u32,
) -> Result<Vec<(Decimal, Decimal)>, ScheduleError> {
    let interest = principal
        .checked_mul(rate)
        .and_then(|per_period| per_period.checked_mul(Decimal::from(n)))
        .map(money::round)
        .ok_or(ScheduleError::TooLarge)?;
    Ok(split(principal, n)
        .into_iter()
        .zip(split(interest, n))
        .collect())
}

/// DECLINING_BALANCE: equal installments from the annuity formula; each period's interest is the
/// outstanding principal × rate; the last installment repays what is left.
fn declining(
    principal: Decimal,
    rate: Decimal,
    n: u32,
) -> Result<Vec<(Decimal, Decimal)>, ScheduleError> {
    // payment = P·r / (1 − (1 + r)^−n). The discount (1 + r)^−n is a product of numbers below
    // one (no floating point, no overflow: a long, dear loan's discount tends to 0 and its
    // payment to the interest alone).
    let step = Decimal::ONE
        .checked_div(Decimal::ONE + rate)
        .ok_or(ScheduleError::TooLarge)?;
    let mut discount = Decimal::ONE;
    for _ in 0..n {
        discount = discount.checked_mul(step).ok_or(ScheduleError::TooLarge)?;
    }
    let payment = principal
        .checked_mul(rate)
        .and_then(|interest| interest.checked_div(Decimal::ONE - discount))
        .map(money::round)
        .ok_or(ScheduleError::TooLarge)?;
    let mut outstanding = principal;
    let mut parts = Vec::with_capacity(n as usize);
    for sequence in 1..=n {
        let interest = money::round(outstanding * rate);
        let principal_part = if sequence == n {
            outstanding
        } else {
            (payment - interest).max(Decimal::ZERO).min(outstanding)
        };
        outstanding -= principal_part;
        parts.push((principal_part, interest));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn terms(principal: Decimal, n: u32, unit: TermUnit) -> Terms {
        Terms {
            principal,
            term_count: n,
            term_unit: unit,
            interest_rate: Decimal::ZERO,
            interest_method: InterestMethod::Flat,
            start_date: date(2026, 1, 1),
        }
    }

    fn sums(items: &[Installment]) -> (Decimal, Decimal) {
        items
            .iter()
            .fold((Decimal::ZERO, Decimal::ZERO), |(p, i), item| {
                (p + item.principal_due, i + item.interest_due)
            })
    }

    #[test]
    fn ten_thousand_over_thirty_days() {
        let items = schedule(&terms(dec!(10000.00), 30, TermUnit::Day)).expect("schedule");
        assert_eq!(items.len(), 30);
        assert!(
            items[..29]
                .iter()
                .all(|item| item.total_due == dec!(333.33))
        );
        assert_eq!(items[29].total_due.to_string(), "333.43");
        assert_eq!(items[0].due_date, date(2026, 1, 2));
        assert_eq!(items[29].due_date, date(2026, 1, 31));
        assert_eq!(sums(&items), (dec!(10000.00), dec!(0)));
    }

    #[test]
    fn fifty_thousand_over_twelve_weeks() {
        let items = schedule(&terms(dec!(50000.00), 12, TermUnit::Week)).expect("schedule");
        assert!(
            items[..11]
                .iter()
                .all(|item| item.total_due == dec!(4166.67))
        );
        assert_eq!(items[11].total_due.to_string(), "4166.63");
        assert_eq!(items[0].due_date, date(2026, 1, 8));
        assert_eq!(items[11].due_date, date(2026, 3, 26));
    }

    #[test]
    fn months_from_the_thirty_first_are_clamped_and_counted_from_the_start() {
        let mut terms = terms(dec!(3000), 4, TermUnit::Month);
        terms.start_date = date(2026, 1, 31);
        let dates: Vec<NaiveDate> = schedule(&terms)
            .expect("schedule")
            .iter()
            .map(|item| item.due_date)
            .collect();
        assert_eq!(
            dates,
            [
                date(2026, 2, 28),
                date(2026, 3, 31),
                date(2026, 4, 30),
                date(2026, 5, 31)
            ]
        );
        terms.start_date = date(2027, 12, 31);
        terms.term_count = 2;
        let leap = schedule(&terms).expect("schedule");
        assert_eq!(leap[1].due_date, date(2028, 2, 29));
    }

    #[test]
    fn flat_interest_is_principal_times_rate_times_periods() {
        let mut terms = terms(dec!(20000), 8, TermUnit::Week);
        terms.interest_rate = dec!(2.5);
        let items = schedule(&terms).expect("schedule");
        // 20,000 × 2.5 % × 8 = 4,000 of interest: 500 a week, and 2,500 of principal.
        assert!(items.iter().all(|item| item.interest_due == dec!(500.00)));
        assert!(items.iter().all(|item| item.total_due == dec!(3000.00)));
        assert_eq!(sums(&items), (dec!(20000), dec!(4000)));
    }

    #[test]
    fn declining_balance_follows_the_annuity() {
        // Figures computed independently (Python's decimal module, 50 digits): payment
        // 945.5960 → 945.60; interest on the outstanding principal at 2 % a month.
        let mut terms = terms(dec!(10000.00), 12, TermUnit::Month);
        terms.interest_rate = dec!(2);
        terms.interest_method = InterestMethod::DecliningBalance;
        let items = schedule(&terms).expect("schedule");
        let principal: Vec<String> = items.iter().map(|i| i.principal_due.to_string()).collect();
        let interest: Vec<String> = items.iter().map(|i| i.interest_due.to_string()).collect();
        assert_eq!(
            principal,
            [
                "745.60", "760.51", "775.72", "791.24", "807.06", "823.20", "839.67", "856.46",
                "873.59", "891.06", "908.88", "927.01"
            ]
        );
        assert_eq!(
            interest,
            [
                "200.00", "185.09", "169.88", "154.36", "138.54", "122.40", "105.93", "89.14",
                "72.01", "54.54", "36.72", "18.54"
            ]
        );
        assert!(
            items[..11]
                .iter()
                .all(|item| item.total_due == dec!(945.60))
        );
        assert_eq!(items[11].total_due.to_string(), "945.55");
        assert_eq!(sums(&items), (dec!(10000.00), dec!(1347.15)));
    }

    #[test]
    fn a_zero_rate_splits_the_principal_for_both_methods() {
        for method in [InterestMethod::Flat, InterestMethod::DecliningBalance] {
            let mut terms = terms(dec!(1000), 3, TermUnit::Month);
            terms.interest_method = method;
            let items = schedule(&terms).expect("schedule");
            let totals: Vec<String> = items.iter().map(|i| i.total_due.to_string()).collect();
            assert_eq!(totals, ["333.33", "333.33", "333.34"], "{method:?}");
            assert!(items.iter().all(|item| item.interest_due.is_zero()));
        }
    }

    #[test]
    fn installment_status_is_read_as_of_a_day() {
        let due = date(2026, 3, 10);
        let on = |paid, today| status_on(due, dec!(100.00), paid, today);
        assert_eq!(on(dec!(0), date(2026, 3, 10)), ScheduleStatus::Pending);
        assert_eq!(on(dec!(40), date(2026, 3, 10)), ScheduleStatus::Partial);
        assert_eq!(on(dec!(40), date(2026, 3, 11)), ScheduleStatus::Overdue);
        assert_eq!(on(dec!(0), date(2026, 3, 11)), ScheduleStatus::Overdue);
        assert_eq!(on(dec!(100), date(2026, 4, 1)), ScheduleStatus::Paid);
    }

    #[test]
    fn a_few_cents_over_many_installments_never_leave_a_negative_last_part() {
        // Found by the property test: 10.11 of interest over 47 days rounds to 0.22 a day,
        // which 46 times is already more than 10.11.
        let mut terms = terms(dec!(9.46), 47, TermUnit::Day);
        terms.interest_rate = dec!(2.2728);
        let items = schedule(&terms).expect("schedule");
        assert!(items.iter().all(|item| item.interest_due >= Decimal::ZERO));
        assert!(
            items[..46]
                .iter()
                .all(|item| item.interest_due == dec!(0.21))
        );
        assert_eq!(items[46].interest_due, dec!(0.45));
        assert_eq!(sums(&items), (dec!(9.46), dec!(10.11)));
    }

    #[test]
    fn impossible_terms_are_refused() {
        assert_eq!(
            schedule(&terms(dec!(100), 0, TermUnit::Day)),
            Err(ScheduleError::NoInstallments)
        );
        assert_eq!(
            schedule(&terms(dec!(0), 3, TermUnit::Day)),
            Err(ScheduleError::NoPrincipal)
        );
    }

    #[test]
    fn a_long_dear_declining_loan_pays_about_its_interest() {
        let mut dear = terms(dec!(1000), 400, TermUnit::Month);
        dear.interest_rate = dec!(1000);
        dear.interest_method = InterestMethod::DecliningBalance;
        let items = schedule(&dear).expect("schedule");
        // 1,000 % a month: each payment is the interest, 10,000, and the principal waits for
        // the last installment.
        assert_eq!(items[0].interest_due, dec!(10000.00));
        assert_eq!(items[0].principal_due, dec!(0.00));
        assert_eq!(sums(&items).0, dec!(1000));
    }

    fn any_terms() -> impl Strategy<Value = Terms> {
        (
            1i64..=1_000_000_000,
            1u32..=400,
            prop_oneof![
                Just(TermUnit::Day),
                Just(TermUnit::Week),
                Just(TermUnit::Month)
            ],
            0i64..=150_000,
            prop_oneof![
                Just(InterestMethod::Flat),
                Just(InterestMethod::DecliningBalance)
            ],
            0i64..=20_000,
        )
            .prop_map(|(cents, n, unit, rate, method, day)| Terms {
                principal: Decimal::new(cents, 2),
                term_count: n,
                term_unit: unit,
                interest_rate: Decimal::new(rate, 4),
                interest_method: method,
                start_date: date(2000, 1, 1) + Days::new(u64::try_from(day).unwrap_or(0)),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn schedules_add_up_exactly(terms in any_terms()) {
            let items = schedule(&terms).expect("schedule");
            prop_assert_eq!(items.len(), terms.term_count as usize);
            let (principal, interest) = sums(&items);
            prop_assert_eq!(principal, terms.principal);
            match terms.interest_method {
                InterestMethod::Flat => prop_assert_eq!(
                    interest,
                    money::round(terms.principal * terms.interest_rate / Decimal::ONE_HUNDRED
                        * Decimal::from(terms.term_count))
                ),
                InterestMethod::DecliningBalance => prop_assert!(interest >= Decimal::ZERO),
            }
            let mut previous = terms.start_date;
            for (index, item) in items.iter().enumerate() {
                prop_assert_eq!(item.sequence as usize, index + 1);
                prop_assert!(item.due_date > previous);
                previous = item.due_date;
                for amount in [item.principal_due, item.interest_due, item.fee_due, item.total_due] {
                    prop_assert!(amount >= Decimal::ZERO, "{:?}", item);
                    prop_assert_eq!(amount.scale(), 2, "{:?}", item);
                }
                prop_assert_eq!(item.total_due, item.principal_due + item.interest_due + item.fee_due);
            }
        }
    }
}

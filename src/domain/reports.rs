//! The rules of the reports (SPEC 8.2) as plain functions: periods and the one before, the
//! ratios (collection rate, PAR), growth, the six months of a trend, and who may run which
//! report.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::UserId;
use super::permissions::{Actor, Decision, Denied};
use super::role::Role;

/// The PAR thresholds: a loan is at risk at N when an installment is more than N days late.
pub const PAR_DAYS: [u32; 4] = [1, 30, 60, 90];

/// How many months a supervisor report's trend covers.
pub const TREND_MONTHS: u32 = 6;

/// The longest period a report covers (ten years: a report generator asking for more is wrong).
pub const MAX_PERIOD_DAYS: i64 = 3_660;

text_enum! {
    /// How a stored report snapshot was asked for (`report_sessions.report_type`).
    pub enum ReportType {
        Daily => "DAILY",
        Weekly => "WEEKLY",
        Monthly => "MONTHLY",
        Quarterly => "QUARTERLY",
        Custom => "CUSTOM",
    }
}

/// What `portfolioAtRisk` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParGrouping {
    /// The credit officer of the loan's union.
    Officer,
    Union,
    /// The loan product.
    LoanType,
}

/// A period of whole days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Why a period was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("The period ends before it starts.")]
    Reversed,
    #[error("A report covers at most {MAX_PERIOD_DAYS} days.")]
    TooLong,
}

impl Period {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, PeriodError> {
        if end < start {
            return Err(PeriodError::Reversed);
        }
        if (end - start).num_days() >= MAX_PERIOD_DAYS {
            return Err(PeriodError::TooLong);
        }
        Ok(Self { start, end })
    }

    /// The calendar month of `day` up to `day` (what a dashboard shows without a period).
    pub fn month_to_date(day: NaiveDate) -> Self {
        Self {
            start: day.with_day(1).unwrap_or(day),
            end: day,
        }
    }

    /// How many days it covers.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// The period of the same length that ends the day before this one starts.
    pub fn previous(&self) -> Self {
        let length = u64::try_from(self.days()).unwrap_or(1);
        let end = self.start.pred_opt().unwrap_or(self.start);
        let start = self
            .start
            .checked_sub_days(Days::new(length))
            .unwrap_or(NaiveDate::MIN);
        Self { start, end }
    }

    /// The instants that bound it: from the first day's midnight (UTC, as `Loan.balance` dates
    /// payments) up to, not including, the midnight after the last day.
    pub fn instants(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let from = self.start.and_time(chrono::NaiveTime::MIN).and_utc();
        let to = self
            .end
            .succ_opt()
            .unwrap_or(self.end)
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
        (from, to)
    }
}

/// The calendar months of a trend: the `TREND_MONTHS` months ending with `end`'s month, each
/// as a whole month, oldest first.
pub fn trend_months(end: NaiveDate) -> Vec<Period> {
    let last = end.with_day(1).unwrap_or(end);
    (0..TREND_MONTHS)
        .rev()
        .filter_map(|back| {
            let start = last.checked_sub_months(Months::new(back))?;
            let next = start.checked_add_months(Months::new(1))?;
            Some(Period {
                start,
                end: next.pred_opt()?,
            })
        })
        .collect()
}

/// `part ÷ whole` to four places; none when the whole is zero.
pub fn ratio(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        None
    } else {
        Some((part / whole).round_dp(4))
    }
}

/// The change from `previous` to `current` as a fraction of `previous` (0.25 for +25 %), to
/// four places; none when there was nothing before.
pub fn growth(current: Decimal, previous: Decimal) -> Option<Decimal> {
    ratio(current - previous, previous)
}

/// The latest due date an installment may have and be more than `days` days late on `as_of`.
pub fn late_since(as_of: NaiveDate, days: u32) -> NaiveDate {
    as_of
        .checked_sub_days(Days::new(u64::from(days) + 1))
        .unwrap_or(NaiveDate::MIN)
}

/// Whose officers a supervisor report covers: an administrator names any supervisor (or none,
/// for every officer); a supervisor only themself; credit officers run no team report.
pub fn supervisor_report_subject(
    actor: &Actor,
    requested: Option<UserId>,
) -> Result<Option<UserId>, Denied> {
    match actor.role {
        Role::Admin => Ok(requested),
        Role::Supervisor => match requested {
            None => Ok(Some(actor.user_id)),
            Some(id) if id == actor.user_id => Ok(Some(id)),
            Some(_) => Err(Denied::NotVisible),
        },
        Role::CreditOfficer => Err(Denied::Forbidden(
            "Team reports are for supervisors and administrators.",
        )),
    }
}

/// Who may delete a stored report: administrators, and the supervisor it is about or who made it.
pub fn can_delete_report(
    actor: &Actor,
    supervisor: Option<UserId>,
    generated_by: Option<UserId>,
) -> Decision {
    match actor.role {
        Role::Admin => Ok(()),
        Role::Supervisor
            if supervisor == Some(actor.user_id) || generated_by == Some(actor.user_id) =>
        {
            Ok(())
        }
        Role::Supervisor => Err(Denied::NotVisible),
        Role::CreditOfficer => Err(Denied::NotVisible),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn the_previous_period_has_the_same_length_and_ends_the_day_before() {
        let period = Period::new(day("2026-03-01"), day("2026-03-31")).expect("a period");
        assert_eq!(period.days(), 31);
        let previous = period.previous();
        assert_eq!(previous.end, day("2026-02-28"));
        assert_eq!(previous.start, day("2026-01-29"));
        assert_eq!(previous.days(), 31);
    }

    #[test]
    fn periods_are_checked() {
        assert_eq!(
            Period::new(day("2026-03-02"), day("2026-03-01")),
            Err(PeriodError::Reversed)
        );
        assert_eq!(
            Period::new(day("2000-01-01"), day("2026-03-01")),
            Err(PeriodError::TooLong)
        );
        assert_eq!(
            Period::month_to_date(day("2026-03-17")),
            Period::new(day("2026-03-01"), day("2026-03-17")).expect("a period")
        );
    }

    #[test]
    fn a_trend_is_six_whole_months_ending_with_the_period() {
        let months = trend_months(day("2026-03-17"));
        assert_eq!(months.len(), 6);
        assert_eq!(months[0].start, day("2025-10-01"));
        assert_eq!(months[0].end, day("2025-10-31"));
        assert_eq!(months[5].start, day("2026-03-01"));
        assert_eq!(months[5].end, day("2026-03-31"));
    }

    #[test]
    fn ratios_and_growth() {
        assert_eq!(ratio(dec!(1), dec!(3)), Some(dec!(0.3333)));
        assert_eq!(ratio(dec!(1), dec!(0)), None);
        assert_eq!(growth(dec!(150), dec!(100)), Some(dec!(0.5)));
        assert_eq!(growth(dec!(50), dec!(100)), Some(dec!(-0.5)));
        assert_eq!(growth(dec!(5), dec!(0)), None);
    }

    #[test]
    fn late_means_more_than_n_days() {
        // Due on the 1st, on the 31st it is 30 days late: not more than 30.
        let as_of = day("2026-03-31");
        assert_eq!(late_since(as_of, 30), day("2026-02-28"));
        assert!(day("2026-03-01") > late_since(as_of, 30));
        assert!(day("2026-02-28") <= late_since(as_of, 30));
        assert_eq!(late_since(as_of, 1), day("2026-03-29"));
    }
}

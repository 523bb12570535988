//! Charges on a loan beyond its schedule (SPEC 5.4): the daily penalty of a loan still owing
//! after its end date and grace.

use chrono::{Days, NaiveDate};

text_enum! {
    /// What a charge is for.
    pub enum ChargeKind {
        /// A day late past the end date and the penalty grace.
        Penalty => "PENALTY",
        /// Any other fee charged to the loan.
        Fee => "FEE",
    }
}

/// The first day a loan ending on `end_date` can be charged a penalty: the day after the
/// `grace_days` that follow its end date.
pub fn first_penalty_day(end_date: NaiveDate, grace_days: u32) -> Option<NaiveDate> {
    end_date.checked_add_days(Days::new(u64::from(grace_days) + 1))
}

/// The days a loan ending on `end_date` is charged a penalty for, up to `as_of` included, while
/// it still owes: empty before the first penalty day.
pub fn penalty_days(
    end_date: NaiveDate,
    grace_days: u32,
    as_of: NaiveDate,
) -> impl Iterator<Item = NaiveDate> {
    first_penalty_day(end_date, grace_days)
        .into_iter()
        .flat_map(|first| first.iter_days())
        .take_while(move |day| *day <= as_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn penalties_start_the_day_after_the_grace() {
        assert_eq!(
            first_penalty_day(date(2026, 3, 31), 3),
            Some(date(2026, 4, 4))
        );
        assert_eq!(
            first_penalty_day(date(2026, 3, 31), 0),
            Some(date(2026, 4, 1))
        );
    }

    #[test]
    fn every_day_from_the_first_to_the_date_is_charged_once() {
        let days: Vec<_> = penalty_days(date(2026, 2, 26), 2, date(2026, 3, 3)).collect();
        assert_eq!(days, [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]);
    }

    #[test]
    fn nothing_is_charged_within_the_grace() {
        assert_eq!(
            penalty_days(date(2026, 3, 1), 5, date(2026, 3, 6)).count(),
            0
        );
        assert_eq!(
            penalty_days(date(2026, 3, 1), 5, date(2026, 3, 7)).count(),
            1
        );
    }
}

//! Rules about union members: their codes, their age, what blocks deleting one.

text_enum! {
    /// A member's gender, as recorded.
    pub enum Gender {
        Male => "MALE",
        Female => "FEMALE",
        Other => "OTHER",
    }
}

text_enum! {
    /// A member's marital status, as recorded.
    pub enum MaritalStatus {
        Single => "SINGLE",
        Married => "MARRIED",
        Divorced => "DIVORCED",
        Widowed => "WIDOWED",
        Other => "OTHER",
    }
}

use chrono::{Datelike, NaiveDate};

/// The youngest a member may be.
pub const MINIMUM_AGE: u32 = 16;

/// The code of the `n`th member: `MEM` and six digits (`MEM000042`).
pub fn code(n: i64) -> Result<String, &'static str> {
    if (1..=999_999).contains(&n) {
        Ok(format!("MEM{n:06}"))
    } else {
        Err("The member codes are exhausted (MEM999999 was the last).")
    }
}

/// Whether someone born on `birth` is at least [`MINIMUM_AGE`] on `today`.
pub fn old_enough(birth: NaiveDate, today: NaiveDate) -> bool {
    let Some(sixteenth) = birth
        .with_year(birth.year() + MINIMUM_AGE as i32)
        // 29 February: the birthday falls on 1 March in a common year.
        .or_else(|| NaiveDate::from_ymd_opt(birth.year() + MINIMUM_AGE as i32, 3, 1))
    else {
        return false;
    };
    sixteenth <= today
}

/// A member can be deleted only without an open loan.
pub fn check_deletable(open_loans: i64) -> Result<(), String> {
    if open_loans > 0 {
        Err("This member has an open loan; close, cancel or write it off first.".into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn codes_have_six_digits() {
        assert_eq!(code(1).as_deref(), Ok("MEM000001"));
        assert_eq!(code(999_999).as_deref(), Ok("MEM999999"));
        assert!(code(1_000_000).is_err());
        assert!(code(0).is_err());
    }

    #[test]
    fn sixteen_years_to_the_day() {
        let today = date(2026, 11, 24);
        assert!(old_enough(date(2010, 11, 24), today));
        assert!(!old_enough(date(2010, 11, 25), today));
        assert!(old_enough(date(1950, 1, 1), today));
        // Born on 29 February 2084: 2100 is no leap year, so sixteen on 1 March 2100.
        assert!(!old_enough(date(2084, 2, 29), date(2100, 2, 28)));
        assert!(old_enough(date(2084, 2, 29), date(2100, 3, 1)));
    }
}

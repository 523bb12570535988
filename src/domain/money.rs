//! Money: exact decimals with two places (SPEC 3: `NUMERIC(14,2)`), and rates with four. All
//! rounding of money happens here: to two places, half to even.

use rust_decimal::{Decimal, RoundingStrategy};

/// `value` rounded to two places, half to even (banker's rounding), with exactly two places.
pub fn round(value: Decimal) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    rounded.rescale(2);
    rounded
}

/// `value` rounded down (toward zero) to two places, with exactly two places.
pub fn round_down(value: Decimal) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(2, RoundingStrategy::ToZero);
    rounded.rescale(2);
    rounded
}

/// The largest amount a `NUMERIC(14,2)` column holds.
pub fn max_amount() -> Decimal {
    Decimal::new(99_999_999_999_999, 2)
}

/// Why an amount was refused, as a sentence.
pub fn check_amount(value: Decimal) -> Result<(), &'static str> {
    if value.is_sign_negative() && !value.is_zero() {
        Err("An amount cannot be negative.")
    } else if value.normalize().scale() > 2 {
        Err("An amount has at most two decimal places.")
    } else if value > max_amount() {
        Err("The amount is too large.")
    } else {
        Ok(())
    }
}

/// Why a rate (percent, `NUMERIC(9,4)`) was refused, as a sentence.
pub fn check_rate(value: Decimal) -> Result<(), &'static str> {
    if value.is_sign_negative() && !value.is_zero() {
        Err("A rate cannot be negative.")
    } else if value.normalize().scale() > 4 {
        Err("A rate has at most four decimal places.")
    } else if value > Decimal::new(1000, 0) {
        Err("A rate is a percentage per period of at most 1000.")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rounding_is_half_to_even_with_two_places() {
        assert_eq!(round(dec!(333.333)).to_string(), "333.33");
        assert_eq!(round(dec!(0.125)).to_string(), "0.12");
        assert_eq!(round(dec!(0.135)).to_string(), "0.14");
        assert_eq!(round(dec!(-0.125)).to_string(), "-0.12");
        assert_eq!(round(dec!(7)).to_string(), "7.00");
    }

    #[test]
    fn amounts_have_two_places_and_no_sign() {
        assert_eq!(check_amount(dec!(333.33)), Ok(()));
        assert_eq!(check_amount(dec!(100.100)), Ok(()));
        assert!(check_amount(dec!(0.001)).is_err());
        assert!(check_amount(dec!(-1)).is_err());
        assert!(check_amount(dec!(1000000000000.00)).is_err());
        assert_eq!(check_amount(dec!(999999999999.99)), Ok(()));
    }

    #[test]
    fn rates_have_four_places() {
        assert_eq!(check_rate(dec!(2.5)), Ok(()));
        assert_eq!(check_rate(dec!(0.1234)), Ok(()));
        assert!(check_rate(dec!(0.12345)).is_err());
        assert!(check_rate(dec!(-0.5)).is_err());
    }
}

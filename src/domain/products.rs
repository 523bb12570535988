//! Loan products and document types: their vocabularies and the rules of their bounds.

use rust_decimal::Decimal;

use super::money;

text_enum! {
    /// The period of a loan's installments.
    pub enum TermUnit {
        Day => "DAY",
        Week => "WEEK",
        Month => "MONTH",
    }
}

text_enum! {
    /// How interest is computed.
    pub enum InterestMethod {
        /// On the principal, for every period.
        Flat => "FLAT",
        /// On the balance still owed at each period.
        DecliningBalance => "DECLINING_BALANCE",
    }
}

/// The bounds and defaults of a loan product, as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductTerms {
    pub min_amount: Decimal,
    pub max_amount: Decimal,
    pub min_term: i32,
    pub max_term: i32,
    pub interest_rate: Decimal,
    pub default_processing_fee: Decimal,
    pub default_penalty_fee_per_day: Decimal,
}

/// A refused product: the input field (camelCase) and why.
pub type Refusal = (&'static str, String);

/// Checks a product's terms: amounts with two places, `0 ≤ min < max`, `1 ≤ min term ≤ max
/// term`, a rate with four places.
pub fn check_terms(terms: &ProductTerms) -> Result<(), Refusal> {
    for (field, value) in [
        ("minAmount", terms.min_amount),
        ("maxAmount", terms.max_amount),
        ("defaultProcessingFee", terms.default_processing_fee),
        ("defaultPenaltyFeePerDay", terms.default_penalty_fee_per_day),
    ] {
        money::check_amount(value).map_err(|reason| (field, reason.to_owned()))?;
    }
    money::check_rate(terms.interest_rate).map_err(|reason| ("interestRate", reason.to_owned()))?;
    if terms.min_amount >= terms.max_amount {
        return Err((
            "maxAmount",
            "The maximum amount must be greater than the minimum amount.".into(),
        ));
    }
    if terms.min_term < 1 {
        return Err(("minTerm", "The minimum term is at least 1.".into()));
    }
    if terms.min_term > terms.max_term {
        return Err((
            "maxTerm",
            "The maximum term cannot be less than the minimum term.".into(),
        ));
    }
    Ok(())
}

/// The code of a document type, derived from its name: upper-case letters and digits joined
/// by underscores (`"National ID card"` → `"NATIONAL_ID_CARD"`).
pub fn document_code(name: &str) -> Option<String> {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_uppercase)
        .collect();
    (!words.is_empty()).then(|| words.join("_"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn terms() -> ProductTerms {
        ProductTerms {
            min_amount: dec!(5000),
            max_amount: dec!(50000),
            min_term: 4,
            max_term: 12,
            interest_rate: dec!(2.5),
            default_processing_fee: dec!(500),
            default_penalty_fee_per_day: dec!(50),
        }
    }

    #[test]
    fn bounds_must_be_ordered() {
        assert_eq!(check_terms(&terms()), Ok(()));
        let equal = ProductTerms {
            max_amount: dec!(5000),
            ..terms()
        };
        assert_eq!(check_terms(&equal).map_err(|e| e.0), Err("maxAmount"));
        let reversed = ProductTerms {
            min_term: 13,
            ..terms()
        };
        assert_eq!(check_terms(&reversed).map_err(|e| e.0), Err("maxTerm"));
        let zero = ProductTerms {
            min_term: 0,
            ..terms()
        };
        assert_eq!(check_terms(&zero).map_err(|e| e.0), Err("minTerm"));
        let cents = ProductTerms {
            default_processing_fee: dec!(0.005),
            ..terms()
        };
        assert_eq!(
            check_terms(&cents).map_err(|e| e.0),
            Err("defaultProcessingFee")
        );
    }

    #[test]
    fn document_codes_come_from_names() {
        assert_eq!(
            document_code("National ID card").as_deref(),
            Some("NATIONAL_ID_CARD")
        );
        assert_eq!(
            document_code("  Utility bill (NEPA) ").as_deref(),
            Some("UTILITY_BILL_NEPA")
        );
        assert_eq!(document_code(" - "), None);
    }
}

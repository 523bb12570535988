//! The loan lifecycle (SPEC 5.1) as plain functions: which transitions a status allows, how a
//! loan number is written, and whether an application fits its product.

use rust_decimal::Decimal;

use super::LoanStatus;

/// A step of the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Submit,
    Approve,
    Reject,
    Cancel,
    Disburse,
    WriteOff,
}

impl Transition {
    /// The status a loan in `from` moves to, or why it cannot.
    pub fn apply(self, from: LoanStatus) -> Result<LoanStatus, String> {
        use LoanStatus::*;
        let to = match (self, from) {
            (Self::Submit, Draft) => PendingApproval,
            (Self::Approve, PendingApproval) => Approved,
            (Self::Reject, PendingApproval) => Canceled,
            (Self::Cancel, Draft | PendingApproval | Approved) => Canceled,
            (Self::Disburse, Approved) => Active,
            (Self::WriteOff, Active | Defaulted) => WrittenOff,
            _ => {
                return Err(format!(
                    "A loan that is {} cannot be {}.",
                    from.as_str(),
                    self.past_tense()
                ));
            }
        };
        Ok(to)
    }

    fn past_tense(self) -> &'static str {
        match self {
            Self::Submit => "submitted",
            Self::Approve => "approved",
            Self::Reject => "rejected",
            Self::Cancel => "cancelled",
            Self::Disburse => "disbursed",
            Self::WriteOff => "written off",
        }
    }
}

/// The status a disbursed loan has after its repayments were (re-)allocated: COMPLETED when
/// nothing is owed; otherwise DEFAULTED once more than `grace_days` past its end date on
/// `today`, else ACTIVE. Loans in other statuses keep theirs.
pub fn status_after_payments(
    status: LoanStatus,
    outstanding: Decimal,
    end_date: chrono::NaiveDate,
    grace_days: u32,
    today: chrono::NaiveDate,
) -> LoanStatus {
    use LoanStatus::*;
    if !matches!(status, Active | Defaulted | Completed) {
        return status;
    }
    if outstanding <= Decimal::ZERO {
        return Completed;
    }
    let late = end_date
        .checked_add_days(chrono::Days::new(u64::from(grace_days)))
        .is_some_and(|limit| today > limit);
    if late { Defaulted } else { Active }
}

/// The number of the `n`th loan: `LN` and eight digits (`LN00000042`).
pub fn number(n: i64) -> Result<String, &'static str> {
    if (1..=99_999_999).contains(&n) {
        Ok(format!("LN{n:08}"))
    } else {
        Err("The loan numbers are exhausted (LN99999999 was the last).")
    }
}

/// A product's bounds, for checking an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub min_amount: Decimal,
    pub max_amount: Decimal,
    pub min_term: i32,
    pub max_term: i32,
}

/// Whether a principal and term fit the product; the refusal names the input field.
pub fn check_fits(
    bounds: &Bounds,
    principal: Decimal,
    term_count: i32,
) -> Result<(), (&'static str, String)> {
    if principal < bounds.min_amount || principal > bounds.max_amount {
        return Err((
            "principalAmount",
            format!(
                "This product lends between {} and {}.",
                bounds.min_amount, bounds.max_amount
            ),
        ));
    }
    if term_count < bounds.min_term || term_count > bounds.max_term {
        return Err((
            "termCount",
            format!(
                "This product runs between {} and {} installments.",
                bounds.min_term, bounds.max_term
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use LoanStatus::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_lifecycle_allows_only_its_arrows() {
        assert_eq!(Transition::Submit.apply(Draft), Ok(PendingApproval));
        assert_eq!(Transition::Approve.apply(PendingApproval), Ok(Approved));
        assert_eq!(Transition::Reject.apply(PendingApproval), Ok(Canceled));
        assert_eq!(Transition::Disburse.apply(Approved), Ok(Active));
        assert_eq!(Transition::WriteOff.apply(Defaulted), Ok(WrittenOff));
        for from in [Draft, PendingApproval, Approved] {
            assert_eq!(Transition::Cancel.apply(from), Ok(Canceled));
        }
        assert_eq!(
            Transition::Approve.apply(Draft),
            Err("A loan that is DRAFT cannot be approved.".into())
        );
        for from in [Active, Completed, Defaulted, WrittenOff, Canceled] {
            assert!(Transition::Cancel.apply(from).is_err());
            assert!(Transition::Disburse.apply(from).is_err());
        }
        assert!(Transition::WriteOff.apply(Completed).is_err());
    }

    #[test]
    fn repayments_complete_reopen_and_default_loans() {
        let end = chrono::NaiveDate::from_ymd_opt(2026, 3, 31).expect("date");
        let before = end - chrono::Days::new(1);
        let after = end + chrono::Days::new(3);
        assert_eq!(
            status_after_payments(Active, dec!(0), end, 0, before),
            Completed
        );
        assert_eq!(
            status_after_payments(Defaulted, dec!(0), end, 0, after),
            Completed
        );
        assert_eq!(
            status_after_payments(Completed, dec!(5), end, 0, before),
            Active
        );
        assert_eq!(
            status_after_payments(Completed, dec!(5), end, 0, after),
            Defaulted
        );
        assert_eq!(
            status_after_payments(Active, dec!(5), end, 3, after),
            Active
        );
        assert_eq!(
            status_after_payments(Active, dec!(5), end, 2, after),
            Defaulted
        );
        assert_eq!(
            status_after_payments(WrittenOff, dec!(0), end, 0, after),
            WrittenOff
        );
    }

    #[test]
    fn numbers_have_eight_digits() {
        assert_eq!(number(42).as_deref(), Ok("LN00000042"));
        assert!(number(100_000_000).is_err());
    }

    #[test]
    fn applications_must_fit_their_product() {
        let bounds = Bounds {
            min_amount: dec!(5000),
            max_amount: dec!(50000),
            min_term: 4,
            max_term: 12,
        };
        assert_eq!(check_fits(&bounds, dec!(50000), 12), Ok(()));
        assert_eq!(
            check_fits(&bounds, dec!(50000.01), 12).map_err(|e| e.0),
            Err("principalAmount")
        );
        assert_eq!(
            check_fits(&bounds, dec!(5000), 3).map_err(|e| e.0),
            Err("termCount")
        );
    }
}

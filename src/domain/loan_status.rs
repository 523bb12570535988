//! The lifecycle states of a loan (SPEC 5.1).

text_enum! {
    /// Where a loan is in its lifecycle.
    pub enum LoanStatus {
        Draft => "DRAFT",
        PendingApproval => "PENDING_APPROVAL",
        Approved => "APPROVED",
        Active => "ACTIVE",
        Completed => "COMPLETED",
        Defaulted => "DEFAULTED",
        WrittenOff => "WRITTEN_OFF",
        Canceled => "CANCELED",
    }
}

impl LoanStatus {
    /// The statuses that count as an "open loan": a member may hold at most one.
    pub const OPEN: &'static [LoanStatus] = &[
        LoanStatus::Draft,
        LoanStatus::PendingApproval,
        LoanStatus::Approved,
        LoanStatus::Active,
        LoanStatus::Defaulted,
    ];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_statuses_match_the_spec() {
        let open: Vec<_> = LoanStatus::ALL.iter().filter(|s| s.is_open()).collect();
        assert_eq!(open.len(), 5);
        assert!(!LoanStatus::Completed.is_open());
        assert!(!LoanStatus::Canceled.is_open());
        assert!(!LoanStatus::WrittenOff.is_open());
    }
}

//! What the database's named constraints mean, so that a violation becomes a sentence a person
//! can act on instead of a constraint name.

/// How a violated constraint should be reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// The change collides with existing data (`CONFLICT`).
    Conflict {
        field: Option<&'static str>,
        message: &'static str,
    },
    /// The input breaks a rule the database enforces (`BAD_USER_INPUT`).
    Invalid {
        field: Option<&'static str>,
        message: &'static str,
    },
}

/// The meaning of a constraint by name; `None` for constraints that should never be violated by
/// a correct service (those are internal errors).
pub fn describe(constraint: &str) -> Option<Violation> {
    use Violation::{Conflict, Invalid};
    let meaning = match constraint {
        "users_email_key" => Conflict {
            field: Some("email"),
            message: "A staff member with this email already exists.",
        },
        "union_members_email_key" => Conflict {
            field: Some("email"),
            message: "A member with this email already exists.",
        },
        "union_members_code_key" => Conflict {
            field: Some("code"),
            message: "A member with this code already exists.",
        },
        "loan_types_name_key" => Conflict {
            field: Some("name"),
            message: "A loan product with this name already exists.",
        },
        "document_types_code_key" => Conflict {
            field: Some("name"),
            message: "A document type with this name already exists.",
        },
        "loans_one_open_per_member_key" => Conflict {
            field: Some("unionMemberId"),
            message: "This member already has an open loan; close it before opening another.",
        },
        "loans_loan_number_key" => Conflict {
            field: Some("loanNumber"),
            message: "A loan with this number already exists.",
        },
        "repayments_idempotency_key_key" => Conflict {
            field: Some("idempotencyKey"),
            message: "This idempotency key was already used for another repayment.",
        },
        "loan_charges_penalty_day_key" => Conflict {
            field: None,
            message: "A penalty is already posted for this loan and day.",
        },
        "users_supervisor_not_self_check" => Invalid {
            field: Some("supervisorId"),
            message: "A staff member cannot be their own supervisor.",
        },
        "loan_types_amount_range_check" => Invalid {
            field: Some("maxAmount"),
            message: "The maximum amount must be greater than the minimum amount.",
        },
        "loan_types_term_range_check" => Invalid {
            field: Some("maxTerm"),
            message: "The terms must satisfy 1 ≤ minimum term ≤ maximum term.",
        },
        "union_member_documents_dates_check" | "loan_documents_dates_check" => Invalid {
            field: Some("expiryDate"),
            message: "The expiry date cannot be before the issue date.",
        },
        _ => return None,
    };
    Some(meaning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_constraints_have_sentences_without_internals() {
        for name in [
            "users_email_key",
            "loans_one_open_per_member_key",
            "repayments_idempotency_key_key",
            "loan_types_amount_range_check",
        ] {
            let message = match describe(name).expect("described") {
                Violation::Conflict { message, .. } | Violation::Invalid { message, .. } => message,
            };
            assert!(message.ends_with('.'));
            assert!(!message.contains('_'), "{message}");
        }
        assert_eq!(describe("staff_sessions_refresh_token_hash_key"), None);
    }
}

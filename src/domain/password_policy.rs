//! The staff password policy (SPEC 4): 8 to 128 characters with an upper-case letter, a
//! lower-case letter and a digit.

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// Why a password was refused, as a sentence for the person choosing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("The password must be at least 8 characters long.")]
    TooShort,
    #[error("The password must be at most 128 characters long.")]
    TooLong,
    #[error("The password must contain an upper-case letter.")]
    MissingUpper,
    #[error("The password must contain a lower-case letter.")]
    MissingLower,
    #[error("The password must contain a digit.")]
    MissingDigit,
}

/// Checks a new password against the policy.
pub fn check(password: &str) -> Result<(), PasswordPolicyError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordPolicyError::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordPolicyError::TooLong);
    }
    if !password.chars().any(char::is_uppercase) {
        return Err(PasswordPolicyError::MissingUpper);
    }
    if !password.chars().any(char::is_lowercase) {
        return Err(PasswordPolicyError::MissingLower);
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        return Err(PasswordPolicyError::MissingDigit);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_compliant_password() {
        assert_eq!(check("Sunrise2026"), Ok(()));
        assert_eq!(check(&format!("Aa1{}", "x".repeat(125))), Ok(()));
    }

    #[test]
    fn refuses_each_violation() {
        assert_eq!(check("Aa1"), Err(PasswordPolicyError::TooShort));
        assert_eq!(
            check(&format!("Aa1{}", "x".repeat(126))),
            Err(PasswordPolicyError::TooLong)
        );
        assert_eq!(check("sunrise2026"), Err(PasswordPolicyError::MissingUpper));
        assert_eq!(check("SUNRISE2026"), Err(PasswordPolicyError::MissingLower));
        assert_eq!(
            check("SunriseSunset"),
            Err(PasswordPolicyError::MissingDigit)
        );
    }

    #[test]
    fn counts_characters_not_bytes() {
        // Seven characters, more than eight bytes.
        assert_eq!(check("Ñandú1é"), Err(PasswordPolicyError::TooShort));
    }
}

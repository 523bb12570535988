//! Email addresses of staff and members: trimmed, lower-cased, plausibly shaped.

/// The longest address accepted (RFC 5321's path limit).
pub const MAX_LENGTH: usize = 254;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Enter a valid email address, such as name@example.org.")]
pub struct InvalidEmail;

/// The canonical form of an email address: trimmed and lower-cased, with one `@`, a non-empty
/// local part and domain, and no spaces.
pub fn normalize(raw: &str) -> Result<String, InvalidEmail> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@').ok_or(InvalidEmail)?;
    let valid = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && email.len() <= MAX_LENGTH;
    if valid { Ok(email) } else { Err(InvalidEmail) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_lower_cases() {
        assert_eq!(
            normalize("  Ada.Obi@Example.ORG "),
            Ok("ada.obi@example.org".into())
        );
        assert_eq!(normalize("admin@localhost"), Ok("admin@localhost".into()));
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in [
            "",
            "ada",
            "@example.org",
            "ada@",
            "ada@@example.org",
            "a b@example.org",
            "ada@.org",
            "ada@example.",
        ] {
            assert_eq!(normalize(bad), Err(InvalidEmail), "{bad:?}");
        }
        assert_eq!(
            normalize(&format!("{}@example.org", "a".repeat(250))),
            Err(InvalidEmail)
        );
    }
}

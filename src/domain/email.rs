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

/// The email of a login attempt: trimmed and lower-cased, refused when blank, longer than
/// [`MAX_LENGTH`] bytes or holding control characters (a NUL byte among them). Any other text is
/// looked up as given: a malformed address simply matches no account.
pub fn for_login(raw: &str) -> Result<String, InvalidEmail> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() || email.len() > MAX_LENGTH || email.chars().any(char::is_control) {
        Err(InvalidEmail)
    } else {
        Ok(email)
    }
}

/// What may be stored of an address that was refused: control characters replaced by U+FFFD,
/// cut to at most [`MAX_LENGTH`] bytes on a character boundary.
pub fn record_of(raw: &str) -> String {
    let mut record = String::with_capacity(raw.len().min(MAX_LENGTH));
    for c in raw.trim().chars() {
        let c = if c.is_control() {
            char::REPLACEMENT_CHARACTER
        } else {
            c
        };
        if record.len() + c.len_utf8() > MAX_LENGTH {
            break;
        }
        record.push(c);
    }
    record
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
    fn login_emails_are_bounded_and_printable() {
        assert_eq!(for_login(" Ada@Example.org "), Ok("ada@example.org".into()));
        assert_eq!(for_login("not-an-email"), Ok("not-an-email".into()));
        assert_eq!(for_login("ada\0@example.org"), Err(InvalidEmail));
        // Found by the fuzzer: a blank email reached the throttle table's CHECK (a 500).
        assert_eq!(for_login(""), Err(InvalidEmail));
        assert_eq!(for_login(" \t "), Err(InvalidEmail));
        assert_eq!(for_login("ada\u{7}@example.org"), Err(InvalidEmail));
        assert_eq!(for_login(&"a".repeat(255)), Err(InvalidEmail));
        assert!(for_login(&"a".repeat(254)).is_ok());
    }

    #[test]
    fn a_refused_address_is_recorded_safely() {
        assert_eq!(record_of("ada\0@x"), "ada\u{fffd}@x");
        let long = "é".repeat(200);
        let record = record_of(&long);
        assert!(record.len() <= MAX_LENGTH);
        assert_eq!(record.chars().count(), 127);
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

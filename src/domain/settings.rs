//! Company settings: their vocabulary and the checks of an update.

text_enum! {
    /// Whether a repayment pays penalties before or after the installments due.
    pub enum AllocationOrder {
        PenaltiesFirst => "PENALTIES_FIRST",
        PenaltiesLast => "PENALTIES_LAST",
    }
}

/// The root fields a request may still hold in maintenance mode: without them nobody, not even
/// an administrator, could log in or stay logged in.
pub const OPEN_DURING_MAINTENANCE: &[&str] = &["login", "refreshSession", "logout"];

/// Whether a currency code looks like ISO 4217 (three upper-case letters).
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase())
}

/// Whether a time zone name looks like an IANA name (`Africa/Lagos`) or `UTC`.
pub fn is_time_zone(name: &str) -> bool {
    name == "UTC"
        || (name.contains('/')
            && name.split('/').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
            }))
}

/// Whether a colour is `#rgb` or `#rrggbb`.
pub fn is_colour(value: &str) -> bool {
    value
        .strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_values_are_checked() {
        assert!(is_currency_code("NGN"));
        assert!(!is_currency_code("ngn"));
        assert!(!is_currency_code("NAIRA"));
        assert!(is_time_zone("Africa/Lagos"));
        assert!(is_time_zone("America/Argentina/Buenos_Aires"));
        assert!(is_time_zone("UTC"));
        assert!(!is_time_zone("Lagos"));
        assert!(!is_time_zone("Africa/"));
        assert!(is_colour("#1a2B3c"));
        assert!(is_colour("#fff"));
        assert!(!is_colour("red"));
    }
}

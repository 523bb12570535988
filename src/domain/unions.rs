//! Rules about unions: what blocks deleting one.

/// A union can be deleted only without live members and open loans; the error names what
/// blocks it, as a sentence.
pub fn check_deletable(live_members: i64, open_loans: i64) -> Result<(), String> {
    let mut blockers = Vec::new();
    if live_members > 0 {
        blockers.push(plural(live_members, "live member", "live members"));
    }
    if open_loans > 0 {
        blockers.push(plural(open_loans, "open loan", "open loans"));
    }
    if blockers.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "This union still has {}; move or delete them first.",
            blockers.join(" and ")
        ))
    }
}

/// "1 open loan", "3 open loans".
pub fn plural(count: i64, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletion_is_blocked_by_members_and_open_loans() {
        assert_eq!(check_deletable(0, 0), Ok(()));
        assert_eq!(
            check_deletable(3, 1),
            Err(
                "This union still has 3 live members and 1 open loan; move or delete them first."
                    .into()
            )
        );
        assert_eq!(
            check_deletable(1, 0),
            Err("This union still has 1 live member; move or delete them first.".into())
        );
    }
}

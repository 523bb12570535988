//! Account lockout (SPEC 7): five failed logins within fifteen minutes lock the account for
//! fifteen minutes. The decision is a pure function of the failure instants, so it applies in
//! the same way to a known account and to an unknown email (which must not be told apart).

use chrono::{DateTime, TimeDelta, Utc};

/// Failures that lock an account when they fall within [`WINDOW`].
pub const MAX_FAILURES: usize = 5;
/// The span in which [`MAX_FAILURES`] failures lock an account.
pub const WINDOW: TimeDelta = TimeDelta::minutes(15);
/// How long a lock lasts, counted from the failure that caused it.
pub const LOCK_DURATION: TimeDelta = TimeDelta::minutes(15);

/// The earliest failure that can still contribute to a lock in force at `now`.
pub fn relevant_since(now: DateTime<Utc>) -> DateTime<Utc> {
    now - WINDOW - LOCK_DURATION
}

/// When the lock in force at `now` ends, given the instants of the counted failures (wrong
/// password or unknown email, since the last successful login), in any order.
pub fn locked_until(failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut sorted = failures.to_vec();
    sorted.sort_unstable();
    sorted
        .windows(MAX_FAILURES)
        .filter(|run| run[MAX_FAILURES - 1] - run[0] <= WINDOW)
        .map(|run| run[MAX_FAILURES - 1] + LOCK_DURATION)
        .max()
        .filter(|until| *until > now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0)
            .single()
            .expect("valid")
            + TimeDelta::minutes(minute)
    }

    #[test]
    fn four_failures_do_not_lock() {
        let failures = [at(0), at(1), at(2), at(3)];
        assert_eq!(locked_until(&failures, at(4)), None);
    }

    #[test]
    fn five_failures_within_the_window_lock_for_fifteen_minutes_from_the_fifth() {
        let failures = [at(0), at(1), at(2), at(3), at(14)];
        assert_eq!(locked_until(&failures, at(14)), Some(at(29)));
        assert_eq!(locked_until(&failures, at(28)), Some(at(29)));
        assert_eq!(locked_until(&failures, at(29)), None);
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_lock() {
        let failures = [at(0), at(4), at(8), at(12), at(16)];
        assert_eq!(locked_until(&failures, at(16)), None);
    }

    #[test]
    fn order_of_input_does_not_matter() {
        let failures = [at(3), at(0), at(2), at(4), at(1)];
        assert_eq!(locked_until(&failures, at(5)), Some(at(19)));
    }

    #[test]
    fn a_failure_after_the_lock_ends_does_not_relock_at_once() {
        let failures = [at(0), at(1), at(2), at(3), at(4), at(20)];
        assert_eq!(locked_until(&failures, at(20)), None);
    }

    #[test]
    fn relevant_since_covers_any_lock_still_in_force() {
        let now = at(100);
        // A lock ending after `now` needs its fifth failure after now - LOCK and its first
        // after that minus WINDOW.
        assert_eq!(relevant_since(now), at(70));
    }
}

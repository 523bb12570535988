//! Staff sessions (SPEC 7): token lifetimes, the live-session limit, and the vocabulary of the
//! login history and of revocations.

use chrono::{DateTime, TimeDelta, Utc};

use super::SessionFamilyId;

/// How long an access token (JWT) is accepted.
pub const ACCESS_TOKEN_TTL: TimeDelta = TimeDelta::minutes(15);
/// How long a refresh token may be used, from its issue.
pub const REFRESH_TOKEN_TTL: TimeDelta = TimeDelta::days(30);
/// Live sessions a user may hold; a new login revokes the oldest beyond this.
pub const MAX_LIVE_SESSIONS: usize = 3;

text_enum! {
    /// Why a login attempt failed, as stored in `user_login_history.failure_reason`.
    pub enum LoginFailure {
        /// A password check in progress: it counts as a failure until it is settled, so that
        /// concurrent attempts cannot check more passwords than the lockout allows. One left
        /// behind by a crash keeps counting until it falls out of the window.
        Pending => "PENDING",
        UnknownEmail => "UNKNOWN_EMAIL",
        WrongPassword => "WRONG_PASSWORD",
        /// A wrong current password given to `changePassword`.
        WrongCurrentPassword => "WRONG_CURRENT_PASSWORD",
        /// Refused because the account was locked; does not extend the lock.
        Locked => "LOCKED",
        /// The right password for a deactivated account.
        Inactive => "INACTIVE",
        /// An email or password that could not be one (too long, control characters): refused
        /// before any check.
        InvalidInput => "INVALID_INPUT",
    }
}

impl LoginFailure {
    /// The settled failures that count toward a lockout.
    pub const COUNTED: &'static [LoginFailure] = &[
        LoginFailure::UnknownEmail,
        LoginFailure::WrongPassword,
        LoginFailure::WrongCurrentPassword,
    ];

    /// What holds back the next check: the counted failures and the checks in progress.
    pub const COUNTED_OR_PENDING: &'static [LoginFailure] = &[
        LoginFailure::UnknownEmail,
        LoginFailure::WrongPassword,
        LoginFailure::WrongCurrentPassword,
        LoginFailure::Pending,
    ];
}

text_enum! {
    /// Why a session (refresh token) stopped being usable, as stored in
    /// `staff_sessions.revoked_reason`.
    pub enum RevokeReason {
        /// Replaced by a newer token of the same family at a refresh.
        Rotated => "ROTATED",
        /// The user logged out of this session.
        Logout => "LOGOUT",
        /// The user logged out of their other sessions.
        LogoutOthers => "LOGOUT_OTHERS",
        /// The user revoked this session from `mySessions`.
        RevokedByUser => "REVOKED_BY_USER",
        /// A used refresh token was presented again: the family is treated as stolen.
        ReuseDetected => "REUSE_DETECTED",
        /// A newer login pushed the user over the live-session limit.
        SessionLimit => "SESSION_LIMIT",
        /// The password changed; the other sessions end.
        PasswordChanged => "PASSWORD_CHANGED",
        /// The account was deactivated or deleted.
        AccountDisabled => "ACCOUNT_DISABLED",
    }
}

/// Given a user's live sessions (family and start), the families to revoke so that at most
/// [`MAX_LIVE_SESSIONS`] remain, oldest first.
pub fn families_over_limit(live: &[(SessionFamilyId, DateTime<Utc>)]) -> Vec<SessionFamilyId> {
    let mut by_age = live.to_vec();
    by_age.sort_by_key(|(family, started)| (*started, *family));
    let excess = by_age.len().saturating_sub(MAX_LIVE_SESSIONS);
    by_age
        .into_iter()
        .take(excess)
        .map(|(family, _)| family)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn session(n: u128, minute: u32) -> (SessionFamilyId, DateTime<Utc>) {
        (
            SessionFamilyId(Uuid::from_u128(n)),
            Utc.with_ymd_and_hms(2026, 1, 1, 8, minute, 0)
                .single()
                .expect("valid"),
        )
    }

    #[test]
    fn up_to_the_limit_nothing_is_revoked() {
        assert!(families_over_limit(&[session(1, 0), session(2, 1), session(3, 2)]).is_empty());
    }

    #[test]
    fn the_oldest_sessions_go_first() {
        let live = [
            session(4, 9),
            session(1, 0),
            session(3, 5),
            session(2, 3),
            session(5, 7),
        ];
        assert_eq!(
            families_over_limit(&live),
            vec![
                SessionFamilyId(Uuid::from_u128(1)),
                SessionFamilyId(Uuid::from_u128(2))
            ]
        );
    }

    #[test]
    fn only_lockout_relevant_failures_are_counted() {
        assert!(LoginFailure::COUNTED.contains(&LoginFailure::WrongPassword));
        assert!(LoginFailure::COUNTED.contains(&LoginFailure::UnknownEmail));
        assert!(LoginFailure::COUNTED.contains(&LoginFailure::WrongCurrentPassword));
        for refusal in [
            LoginFailure::Locked,
            LoginFailure::Inactive,
            LoginFailure::InvalidInput,
        ] {
            assert!(!LoginFailure::COUNTED_OR_PENDING.contains(&refusal));
        }
        assert!(!LoginFailure::COUNTED.contains(&LoginFailure::Pending));
        assert!(LoginFailure::COUNTED_OR_PENDING.contains(&LoginFailure::Pending));
    }
}

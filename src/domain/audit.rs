//! The vocabulary of the audit trail.

text_enum! {
    /// What an audit row records, stored in `audit_logs.action`.
    pub enum AuditAction {
        /// A successful login; a new session.
        Login => "LOGIN",
        /// The user ended the current session.
        Logout => "LOGOUT",
        /// The user ended all their other sessions.
        LogoutOtherSessions => "LOGOUT_OTHER_SESSIONS",
        /// The user ended one session from their list.
        SessionRevoked => "SESSION_REVOKED",
        /// A refresh token was exchanged for a new pair.
        SessionRefreshed => "SESSION_REFRESHED",
        /// A used refresh token came back: its whole family was revoked.
        RefreshTokenReused => "REFRESH_TOKEN_REUSED",
        /// Too many failed logins locked the account (or the unknown email).
        AccountLocked => "ACCOUNT_LOCKED",
        /// The user changed their password.
        PasswordChanged => "PASSWORD_CHANGED",
        /// `changePassword` with a wrong current password (it counts toward the lockout).
        PasswordChangeFailed => "PASSWORD_CHANGE_FAILED",
        /// A staff account was created.
        UserCreated => "USER_CREATED",
    }
}

/// The `entity_name` of audit rows about staff accounts.
pub const ENTITY_USER: &str = "User";

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
        /// A staff account's details, role or supervisor changed.
        UserUpdated => "USER_UPDATED",
        /// A staff account was reactivated.
        UserActivated => "USER_ACTIVATED",
        /// A staff account was deactivated (its sessions ended).
        UserDeactivated => "USER_DEACTIVATED",
        /// A staff member's password was reset by an administrator or supervisor.
        UserPasswordReset => "USER_PASSWORD_RESET",
        /// A staff account was deleted (its sessions ended).
        UserDeleted => "USER_DELETED",
        /// A deleted staff account was restored.
        UserRestored => "USER_RESTORED",
        /// A union was created.
        UnionCreated => "UNION_CREATED",
        /// A union's details changed.
        UnionUpdated => "UNION_UPDATED",
        /// A union got another credit officer.
        UnionReassigned => "UNION_REASSIGNED",
        /// A union was deleted.
        UnionDeleted => "UNION_DELETED",
        /// A deleted union was restored.
        UnionRestored => "UNION_RESTORED",
        /// A member was registered.
        MemberCreated => "MEMBER_CREATED",
        /// A member's details changed.
        MemberUpdated => "MEMBER_UPDATED",
        /// A member was marked verified or unverified.
        MemberVerificationChanged => "MEMBER_VERIFICATION_CHANGED",
        /// A member moved to another union.
        MemberMoved => "MEMBER_MOVED",
        /// A member was deleted.
        MemberDeleted => "MEMBER_DELETED",
        /// A deleted member was restored.
        MemberRestored => "MEMBER_RESTORED",
        /// A loan product was created.
        LoanTypeCreated => "LOAN_TYPE_CREATED",
        /// A loan product changed (including being switched on or off).
        LoanTypeUpdated => "LOAN_TYPE_UPDATED",
        /// A loan product was deleted.
        LoanTypeDeleted => "LOAN_TYPE_DELETED",
        /// A deleted loan product was restored.
        LoanTypeRestored => "LOAN_TYPE_RESTORED",
        /// A document type was created.
        DocumentTypeCreated => "DOCUMENT_TYPE_CREATED",
        /// A document type changed.
        DocumentTypeUpdated => "DOCUMENT_TYPE_UPDATED",
        /// A document type was deleted.
        DocumentTypeDeleted => "DOCUMENT_TYPE_DELETED",
        /// A deleted document type was restored.
        DocumentTypeRestored => "DOCUMENT_TYPE_RESTORED",
        /// The company settings changed.
        SettingsUpdated => "SETTINGS_UPDATED",
        /// A note about a member of staff was written.
        UserNoteCreated => "USER_NOTE_CREATED",
        /// A note changed.
        UserNoteUpdated => "USER_NOTE_UPDATED",
        /// A note was deleted.
        UserNoteDeleted => "USER_NOTE_DELETED",
        /// A deleted note was restored.
        UserNoteRestored => "USER_NOTE_RESTORED",
        /// A loan was created (an application, a draft, or — by an administrator — a loan
        /// approved and disbursed at once).
        LoanCreated => "LOAN_CREATED",
        /// A loan's terms changed before disbursement (the schedule was rebuilt).
        LoanUpdated => "LOAN_UPDATED",
        /// A draft was submitted for approval.
        LoanSubmitted => "LOAN_SUBMITTED",
        /// An application was approved.
        LoanApproved => "LOAN_APPROVED",
        /// An application was rejected.
        LoanRejected => "LOAN_REJECTED",
        /// A loan was cancelled before disbursement.
        LoanCanceled => "LOAN_CANCELED",
        /// An approved loan was disbursed.
        LoanDisbursed => "LOAN_DISBURSED",
        /// A loan was written off.
        LoanWrittenOff => "LOAN_WRITTEN_OFF",
        /// A loan was deleted.
        LoanDeleted => "LOAN_DELETED",
        /// A deleted loan was restored.
        LoanRestored => "LOAN_RESTORED",
        /// A repayment was recorded (and the loan re-played).
        RepaymentRecorded => "REPAYMENT_RECORDED",
        /// A repayment was reversed (and the loan re-played without it).
        RepaymentReversed => "REPAYMENT_REVERSED",
        /// An active loan's principal or term changed: the schedule was rebuilt and the
        /// repayments re-played.
        LoanRescheduled => "LOAN_RESCHEDULED",
        /// The daily job found a loan past its end date and grace with a balance.
        LoanDefaulted => "LOAN_DEFAULTED",
        /// A charge was waived (and the loan re-played).
        ChargeWaived => "CHARGE_WAIVED",
        /// The daily job posted penalties, refreshed installments and defaulted loans.
        PenaltiesPosted => "PENALTIES_POSTED",
        /// A document of a member or a loan was uploaded.
        DocumentUploaded => "DOCUMENT_UPLOADED",
        /// A document was marked verified or unverified.
        DocumentVerified => "DOCUMENT_VERIFIED",
        /// A document was deleted.
        DocumentDeleted => "DOCUMENT_DELETED",
        /// A deleted document was restored.
        DocumentRestored => "DOCUMENT_RESTORED",
        /// A backup was taken (by hand, by the schedule, or before a restore).
        BackupCreated => "BACKUP_CREATED",
        /// A backup failed; the error is in the record.
        BackupFailed => "BACKUP_FAILED",
        /// A backup was deleted (by hand or by retention).
        BackupDeleted => "BACKUP_DELETED",
        /// The backup schedule changed.
        BackupScheduleUpdated => "BACKUP_SCHEDULE_UPDATED",
        /// All data was replaced by a backup's.
        SystemRestored => "SYSTEM_RESTORED",
        /// The original system's data was imported (`millennium import legacy-backup`).
        LegacyImported => "LEGACY_IMPORTED",
        /// A supervisor report was generated and its snapshot stored.
        ReportGenerated => "REPORT_GENERATED",
        /// A stored report snapshot was deleted.
        ReportDeleted => "REPORT_DELETED",
    }
}

/// The `entity_name` of audit rows about staff accounts.
pub const ENTITY_USER: &str = "User";
/// … about unions.
pub const ENTITY_UNION: &str = "Union";
/// … about union members.
pub const ENTITY_UNION_MEMBER: &str = "UnionMember";
/// … about loan products.
pub const ENTITY_LOAN_TYPE: &str = "LoanType";
/// … about document types.
pub const ENTITY_DOCUMENT_TYPE: &str = "DocumentType";
/// … about the company settings.
pub const ENTITY_COMPANY_SETTINGS: &str = "CompanySettings";
/// … about loans.
pub const ENTITY_LOAN: &str = "Loan";
/// … about repayments.
pub const ENTITY_REPAYMENT: &str = "Repayment";
/// … about charges on loans.
pub const ENTITY_LOAN_CHARGE: &str = "LoanCharge";
/// … about notes on staff.
pub const ENTITY_USER_NOTE: &str = "UserNote";
/// … about documents of members and loans.
pub const ENTITY_DOCUMENT: &str = "Document";
/// … about backups.
pub const ENTITY_BACKUP: &str = "Backup";
/// … about the backup schedule.
pub const ENTITY_BACKUP_SCHEDULE: &str = "BackupSchedule";
/// … about the whole system (a restore).
pub const ENTITY_SYSTEM: &str = "System";

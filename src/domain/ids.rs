//! Typed identifiers: a `UserId` cannot be passed where a `UnionId` is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random id.
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }

            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    )+};
}

typed_id! {
    /// A member of staff.
    UserId,
    /// One row of `staff_sessions` (one refresh token).
    SessionId,
    /// A login session across refresh-token rotations; what `mySessions` lists.
    SessionFamilyId,
    /// A borrower group.
    UnionId,
    /// A borrower.
    UnionMemberId,
    /// A loan product.
    LoanTypeId,
    /// A kind of document (national ID, utility bill, …).
    DocumentTypeId,
    /// An uploaded document of a member or a loan.
    DocumentId,
    /// A note about a member of staff.
    UserNoteId,
    /// A loan.
    LoanId,
    /// An installment of a loan's schedule.
    ScheduleItemId,
    /// A repayment.
    RepaymentId,
    /// A charge (penalty or fee) on a loan.
    ChargeId,
    /// An audit log entry.
    AuditLogId,
    /// One row of `user_login_history`: a login (or password) attempt.
    LoginAttemptId,
    /// A backup's record.
    BackupId,
    /// A stored supervisor report (`report_sessions`).
    ReportSessionId,
}

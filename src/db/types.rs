//! Diesel mappings for the domain's typed ids (stored as `UUID`) and text enums (stored as
//! `TEXT` constrained by a CHECK). The domain stays free of diesel; the mapping lives here.

use diesel::deserialize::FromSqlRow;
use diesel::deserialize::{self, FromSql};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types;

use crate::domain::allocation::PaymentMethod;
use crate::domain::audit::AuditAction;
use crate::domain::backups::{BackupFrequency, BackupKind, BackupStatus};
use crate::domain::charges::ChargeKind;
use crate::domain::members::{Gender, MaritalStatus};
use crate::domain::products::{InterestMethod, TermUnit};
use crate::domain::reports::ReportType;
use crate::domain::schedule::ScheduleStatus;
use crate::domain::sessions::{LoginFailure, RevokeReason};
use crate::domain::settings::AllocationOrder;
use crate::domain::{
    AuditLogId, BackupId, ChargeId, DocumentId, DocumentTypeId, LoanId, LoanStatus, LoanTypeId,
    LoginAttemptId, RepaymentId, ReportSessionId, Role, ScheduleItemId, SessionFamilyId, SessionId,
    UnionId, UnionMemberId, UserId, UserNoteId,
};

macro_rules! uuid_column {
    ($($id:ident),+ $(,)?) => {$(
        const _: () = {
            /// Derives diesel's expression and row traits for the domain type.
            #[expect(dead_code, reason = "only a vehicle for diesel's derives")]
            #[derive(AsExpression, FromSqlRow)]
            #[diesel(foreign_derive)]
            #[diesel(sql_type = sql_types::Uuid)]
            struct Proxy($id);
        };

        impl ToSql<sql_types::Uuid, Pg> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <uuid::Uuid as ToSql<sql_types::Uuid, Pg>>::to_sql(&self.0, out)
            }
        }

        impl FromSql<sql_types::Uuid, Pg> for $id {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                <uuid::Uuid as FromSql<sql_types::Uuid, Pg>>::from_sql(bytes).map(Self)
            }
        }
    )+};
}

macro_rules! text_column {
    ($($enum:ident),+ $(,)?) => {$(
        const _: () = {
            /// Derives diesel's expression and row traits for the domain type.
            #[expect(dead_code, reason = "only a vehicle for diesel's derives")]
            #[derive(AsExpression, FromSqlRow)]
            #[diesel(foreign_derive)]
            #[diesel(sql_type = sql_types::Text)]
            struct Proxy($enum);
        };

        impl ToSql<sql_types::Text, Pg> for $enum {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<sql_types::Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl FromSql<sql_types::Text, Pg> for $enum {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<sql_types::Text, Pg>>::from_sql(bytes)?;
                Ok(text.parse::<$enum>()?)
            }
        }
    )+};
}

uuid_column!(
    UserId,
    SessionId,
    SessionFamilyId,
    UnionId,
    UnionMemberId,
    LoanTypeId,
    DocumentTypeId,
    DocumentId,
    UserNoteId,
    LoanId,
    ScheduleItemId,
    RepaymentId,
    ChargeId,
    AuditLogId,
    LoginAttemptId,
    BackupId,
    ReportSessionId,
);

text_column!(
    Role,
    LoanStatus,
    RevokeReason,
    LoginFailure,
    AuditAction,
    Gender,
    MaritalStatus,
    TermUnit,
    InterestMethod,
    AllocationOrder,
    ScheduleStatus,
    PaymentMethod,
    ChargeKind,
    BackupStatus,
    BackupKind,
    BackupFrequency,
    ReportType,
);

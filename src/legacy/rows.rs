//! The rows of the original system's backup, typed: one struct per array with the original's
//! camelCase columns, money as exact decimals read from decimal.js strings, instants in UTC and
//! calendar days as the date of their UTC midnight. A row whose fields have the wrong type is
//! refused with the field named; fields the importer does not use may be absent or extra.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::file::Array;

/// An amount of money: a JSON string in decimal.js notation (`"10000"`, `"4166.7"`), never a
/// number, with at most two decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money(pub Decimal);

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom("an amount must be a decimal string such as \"4166.7\"")
        })?;
        let amount: Decimal = text
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a decimal amount")))?;
        if amount.normalize().scale() > 2 || text.contains(['e', 'E']) {
            return Err(serde::de::Error::custom(format!(
                "{text:?} has more than two decimal places"
            )));
        }
        Ok(Money(amount.round_dp(2)))
    }
}

/// A calendar day, written as the instant of its midnight in UTC (`"2024-08-13T00:00:00.000Z"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(pub NaiveDate);

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let instant = DateTime::<Utc>::deserialize(deserializer)?;
        Ok(Day(instant.date_naive()))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanySettings {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub currency: String,
    pub currency_symbol: Option<String>,
    pub date_format: Option<String>,
    pub time_format: Option<String>,
    pub timezone: String,
    pub invoice_prefix: Option<String>,
    pub expense_prefix: Option<String>,
    pub logo: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoanType {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub min_amount: Money,
    pub max_amount: Money,
    pub term_unit: String,
    pub min_term: i32,
    pub max_term: i32,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentType {
    pub id: String,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub is_active: bool,
    pub supervisor_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub profile_image: Option<String>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub login_count: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Union {
    pub id: String,
    pub name: String,
    pub location: Option<String>,
    pub address: Option<String>,
    pub credit_officer_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnionMember {
    pub id: String,
    pub code: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<Day>,
    pub gender: Option<String>,
    pub marital_status: Option<String>,
    pub profession: Option<String>,
    pub company: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub zip_code: Option<String>,
    pub note: Option<String>,
    pub profile_image: Option<String>,
    pub is_verified: bool,
    pub union_id: String,
    pub current_officer_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Loan {
    pub id: String,
    pub loan_number: String,
    pub union_member_id: String,
    pub union_id: String,
    pub loan_type_id: Option<String>,
    pub principal_amount: Money,
    pub currency_code: String,
    pub term_count: i32,
    pub term_unit: String,
    pub start_date: Day,
    pub end_date: Option<Day>,
    pub processing_fee_amount: Money,
    pub processing_fee_collected: bool,
    pub penalty_fee_per_day_amount: Money,
    pub status: String,
    pub created_by_user_id: String,
    pub assigned_officer_id: Option<String>,
    pub disbursed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleItem {
    pub id: String,
    pub loan_id: String,
    pub sequence: i32,
    pub due_date: Day,
    pub principal_due: Money,
    pub interest_due: Money,
    pub fee_due: Money,
    pub total_due: Money,
    pub paid_amount: Money,
    pub status: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Repayment {
    pub id: String,
    pub loan_id: String,
    pub received_by_user_id: String,
    pub amount: Money,
    pub currency_code: String,
    pub paid_at: DateTime<Utc>,
    pub method: String,
    pub reference: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Allocation {
    pub id: String,
    pub repayment_id: String,
    pub schedule_item_id: String,
    pub amount: Money,
    pub created_at: DateTime<Utc>,
}

/// A member's or a loan's document: the same columns but the owner.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub id: String,
    /// `unionMemberId` or `loanId`.
    #[serde(alias = "unionMemberId", alias = "loanId")]
    pub owner_id: String,
    pub document_type_id: String,
    pub file_url: String,
    pub issuing_authority: Option<String>,
    pub issue_date: Option<Day>,
    pub expiry_date: Option<Day>,
    pub verified: bool,
    pub verification_notes: Option<String>,
    pub uploaded_by_user_id: Option<String>,
    pub uploaded_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditLog {
    pub id: String,
    pub actor_user_id: Option<String>,
    pub action: String,
    pub entity_name: String,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub metadata: Option<Value>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StaffSession {
    pub id: String,
    pub user_id: String,
    pub jwt_id: String,
    pub user_agent: Option<String>,
    pub ip_address: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnionAssignment {
    pub id: String,
    pub union_id: String,
    pub old_officer_id: Option<String>,
    pub new_officer_id: String,
    pub changed_by_user_id: Option<String>,
    pub reason: Option<String>,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberReassignment {
    pub id: String,
    pub union_member_id: String,
    pub old_union_id: String,
    pub new_union_id: String,
    pub old_officer_id: Option<String>,
    pub new_officer_id: Option<String>,
    pub changed_by_user_id: Option<String>,
    pub reason: Option<String>,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginHistory {
    pub id: String,
    pub user_id: String,
    pub login_at: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub success: bool,
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserNote {
    pub id: String,
    pub user_id: String,
    pub title: String,
    pub content: String,
    pub category: Option<String>,
    pub is_private: bool,
    pub created_by_user_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportSession {
    pub id: String,
    pub supervisor_id: String,
    pub report_type: String,
    pub title: Option<String>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub total_officers: i32,
    pub total_unions: i32,
    pub total_members: i32,
    pub total_loans: i32,
    pub active_loans: i32,
    pub completed_loans: i32,
    pub defaulted_loans: i32,
    pub total_disbursed: Money,
    pub total_repaid: Money,
    pub total_outstanding: Money,
    pub collection_rate: Money,
    pub report_data: Option<Value>,
    pub officer_metrics: Option<Value>,
    pub generated_at: DateTime<Utc>,
}

/// A row of any array.
#[derive(Debug, Clone)]
pub enum Row {
    CompanySettings(CompanySettings),
    LoanType(LoanType),
    DocumentType(DocumentType),
    User(User),
    Union(Union),
    UnionMember(UnionMember),
    Loan(Loan),
    ScheduleItem(ScheduleItem),
    Repayment(Repayment),
    Allocation(Allocation),
    MemberDocument(Document),
    LoanDocument(Document),
    AuditLog(AuditLog),
    StaffSession(StaffSession),
    UnionAssignment(UnionAssignment),
    MemberReassignment(MemberReassignment),
    LoginHistory(LoginHistory),
    UserNote(UserNote),
    ReportSession(ReportSession),
}

impl Row {
    /// Reads a row of `array` from its JSON; the error names the field and what is wrong.
    pub fn parse(array: Array, json: &[u8]) -> Result<Row, String> {
        fn read<'a, T: Deserialize<'a>>(json: &'a [u8]) -> Result<T, String> {
            serde_json::from_slice(json).map_err(|err| {
                // serde_json's message ends with " at line 1 column N": the column is what counts.
                err.to_string()
            })
        }
        Ok(match array {
            Array::CompanySettings => Row::CompanySettings(read(json)?),
            Array::LoanTypes => Row::LoanType(read(json)?),
            Array::DocumentTypes => Row::DocumentType(read(json)?),
            Array::Users => Row::User(read(json)?),
            Array::Unions => Row::Union(read(json)?),
            Array::UnionMembers => Row::UnionMember(read(json)?),
            Array::Loans => Row::Loan(read(json)?),
            Array::RepaymentScheduleItems => Row::ScheduleItem(read(json)?),
            Array::Repayments => Row::Repayment(read(json)?),
            Array::RepaymentAllocations => Row::Allocation(read(json)?),
            Array::UnionMemberDocuments => Row::MemberDocument(read(json)?),
            Array::LoanDocuments => Row::LoanDocument(read(json)?),
            Array::AuditLogs => Row::AuditLog(read(json)?),
            Array::StaffSessions => Row::StaffSession(read(json)?),
            Array::UnionAssignmentHistory => Row::UnionAssignment(read(json)?),
            Array::UnionMemberReassignments => Row::MemberReassignment(read(json)?),
            Array::UserLoginHistory => Row::LoginHistory(read(json)?),
            Array::UserNotes => Row::UserNote(read(json)?),
            Array::ReportSessions => Row::ReportSession(read(json)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[derive(Debug, Deserialize)]
    struct Amount {
        amount: Money,
    }

    fn amount(json: &str) -> Result<Decimal, String> {
        serde_json::from_str::<Amount>(json)
            .map(|row| row.amount.0)
            .map_err(|err| err.to_string())
    }

    #[test]
    fn money_is_read_exactly_from_decimal_js_strings() {
        assert_eq!(amount(r#"{"amount": "10000"}"#), Ok(dec!(10000)));
        assert_eq!(amount(r#"{"amount": "4166.7"}"#), Ok(dec!(4166.70)));
        assert_eq!(amount(r#"{"amount": "333.33"}"#), Ok(dec!(333.33)));
        assert_eq!(amount(r#"{"amount": "0"}"#), Ok(dec!(0)));
        assert!(amount(r#"{"amount": 10000}"#).is_err_and(|e| e.contains("decimal string")));
        assert!(amount(r#"{"amount": "1.005"}"#).is_err_and(|e| e.contains("two decimal")));
        assert!(amount(r#"{"amount": "ten"}"#).is_err_and(|e| e.contains("not a decimal")));
    }

    #[test]
    fn every_row_of_the_sample_reads() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/fixtures/legacy-backup-sample.json");
        let Ok(file) = std::fs::File::open(&path) else {
            println!("skipped: {} is not here", path.display());
            return;
        };
        let mut file =
            super::super::file::LegacyFile::open(std::io::BufReader::new(file)).expect("open");
        let mut rows = 0;
        loop {
            match file.step().expect("read") {
                super::super::file::Event::Row(array, _, json) => {
                    if let Err(err) = Row::parse(array, json) {
                        panic!(
                            "{array} row {rows}: {err}: {}",
                            String::from_utf8_lossy(json)
                        );
                    }
                    rows += 1;
                }
                super::super::file::Event::Array(_) => {}
                super::super::file::Event::End => break,
            }
        }
        assert!(rows > 4_000);
    }

    #[test]
    fn a_day_is_the_date_of_its_utc_midnight() {
        #[derive(Deserialize)]
        struct Row {
            day: Day,
        }
        let row: Row = serde_json::from_str(r#"{"day": "2024-08-13T00:00:00.000Z"}"#).expect("day");
        assert_eq!(
            row.day.0,
            NaiveDate::from_ymd_opt(2024, 8, 13).expect("date")
        );
    }
}

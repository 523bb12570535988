//! `millennium import legacy-backup FILE`: the original system's backup brought into an empty
//! database in one transaction (SPEC 8.5).
//!
//! The file is read twice, as a stream both times: the first pass ([`super::facts`]) types
//! every row and checks the envelope before anything is written, and learns what the second
//! needs to decide each row on its own. The second pass maps each row onto this model and
//! sends it through `COPY … FROM STDIN` in a direct session, one `COPY` per array, repairing
//! what has one obvious repair and refusing what has none — each case noted in the
//! [`Summary`]. Then staff get their supervisors, the counters move past the imported numbers,
//! every loan's live repayments are re-played through this system's allocation
//! ([`super::replay`]), and the result is compared with the file's paid amounts. A dry run
//! does all of it and rolls back.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

use super::LegacyError;
use super::facts::{self, Facts, OpenLoanDecision};
use super::file::{Array, Event, LegacyFile};
use super::ids::legacy_uuid;
use super::rows::{self, Row};
use super::summary::Summary;
use crate::backup::progress::Progress;
use crate::db::copy::{CopyError, CopyIn};
use crate::db::direct::DirectSession;
use crate::domain::allocation::PaymentMethod;
use crate::domain::audit::{AuditAction, ENTITY_SYSTEM};
use crate::domain::members::{Gender, MaritalStatus};
use crate::domain::products::TermUnit;
use crate::domain::sessions::LoginFailure;
use crate::domain::{LoanStatus, Role};
use crate::services::RequestMeta;
use crate::services::audit::{self, AuditEvent};
use crate::state::AppState;

/// Why an import stopped, with nothing written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] LegacyError),
    #[error("{0}")]
    NotEmpty(String),
    #[error(
        "The file changed while it was being imported (its checksum was {first}, then {second})."
    )]
    Changed { first: String, second: String },
    #[error("The database refused the import: {0}")]
    Database(String),
    #[error("Reading the database failed: {0}")]
    Pool(String),
}

impl From<tokio_postgres::Error> for ImportError {
    fn from(err: tokio_postgres::Error) -> Self {
        Self::Database(match err.as_db_error() {
            Some(db) => match db.detail() {
                Some(detail) => format!("{} ({detail})", db.message()),
                None => db.message().to_owned(),
            },
            None => err.to_string(),
        })
    }
}

impl From<CopyError> for ImportError {
    fn from(err: CopyError) -> Self {
        match err {
            CopyError::Database(err) => err.into(),
            other => Self::Database(other.to_string()),
        }
    }
}

/// Who runs the import, for its audit row.
#[derive(Debug, Clone)]
pub struct Importer {
    pub name: String,
    pub meta: RequestMeta,
}

/// Imports the legacy backup at `path`; `dry_run` rolls everything back at the end.
pub async fn import(
    state: &AppState,
    path: &Path,
    importer: &Importer,
    dry_run: bool,
    [check, load]: [&Progress; 2],
) -> Result<Summary, ImportError> {
    {
        let mut conn = state
            .db
            .get()
            .await
            .map_err(|err| ImportError::Pool(err.to_string()))?;
        let contents = crate::db::contents::count(&mut conn)
            .await
            .map_err(|err| ImportError::Pool(err.to_string()))?;
        if let Some(refusal) = contents.refusal("the legacy import") {
            return Err(ImportError::NotEmpty(refusal));
        }
    }
    let facts = {
        let path = path.to_owned();
        let check = check.clone();
        tokio::task::spawn_blocking(move || {
            let file = std::fs::File::open(&path).map_err(LegacyError::Io)?;
            let facts = facts::gather(std::io::BufReader::with_capacity(256 * 1024, file), |at| {
                check.set_position(at);
            })?;
            check.finish();
            Ok::<_, LegacyError>(facts)
        })
        .await
        .map_err(|err| ImportError::Database(err.to_string()))??
    };
    let metadata = facts
        .metadata
        .clone()
        .ok_or_else(|| LegacyError::NotLegacy("it has no metadata".into()))?;
    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let mut summary = Summary::new(file_name, metadata.checksum.clone(), metadata.created_at);
    summary.dry_run = dry_run;

    let session = state.direct.connect().await.map_err(ImportError::from)?;
    session
        .batch("BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL statement_timeout = 0")
        .await?;
    still_empty(&session).await?;
    let now = state.clock.now();
    let mut writer = Writer::new(&session, &facts, &mut summary, now);
    writer.prepare().await?;

    // The second pass: rows parsed on a blocking thread, written here.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Parsed, LegacyError>>(512);
    let reader = {
        let path = path.to_owned();
        let load = load.clone();
        tokio::task::spawn_blocking(move || second_pass(&path, &sender, &load))
    };
    let mut current: Option<Array> = None;
    while let Some(parsed) = receiver.recv().await {
        match parsed? {
            Parsed::Array(array) => {
                if let Some(done) = current.replace(array) {
                    load.note(&writer.summary.line(done));
                }
                writer.start_array(array).await?;
            }
            Parsed::Row(row) => writer.row(*row).await?,
            Parsed::End(checksum) => {
                if checksum != metadata.checksum {
                    return Err(ImportError::Changed {
                        first: metadata.checksum.clone(),
                        second: checksum,
                    });
                }
            }
        }
    }
    reader
        .await
        .map_err(|err| ImportError::Database(err.to_string()))?;
    writer.end_array().await?;
    if let Some(done) = current {
        load.note(&writer.summary.line(done));
    }
    load.stage("re-playing the repayments");
    writer.finish().await?;
    drop(writer);

    let event = AuditEvent::new(AuditAction::LegacyImported, ENTITY_SYSTEM, None).metadata(json!({
        "file": summary.file,
        "checksum": summary.checksum,
        "legacyCreatedAt": summary.legacy_created_at,
        "importedBy": importer.name,
        "rowsRead": summary.total_read(),
        "rowsImported": summary.total_imported(),
        "arrays": summary.arrays,
    }));
    audit::record_in(&session, &importer.meta, None, &event, now).await?;
    session
        .batch(if dry_run { "ROLLBACK" } else { "COMMIT" })
        .await?;
    load.finish();
    Ok(summary)
}

/// Checks again, inside the import's transaction and with the business tables locked against
/// writes until it ends, that the database holds no business data: the first check (before
/// the file's first pass) could have been overtaken.
async fn still_empty(session: &DirectSession) -> Result<(), ImportError> {
    session
        .batch(
            "LOCK TABLE users, unions, union_members, loans, loan_types, document_types
             IN SHARE ROW EXCLUSIVE MODE",
        )
        .await?;
    let rows = session
        .rows(
            "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM users WHERE role = 'ADMIN'),
                    (SELECT count(*) FROM unions), (SELECT count(*) FROM union_members),
                    (SELECT count(*) FROM loan_types), (SELECT count(*) FROM document_types),
                    (SELECT count(*) FROM loans)",
            &[],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Ok(());
    };
    let contents = crate::db::contents::Contents {
        staff: row.try_get(0)?,
        admins: row.try_get(1)?,
        unions: row.try_get(2)?,
        members: row.try_get(3)?,
        loan_types: row.try_get(4)?,
        document_types: row.try_get(5)?,
        loans: row.try_get(6)?,
    };
    match contents.refusal("the legacy import") {
        Some(refusal) => Err(ImportError::NotEmpty(refusal)),
        None => Ok(()),
    }
}

/// What the second pass's reader sends.
enum Parsed {
    Array(Array),
    Row(Box<Row>),
    /// The end, with the checksum the file had this time.
    End(String),
}

fn second_pass(
    path: &Path,
    sender: &tokio::sync::mpsc::Sender<Result<Parsed, LegacyError>>,
    progress: &Progress,
) {
    let read = || -> Result<(), LegacyError> {
        let file = std::fs::File::open(path)?;
        let mut file = LegacyFile::open(std::io::BufReader::with_capacity(256 * 1024, file))?;
        loop {
            let offset = file.offset();
            let parsed = match file.step()? {
                Event::Array(array) => {
                    progress.stage(array.name());
                    Parsed::Array(array)
                }
                Event::Row(array, index, json) => {
                    Parsed::Row(Box::new(Row::parse(array, json).map_err(|message| {
                        LegacyError::Row {
                            array,
                            index,
                            message,
                        }
                    })?))
                }
                Event::End => {
                    let checksum = file.metadata().checksum.clone();
                    let _ = sender.blocking_send(Ok(Parsed::End(checksum)));
                    return Ok(());
                }
            };
            progress.set_position(offset);
            if sender.blocking_send(Ok(parsed)).is_err() {
                // The writer stopped; its error is the one reported.
                return Ok(());
            }
        }
    };
    if let Err(err) = read() {
        let _ = sender.blocking_send(Err(err));
    }
}

/// The columns of an imported document, its owner's second.
macro_rules! document_columns {
    ($owner:literal) => {
        [
            "id",
            $owner,
            "document_type_id",
            "storage_key",
            "file_name",
            "content_type",
            "size_bytes",
            "sha256",
            "issuing_authority",
            "issue_date",
            "expiry_date",
            "verified",
            "verification_notes",
            "uploaded_by_user_id",
            "uploaded_at",
            "created_at",
            "updated_at",
            "deleted_at",
            "external",
        ]
    };
}
const DOCUMENT_COLUMNS_OF_MEMBER: [&str; 19] = document_columns!("union_member_id");
const DOCUMENT_COLUMNS_OF_LOAN: [&str; 19] = document_columns!("loan_id");

/// The columns each array is copied into.
fn columns(array: Array) -> Option<(&'static str, &'static [&'static str])> {
    Some(match array {
        Array::LoanTypes => (
            "loan_types",
            &[
                "id",
                "name",
                "description",
                "min_amount",
                "max_amount",
                "term_unit",
                "min_term",
                "max_term",
                "interest_rate",
                "interest_method",
                "default_processing_fee",
                "default_penalty_fee_per_day",
                "is_active",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        Array::DocumentTypes => (
            "document_types",
            &[
                "id",
                "code",
                "name",
                "description",
                "is_active",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        Array::Users => (
            "users",
            &[
                "id",
                "email",
                "password_hash",
                "role",
                "is_active",
                "first_name",
                "last_name",
                "phone",
                "address",
                "profile_image",
                "last_login_at",
                "last_activity_at",
                "login_count",
                "failed_login_count",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        Array::Unions => (
            "unions",
            &[
                "id",
                "name",
                "location",
                "address",
                "credit_officer_id",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        Array::UnionMembers => (
            "union_members",
            &[
                "id",
                "code",
                "first_name",
                "last_name",
                "phone",
                "email",
                "address",
                "date_of_birth",
                "gender",
                "marital_status",
                "profession",
                "company",
                "city",
                "state",
                "country",
                "zip_code",
                "note",
                "profile_image",
                "is_verified",
                "union_id",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        Array::Loans => (
            "loans",
            &[
                "id",
                "loan_number",
                "union_member_id",
                "union_id",
                "loan_type_id",
                "principal_amount",
                "currency_code",
                "term_count",
                "term_unit",
                "interest_rate",
                "interest_method",
                "start_date",
                "end_date",
                "processing_fee_amount",
                "processing_fee_collected",
                "penalty_fee_per_day_amount",
                "status",
                "status_reason",
                "created_by_user_id",
                "assigned_officer_id",
                "disbursed_at",
                "closed_at",
                "notes",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        Array::RepaymentScheduleItems => (
            "repayment_schedule_items",
            &[
                "id",
                "loan_id",
                "sequence",
                "due_date",
                "principal_due",
                "interest_due",
                "fee_due",
                "total_due",
                "paid_amount",
                "status",
                "closed_at",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        Array::Repayments => (
            "repayments",
            &[
                "id",
                "loan_id",
                "received_by_user_id",
                "amount",
                "currency_code",
                "paid_at",
                "method",
                "reference",
                "notes",
                "idempotency_key",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        Array::RepaymentAllocations => (
            "legacy_allocations",
            &["repayment_id", "schedule_item_id", "amount"],
        ),
        Array::AuditLogs => (
            "audit_logs",
            &[
                "id",
                "actor_user_id",
                "action",
                "entity_name",
                "entity_id",
                "before",
                "after",
                "metadata",
                "ip_address",
                "user_agent",
                "created_at",
            ],
        ),
        Array::UnionAssignmentHistory => (
            "union_assignment_history",
            &[
                "id",
                "union_id",
                "old_officer_id",
                "new_officer_id",
                "changed_by_user_id",
                "reason",
                "changed_at",
                "created_at",
            ],
        ),
        Array::UnionMemberReassignments => (
            "union_member_reassignments",
            &[
                "id",
                "union_member_id",
                "old_union_id",
                "new_union_id",
                "old_officer_id",
                "new_officer_id",
                "changed_by_user_id",
                "reason",
                "changed_at",
                "created_at",
            ],
        ),
        Array::UserLoginHistory => (
            "user_login_history",
            &[
                "id",
                "user_id",
                "email_tried",
                "login_at",
                "ip_address",
                "user_agent",
                "success",
                "failure_reason",
            ],
        ),
        Array::UserNotes => (
            "user_notes",
            &[
                "id",
                "user_id",
                "title",
                "content",
                "category",
                "is_private",
                "created_by_user_id",
                "created_at",
                "updated_at",
            ],
        ),
        Array::ReportSessions => (
            "report_sessions",
            &[
                "id",
                "supervisor_id",
                "report_type",
                "title",
                "period_start",
                "period_end",
                "total_officers",
                "total_unions",
                "total_members",
                "verified_members",
                "pending_members",
                "total_loans",
                "pending_loans",
                "active_loans",
                "completed_loans",
                "defaulted_loans",
                "total_disbursed",
                "total_repaid",
                "total_outstanding",
                "collection_rate",
                "report_data",
                "officer_metrics",
                "generated_at",
                "created_at",
                "updated_at",
            ],
        ),
        Array::UnionMemberDocuments => ("union_member_documents", &DOCUMENT_COLUMNS_OF_MEMBER),
        Array::LoanDocuments => ("loan_documents", &DOCUMENT_COLUMNS_OF_LOAN),
        Array::CompanySettings | Array::StaffSessions => return None,
    })
}

/// The second pass's state: the `COPY` of the current array and what the rows so far decided.
struct Writer<'a> {
    session: &'a DirectSession,
    facts: &'a Facts,
    summary: &'a mut Summary,
    now: DateTime<Utc>,
    copy: Option<CopyIn>,
    /// The product given to loans that had none, once created.
    imported_product: Option<Uuid>,
    /// The next member code for a member without one.
    next_member_code: u32,
    /// Users, unions, members, loans, installments and repayments written (and the accounts
    /// that were here before the import).
    written: HashSet<Uuid>,
    /// Live accounts that were here before the import (a bootstrap administrator), by e-mail.
    existing: HashMap<String, Uuid>,
    /// Legacy accounts refused because an account here already has their address: the account
    /// their records are attributed to.
    aliases: HashMap<Uuid, Uuid>,
    /// Deleted loans whose schedule was kept live: noted once per loan.
    kept_schedules: HashSet<Uuid>,
    /// The file's paid amounts of the installments written (those above zero), for the
    /// comparison with the re-play; sent to the scratch table once the installments are in.
    legacy_paid: Vec<(Uuid, Decimal)>,
}

impl<'a> Writer<'a> {
    fn new(
        session: &'a DirectSession,
        facts: &'a Facts,
        summary: &'a mut Summary,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            session,
            facts,
            summary,
            now,
            copy: None,
            imported_product: None,
            next_member_code: facts.max_member_code + 1,
            written: HashSet::new(),
            existing: HashMap::new(),
            aliases: HashMap::new(),
            kept_schedules: HashSet::new(),
            legacy_paid: Vec::new(),
        }
    }

    /// The scratch table of the file's allocations, compared with the re-play at the end.
    async fn prepare(&mut self) -> Result<(), ImportError> {
        self.session
            .batch(
                "CREATE TEMPORARY TABLE legacy_allocations (
                     repayment_id UUID NOT NULL, schedule_item_id UUID NOT NULL,
                     amount NUMERIC(14, 2) NOT NULL) ON COMMIT DROP;
                 CREATE TEMPORARY TABLE legacy_paid (
                     schedule_item_id UUID PRIMARY KEY, paid NUMERIC(14, 2) NOT NULL) ON COMMIT DROP",
            )
            .await?;
        for row in self
            .session
            .rows("SELECT email, id FROM users WHERE deleted_at IS NULL", &[])
            .await?
        {
            let id: Uuid = row.try_get(1)?;
            self.written.insert(id);
            self.existing.insert(row.try_get(0)?, id);
        }
        Ok(())
    }

    async fn end_array(&mut self) -> Result<(), ImportError> {
        if let Some(copy) = self.copy.take() {
            copy.finish().await?;
        }
        Ok(())
    }

    async fn start_array(&mut self, array: Array) -> Result<(), ImportError> {
        self.end_array().await?;
        if array == Array::Loans {
            self.create_imported_product().await?;
        }
        if array == Array::Repayments {
            // The installments are all in: their legacy paid amounts go to the scratch table.
            let mut copy =
                CopyIn::start(self.session, "legacy_paid", &["schedule_item_id", "paid"]).await?;
            for (item, paid) in std::mem::take(&mut self.legacy_paid) {
                copy.line().uuid(Some(item)).decimal(Some(paid)).end();
                copy.flush_full().await?;
            }
            copy.finish().await?;
        }
        if let Some((table, columns)) = columns(array) {
            self.copy = Some(CopyIn::start(self.session, table, columns).await?);
        }
        Ok(())
    }

    /// A loan without a product gets the inactive product "Imported", with bounds that fit
    /// every such loan.
    async fn create_imported_product(&mut self) -> Result<(), ImportError> {
        let Some(bounds) = self.facts.productless else {
            return Ok(());
        };
        let id = legacy_uuid("millennium:imported-loan-type");
        let max_amount = if bounds.max_amount > bounds.min_amount {
            bounds.max_amount
        } else {
            bounds.min_amount + Decimal::ONE
        };
        self.session
            .execute(
                "INSERT INTO loan_types (id, name, description, min_amount, max_amount, term_unit,
                                         min_term, max_term, interest_rate, interest_method,
                                         default_processing_fee, default_penalty_fee_per_day,
                                         is_active, created_at, updated_at)
                 VALUES ($1, 'Imported', 'Loans of the original system that had no product.',
                         $2, $3, 'MONTH', $4, $5, 0, 'FLAT', 0, 0, false, $6, $6)",
                &[
                    &id,
                    &bounds.min_amount,
                    &max_amount,
                    &bounds.min_term,
                    &bounds.max_term,
                    &self.now,
                ],
            )
            .await?;
        self.imported_product = Some(id);
        Ok(())
    }

    fn copy(&mut self) -> &mut CopyIn {
        self.copy
            .as_mut()
            .expect("an array with columns has its COPY started")
    }

    /// The account a legacy user id stands for here: itself, or the account kept for its
    /// e-mail address.
    fn user(&self, legacy: &str) -> Option<Uuid> {
        let fact = self.facts.users.get(legacy)?;
        let id = fact.duplicate_of.unwrap_or(fact.id);
        let id = self.aliases.get(&id).copied().unwrap_or(id);
        self.written.contains(&id).then_some(id)
    }

    /// Who made a change: the account `legacy` names, else the first administrator (the
    /// original left some changes unattributed).
    fn author(&self, legacy: Option<&str>) -> Option<Uuid> {
        legacy.and_then(|user| self.user(user)).or(self
            .facts
            .first_admin
            .filter(|admin| self.written.contains(admin)))
    }

    /// A written row's id, when `legacy` was written.
    fn written(&self, legacy: &str) -> Option<Uuid> {
        let id = legacy_uuid(legacy);
        self.written.contains(&id).then_some(id)
    }

    async fn row(&mut self, row: Row) -> Result<(), ImportError> {
        match row {
            Row::CompanySettings(settings) => self.settings(settings).await?,
            Row::LoanType(product) => self.loan_type(&product),
            Row::DocumentType(kind) => self.document_type(&kind),
            Row::User(user) => self.user_row(&user),
            Row::Union(union) => self.union(&union),
            Row::UnionMember(member) => self.member(member),
            Row::Loan(loan) => self.loan(&loan),
            Row::ScheduleItem(item) => self.item(&item),
            Row::Repayment(repayment) => self.repayment(&repayment),
            Row::Allocation(allocation) => self.allocation(&allocation),
            Row::AuditLog(log) => self.audit_log(log),
            Row::StaffSession(session) => {
                self.summary.read(Array::StaffSessions);
                self.summary.refused(
                    Array::StaffSessions,
                    &session.id,
                    None,
                    "a session of the original system cannot be used here (its tokens are not this system's); staff log in again".into(),
                );
            }
            Row::UnionAssignment(change) => self.union_assignment(&change),
            Row::MemberReassignment(change) => self.member_reassignment(&change),
            Row::LoginHistory(login) => self.login(&login),
            Row::UserNote(note) => self.user_note(&note),
            Row::ReportSession(report) => self.report(&report),
            Row::MemberDocument(document) => {
                self.document(Array::UnionMemberDocuments, &document);
            }
            Row::LoanDocument(document) => self.document(Array::LoanDocuments, &document),
        }
        if let Some(copy) = self.copy.as_mut() {
            copy.flush_full().await?;
        }
        Ok(())
    }

    async fn settings(&mut self, settings: rows::CompanySettings) -> Result<(), ImportError> {
        let array = Array::CompanySettings;
        self.summary.read(array);
        let mut problems = Vec::new();
        let timezone = if settings.timezone.parse::<chrono_tz::Tz>().is_ok() {
            Some(settings.timezone.clone())
        } else {
            problems.push(format!(
                "time zone {:?} is unknown, kept the current one",
                settings.timezone
            ));
            None
        };
        let currency = if settings.currency.len() == 3
            && settings.currency.bytes().all(|b| b.is_ascii_uppercase())
        {
            Some(settings.currency.clone())
        } else {
            problems.push(format!(
                "currency {:?} is not a three-letter code, kept the current one",
                settings.currency
            ));
            None
        };
        self.session
            .execute(
                "UPDATE company_settings
                    SET name = $1, email = $2, phone = $3, address = $4,
                        currency = COALESCE($5, currency),
                        currency_symbol = COALESCE($6, currency_symbol),
                        date_format = COALESCE($7, date_format),
                        time_format = COALESCE($8, time_format),
                        timezone = COALESCE($9, timezone), logo_url = $10, updated_at = $11",
                &[
                    &settings.name,
                    &settings.email,
                    &settings.phone,
                    &settings.address,
                    &currency,
                    &settings.currency_symbol,
                    &settings.date_format,
                    &settings.time_format,
                    &timezone,
                    &settings.logo,
                    &settings.updated_at,
                ],
            )
            .await?;
        if problems.is_empty() {
            self.summary.imported(array);
        } else {
            self.summary
                .repaired(array, &settings.id, None, problems.join("; "));
        }
        Ok(())
    }

    fn loan_type(&mut self, product: &rows::LoanType) {
        let array = Array::LoanTypes;
        self.summary.read(array);
        if product.term_unit.parse::<TermUnit>().is_err() {
            self.summary.refused(
                array,
                &product.id,
                Some(&product.name),
                format!(
                    "term unit {:?} is not DAY, WEEK or MONTH",
                    product.term_unit
                ),
            );
            return;
        }
        let mut repairs = Vec::new();
        let mut max_amount = product.max_amount.0;
        if max_amount <= product.min_amount.0 {
            max_amount = product.min_amount.0 + Decimal::ONE;
            repairs.push(format!(
                "maximum amount {} raised to {max_amount}, above the minimum",
                product.max_amount.0
            ));
        }
        let min_term = product.min_term.max(1);
        let max_term = product.max_term.max(min_term);
        if (min_term, max_term) != (product.min_term, product.max_term) {
            repairs.push(format!(
                "terms {}–{} made {min_term}–{max_term}",
                product.min_term, product.max_term
            ));
        }
        let id = legacy_uuid(&product.id);
        self.copy()
            .line()
            .uuid(Some(id))
            .text(Some(&product.name))
            .text(product.description.as_deref())
            .decimal(Some(product.min_amount.0))
            .decimal(Some(max_amount))
            .text(Some(&product.term_unit))
            .int(Some(min_term.into()))
            .int(Some(max_term.into()))
            .decimal(Some(Decimal::ZERO))
            .text(Some("FLAT"))
            .decimal(Some(Decimal::ZERO))
            .decimal(Some(Decimal::ZERO))
            .bool(Some(product.is_active))
            .instant(Some(product.created_at))
            .instant(Some(product.updated_at))
            .instant(product.deleted_at)
            .end();
        self.written.insert(id);
        self.done(array, &product.id, Some(&product.name), repairs);
    }

    fn document_type(&mut self, kind: &rows::DocumentType) {
        let array = Array::DocumentTypes;
        self.summary.read(array);
        let id = legacy_uuid(&kind.id);
        self.copy()
            .line()
            .uuid(Some(id))
            .text(Some(&kind.code))
            .text(Some(&kind.name))
            .text(kind.description.as_deref())
            .bool(Some(kind.is_active))
            .instant(Some(kind.created_at))
            .instant(Some(kind.updated_at))
            .instant(kind.deleted_at)
            .end();
        self.written.insert(id);
        self.summary.imported(array);
    }

    /// Counts a written row as imported, or repaired with `repairs`.
    fn done(&mut self, array: Array, legacy_id: &str, label: Option<&str>, repairs: Vec<String>) {
        if repairs.is_empty() {
            self.summary.imported(array);
        } else {
            self.summary
                .repaired(array, legacy_id, label, repairs.join("; "));
        }
    }

    fn user_row(&mut self, user: &rows::User) {
        let array = Array::Users;
        self.summary.read(array);
        let Some(fact) = self.facts.users.get(&user.id) else {
            return;
        };
        if let Some(kept) = fact.duplicate_of {
            self.summary.refused(
                array,
                &user.id,
                Some(&user.email),
                format!(
                    "another account already has the e-mail address {}; this one is not imported and its records are attributed to that account ({kept})",
                    fact.email
                ),
            );
            return;
        }
        if fact.live
            && let Some(&account) = self.existing.get(&fact.email)
        {
            self.aliases.insert(fact.id, account);
            self.summary.refused(
                array,
                &user.id,
                Some(&fact.email),
                format!(
                    "an account with this e-mail address was here before the import ({account}); this one is not imported and its records are attributed to that account"
                ),
            );
            return;
        }
        if user.role.parse::<Role>().is_err() {
            self.summary.refused(
                array,
                &user.id,
                Some(&user.email),
                format!(
                    "role {:?} is not ADMIN, SUPERVISOR or CREDIT_OFFICER",
                    user.role
                ),
            );
            return;
        }
        if fact.email.is_empty() {
            self.summary.refused(
                array,
                &user.id,
                None,
                "the account has no e-mail address".into(),
            );
            return;
        }
        let mut repairs = Vec::new();
        if fact.email != user.email {
            repairs.push(format!(
                "e-mail {:?} normalised to {}",
                user.email, fact.email
            ));
        }
        if fact.invalid_email {
            repairs.push(format!("{:?} is not a valid e-mail address: the account cannot log in until an administrator corrects it", user.email));
        }
        self.copy()
            .line()
            .uuid(Some(fact.id))
            .text(Some(&fact.email))
            .text(Some(&user.password_hash))
            .text(Some(&user.role))
            .bool(Some(user.is_active))
            .text(Some(user.first_name.as_deref().unwrap_or_default()))
            .text(Some(user.last_name.as_deref().unwrap_or_default()))
            .text(user.phone.as_deref())
            .text(user.address.as_deref())
            .text(user.profile_image.as_deref())
            .instant(user.last_login_at)
            .instant(user.last_activity_at)
            .int(Some(user.login_count.unwrap_or(0).max(0).into()))
            .int(Some(0))
            .instant(Some(user.created_at))
            .instant(Some(user.updated_at))
            .instant(user.deleted_at)
            .end();
        self.written.insert(fact.id);
        self.done(array, &user.id, Some(&fact.email), repairs);
    }

    fn union(&mut self, union: &rows::Union) {
        let array = Array::Unions;
        self.summary.read(array);
        let Some(officer) = self.user(&union.credit_officer_id) else {
            self.summary.refused(
                array,
                &union.id,
                Some(&union.name),
                "its credit officer is not in the backup".into(),
            );
            return;
        };
        if union.name.trim().is_empty() {
            self.summary
                .refused(array, &union.id, None, "the union has no name".into());
            return;
        }
        let id = legacy_uuid(&union.id);
        self.copy()
            .line()
            .uuid(Some(id))
            .text(Some(&union.name))
            .text(union.location.as_deref())
            .text(union.address.as_deref())
            .uuid(Some(officer))
            .instant(Some(union.created_at))
            .instant(Some(union.updated_at))
            .instant(union.deleted_at)
            .end();
        self.written.insert(id);
        self.summary.imported(array);
    }

    fn member(&mut self, member: rows::UnionMember) {
        let array = Array::UnionMembers;
        self.summary.read(array);
        let name = format!("{} {}", member.first_name, member.last_name);
        let Some(union) = self.written(&member.union_id) else {
            self.summary.refused(
                array,
                &member.id,
                Some(&name),
                "its union is not in the backup".into(),
            );
            return;
        };
        let id = legacy_uuid(&member.id);
        let mut repairs = Vec::new();
        let code = match member
            .code
            .as_deref()
            .filter(|code| facts::member_code_number(code).is_some())
        {
            Some(code) => code.to_owned(),
            None => {
                let code = format!("MEM{:06}", self.next_member_code);
                self.next_member_code += 1;
                repairs.push(match &member.code {
                    Some(old) => format!("member code {old:?} is not MEMnnnnnn: given {code}"),
                    None => format!("the member had no code: given {code}"),
                });
                code
            }
        };
        let email = match member.email.as_deref().map(crate::domain::email::normalize) {
            None => None,
            Some(Err(_)) => {
                repairs.push(format!(
                    "{:?} is not an e-mail address: kept in the note",
                    member.email.as_deref().unwrap_or_default()
                ));
                None
            }
            Some(Ok(address)) => {
                let keeper = self.facts.member_emails.get(&address).copied();
                if member.deleted_at.is_none() && keeper.is_some_and(|keeper| keeper != id) {
                    repairs.push(format!(
                        "e-mail {address} belongs to an earlier member: imported without it"
                    ));
                    None
                } else {
                    if Some(address.as_str()) != member.email.as_deref() {
                        repairs.push(format!(
                            "e-mail {:?} normalised to {address}",
                            member.email.as_deref().unwrap_or_default()
                        ));
                    }
                    Some(address)
                }
            }
        };
        let mut note_lines: Vec<String> = member.note.iter().cloned().collect();
        let gender = member.gender.as_deref().and_then(|value| {
            let upper = value.trim().to_uppercase();
            let known = Gender::ALL.iter().find(|g| g.as_str() == upper).copied();
            if known.is_none() {
                note_lines.push(format!("Gender (imported): {value}"));
                repairs.push(format!(
                    "gender {value:?} matches no value: kept in the note"
                ));
            }
            known
        });
        let marital = member.marital_status.as_deref().and_then(|value| {
            let upper = value.trim().to_uppercase();
            let known = MaritalStatus::ALL
                .iter()
                .find(|m| m.as_str() == upper)
                .copied();
            if known.is_none() {
                note_lines.push(format!("Marital status (imported): {value}"));
                repairs.push(format!(
                    "marital status {value:?} matches no value: kept in the note"
                ));
            }
            known
        });
        if let Some(address) = member.email.as_deref()
            && email.is_none()
            && crate::domain::email::normalize(address).is_err()
        {
            note_lines.push(format!("E-mail (imported): {address}"));
        }
        let note = (!note_lines.is_empty()).then(|| note_lines.join("\n"));
        self.copy()
            .line()
            .uuid(Some(id))
            .text(Some(&code))
            .text(Some(&member.first_name))
            .text(Some(&member.last_name))
            .text(member.phone.as_deref())
            .text(email.as_deref())
            .text(member.address.as_deref())
            .date(member.date_of_birth.map(|day| day.0))
            .text(gender.map(Gender::as_str))
            .text(marital.map(MaritalStatus::as_str))
            .text(member.profession.as_deref())
            .text(member.company.as_deref())
            .text(member.city.as_deref())
            .text(member.state.as_deref())
            .text(member.country.as_deref())
            .text(member.zip_code.as_deref())
            .text(note.as_deref())
            .text(member.profile_image.as_deref())
            .bool(Some(member.is_verified))
            .uuid(Some(union))
            .instant(Some(member.created_at))
            .instant(Some(member.updated_at))
            .instant(member.deleted_at)
            .end();
        self.written.insert(id);
        self.done(array, &member.id, Some(&format!("{code} {name}")), repairs);
    }

    fn loan(&mut self, loan: &rows::Loan) {
        let array = Array::Loans;
        self.summary.read(array);
        let label = Some(loan.loan_number.as_str());
        let id = legacy_uuid(&loan.id);
        let refuse = |summary: &mut Summary, reason: String| {
            summary.refused(array, &loan.id, label, reason);
        };
        if let Some(OpenLoanDecision::Refuse(reason)) = self.facts.open_loan_decisions.get(&id) {
            refuse(self.summary, reason.clone());
            return;
        }
        if facts::loan_number(&loan.loan_number).is_none() {
            refuse(self.summary, "its number is not LNnnnnnnnn".into());
            return;
        }
        let Some(member) = self.written(&loan.union_member_id) else {
            refuse(self.summary, "its member is not in the backup".into());
            return;
        };
        let Some(union) = self.written(&loan.union_id) else {
            refuse(self.summary, "its union is not in the backup".into());
            return;
        };
        if loan.principal_amount.0 <= Decimal::ZERO || loan.term_count < 1 {
            refuse(self.summary, "its principal or term is not positive".into());
            return;
        }
        if loan.term_unit.parse::<TermUnit>().is_err() {
            refuse(
                self.summary,
                format!("term unit {:?} is not DAY, WEEK or MONTH", loan.term_unit),
            );
            return;
        }
        if loan.status.parse::<LoanStatus>().is_err() {
            refuse(self.summary, format!("status {:?} is unknown", loan.status));
            return;
        }
        let mut repairs = Vec::new();
        let product = match loan.loan_type_id.as_deref() {
            Some(product) => match self.written(product) {
                Some(product) => product,
                None => {
                    refuse(self.summary, "its product is not in the backup".into());
                    return;
                }
            },
            None => {
                repairs.push(
                    "the loan had no product: given the inactive product \"Imported\"".into(),
                );
                self.imported_product.expect("created before the loans")
            }
        };
        let Some(created_by) = self.user(&loan.created_by_user_id) else {
            refuse(
                self.summary,
                "the staff member who created it is not in the backup".into(),
            );
            return;
        };
        let union_officer = self
            .facts
            .unions
            .get(&union)
            .copied()
            .filter(|officer| self.written.contains(officer));
        let officer = match loan
            .assigned_officer_id
            .as_deref()
            .and_then(|officer| self.user(officer))
        {
            Some(officer) => officer,
            None => match union_officer {
                Some(officer) => {
                    repairs.push(
                        "the loan had no officer: assigned to its union's credit officer".into(),
                    );
                    officer
                }
                None => {
                    refuse(self.summary, "it has no officer, nor has its union".into());
                    return;
                }
            },
        };
        let end_date = match loan.end_date {
            Some(day) if day.0 >= loan.start_date.0 => day.0,
            _ => {
                repairs.push(
                    "its end date was missing or before its start: set to its start date".into(),
                );
                loan.start_date.0
            }
        };
        let (status, reason) = match self.facts.open_loan_decisions.get(&id) {
            Some(OpenLoanDecision::Cancel(reason)) => {
                repairs.push(format!("{} imported as CANCELED: {reason}", loan.status));
                ("CANCELED", Some(reason.as_str()))
            }
            _ => (loan.status.as_str(), None),
        };
        let currency = if loan.currency_code.len() == 3
            && loan.currency_code.bytes().all(|b| b.is_ascii_uppercase())
        {
            loan.currency_code.as_str()
        } else {
            repairs.push(format!(
                "currency {:?} is not a three-letter code: set to NGN",
                loan.currency_code
            ));
            "NGN"
        };
        self.copy()
            .line()
            .uuid(Some(id))
            .text(Some(&loan.loan_number))
            .uuid(Some(member))
            .uuid(Some(union))
            .uuid(Some(product))
            .decimal(Some(loan.principal_amount.0))
            .text(Some(currency))
            .int(Some(loan.term_count.into()))
            .text(Some(&loan.term_unit))
            .decimal(Some(Decimal::ZERO))
            .text(Some("FLAT"))
            .date(Some(loan.start_date.0))
            .date(Some(end_date))
            .decimal(Some(loan.processing_fee_amount.0))
            .bool(Some(loan.processing_fee_collected))
            .decimal(Some(loan.penalty_fee_per_day_amount.0))
            .text(Some(status))
            .text(reason)
            .uuid(Some(created_by))
            .uuid(Some(officer))
            .instant(loan.disbursed_at)
            .instant(loan.closed_at)
            .text(loan.notes.as_deref())
            .instant(Some(loan.created_at))
            .instant(Some(loan.updated_at))
            .instant(loan.deleted_at)
            .end();
        self.written.insert(id);
        self.done(array, &loan.id, label, repairs);
    }

    fn item(&mut self, item: &rows::ScheduleItem) {
        let array = Array::RepaymentScheduleItems;
        self.summary.read(array);
        let id = legacy_uuid(&item.id);
        let Some(loan) = self.written(&item.loan_id) else {
            self.summary
                .refused(array, &item.id, None, "its loan is not imported".into());
            return;
        };
        if !self.facts.items.contains(&id) {
            self.summary.refused(
                array,
                &item.id,
                None,
                format!("a second installment number {} of its loan", item.sequence),
            );
            return;
        }
        let fact = self.facts.loans.get(&loan);
        let loan_deleted = fact.is_some_and(|fact| fact.deleted);
        let label = fact.map(|fact| format!("{} installment {}", fact.number, item.sequence));
        let mut repairs = Vec::new();
        let deleted_at = if loan_deleted && item.deleted_at.is_some() {
            if self.kept_schedules.insert(loan) {
                repairs.push("the original deleted the schedule with its loan: kept with the deleted loan, so that restoring the loan brings it back whole".into());
            }
            None
        } else {
            item.deleted_at
        };
        let mut principal_due = item.principal_due.0;
        let mut total_due = item.total_due.0;
        let components = item.principal_due.0 + item.interest_due.0 + item.fee_due.0;
        if total_due != components {
            repairs.push(format!(
                "total due {total_due} made the sum of its parts, {components}"
            ));
            total_due = components;
        }
        if deleted_at.is_none()
            && let (Some(fact), Some(schedule)) = (fact, self.facts.schedules.get(&loan))
            && schedule.last.is_some_and(|(_, last)| last == id)
            && schedule.principal != fact.principal
        {
            let difference = fact.principal - schedule.principal;
            if principal_due + difference >= Decimal::ZERO {
                let (old_principal, old_total) = (principal_due, total_due);
                principal_due += difference;
                total_due += difference;
                repairs.push(format!(
                    "the schedule summed to {} for a principal of {}: the last installment absorbs the difference ({old_principal} → {principal_due} principal, {old_total} → {total_due} due)",
                    schedule.principal, fact.principal
                ));
            }
        }
        if item.sequence < 1
            || principal_due < Decimal::ZERO
            || item.interest_due.0 < Decimal::ZERO
            || item.fee_due.0 < Decimal::ZERO
        {
            self.summary.refused(
                array,
                &item.id,
                label.as_deref(),
                "an installment with a negative amount or number".into(),
            );
            return;
        }
        self.copy()
            .line()
            .uuid(Some(id))
            .uuid(Some(loan))
            .int(Some(item.sequence.into()))
            .date(Some(item.due_date.0))
            .decimal(Some(principal_due))
            .decimal(Some(item.interest_due.0))
            .decimal(Some(item.fee_due.0))
            .decimal(Some(total_due))
            .decimal(Some(Decimal::ZERO))
            .text(Some("PENDING"))
            .instant(None)
            .instant(Some(item.created_at))
            .instant(Some(item.updated_at))
            .instant(deleted_at)
            .end();
        self.written.insert(id);
        if item.paid_amount.0 != Decimal::ZERO {
            self.legacy_paid.push((id, item.paid_amount.0));
        }
        self.done(array, &item.id, label.as_deref(), repairs);
    }

    fn repayment(&mut self, repayment: &rows::Repayment) {
        let array = Array::Repayments;
        self.summary.read(array);
        let Some(loan) = self.written(&repayment.loan_id) else {
            self.summary.refused(
                array,
                &repayment.id,
                None,
                "its loan is not imported".into(),
            );
            return;
        };
        if repayment.amount.0 <= Decimal::ZERO {
            self.summary.refused(
                array,
                &repayment.id,
                None,
                "its amount is not positive".into(),
            );
            return;
        }

        let mut repairs = Vec::new();
        let method = if repayment.method.parse::<PaymentMethod>().is_ok() {
            repayment.method.as_str()
        } else {
            repairs.push(format!(
                "method {:?} is unknown: recorded as OTHER",
                repayment.method
            ));
            "OTHER"
        };
        let received_by = match self.user(&repayment.received_by_user_id) {
            Some(user) => user,
            None => {
                self.summary.refused(
                    array,
                    &repayment.id,
                    None,
                    "the staff member who received it is not in the backup".into(),
                );
                return;
            }
        };
        let id = legacy_uuid(&repayment.id);
        self.copy()
            .line()
            .uuid(Some(id))
            .uuid(Some(loan))
            .uuid(Some(received_by))
            .decimal(Some(repayment.amount.0))
            .text(Some(&repayment.currency_code))
            .instant(Some(repayment.paid_at))
            .text(Some(method))
            .text(repayment.reference.as_deref())
            .text(repayment.notes.as_deref())
            .text(Some(&format!("legacy:{}", repayment.id)))
            .instant(Some(repayment.created_at))
            .instant(Some(repayment.updated_at))
            .instant(repayment.deleted_at)
            .end();
        self.written.insert(id);
        self.done(array, &repayment.id, None, repairs);
    }

    /// The file's allocations are not copied: the re-play writes this system's own. They go to
    /// the scratch table, to compare with it; those that point nowhere are refused.
    fn allocation(&mut self, allocation: &rows::Allocation) {
        let array = Array::RepaymentAllocations;
        self.summary.read(array);
        let repayment = legacy_uuid(&allocation.repayment_id);
        let item = legacy_uuid(&allocation.schedule_item_id);
        let reason = match self.facts.repayments.get(&repayment) {
            None => Some("its repayment is not in the backup"),
            Some(_) if !self.written.contains(&repayment) => Some("its repayment is not imported"),
            Some((_, false)) => {
                Some("its repayment was deleted: the allocation counts for nothing")
            }
            Some(_) if !self.facts.items.contains(&item) => Some("schedule item not in the backup"),
            Some(_) if !self.written.contains(&item) => Some("its schedule item is not imported"),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            self.summary
                .refused(array, &allocation.id, None, reason.into());
            return;
        }
        self.copy()
            .line()
            .uuid(Some(repayment))
            .uuid(Some(item))
            .decimal(Some(allocation.amount.0))
            .end();
    }

    /// A member's or loan's document: the record, its file left where the original kept it
    /// (the URL or path is the storage key, marked external).
    fn document(&mut self, array: Array, document: &rows::Document) {
        self.summary.read(array);
        let owner_kind = if array == Array::LoanDocuments {
            "loan"
        } else {
            "member"
        };
        let Some(owner) = self.written(&document.owner_id) else {
            self.summary.refused(
                array,
                &document.id,
                None,
                format!("its {owner_kind} is not imported"),
            );
            return;
        };
        let Some(kind) = self.written(&document.document_type_id) else {
            self.summary.refused(
                array,
                &document.id,
                None,
                "its document type is not imported".into(),
            );
            return;
        };
        let Some(uploaded_by) = self.author(document.uploaded_by_user_id.as_deref()) else {
            self.summary.refused(
                array,
                &document.id,
                None,
                "nobody to attribute the upload to".into(),
            );
            return;
        };
        if document.file_url.trim().is_empty() {
            self.summary
                .refused(array, &document.id, None, "it has no file URL".into());
            return;
        }
        let mut repairs = Vec::new();
        let issue_date = document.issue_date.map(|day| day.0);
        let mut expiry_date = document.expiry_date.map(|day| day.0);
        if let (Some(issued), Some(expires)) = (issue_date, expiry_date)
            && expires < issued
        {
            repairs.push(format!(
                "expiry date {expires} before its issue date {issued}: left out"
            ));
            expiry_date = None;
        }
        let (file_name, content_type) = file_of(&document.file_url);
        self.copy()
            .line()
            .uuid(Some(legacy_uuid(&document.id)))
            .uuid(Some(owner))
            .uuid(Some(kind))
            .text(Some(&document.file_url))
            .text(Some(&file_name))
            .text(Some(content_type))
            .int(Some(0))
            .text(Some(""))
            .text(document.issuing_authority.as_deref())
            .date(issue_date)
            .date(expiry_date)
            .bool(Some(document.verified))
            .text(document.verification_notes.as_deref())
            .uuid(Some(uploaded_by))
            .instant(Some(document.uploaded_at))
            .instant(Some(document.uploaded_at))
            .instant(Some(document.uploaded_at))
            .instant(document.deleted_at)
            .bool(Some(true))
            .end();
        self.done(array, &document.id, None, repairs);
    }

    fn audit_log(&mut self, log: rows::AuditLog) {
        let array = Array::AuditLogs;
        self.summary.read(array);
        let actor = log
            .actor_user_id
            .as_deref()
            .and_then(|actor| self.user(actor));
        let entity_id = log
            .entity_id
            .as_deref()
            .filter(|id| is_cuid(id))
            .map(legacy_uuid);
        let mut metadata = log.metadata;
        if let Some(original) = log.entity_id.as_deref().filter(|id| !is_cuid(id)) {
            // Kept where a person can still read it: the id is not one of the original's.
            metadata = Some(match metadata {
                Some(serde_json::Value::Object(mut map)) => {
                    map.insert("legacyEntityId".into(), original.into());
                    serde_json::Value::Object(map)
                }
                other => json!({ "legacyEntityId": original, "legacy": other }),
            });
        }
        let id = legacy_uuid(&log.id);
        self.copy()
            .line()
            .uuid(Some(id))
            .uuid(actor)
            .text(Some(&log.action))
            .text(Some(&log.entity_name))
            .uuid(entity_id)
            .json(log.before.as_ref())
            .json(log.after.as_ref())
            .json(metadata.as_ref())
            .text(log.ip_address.as_deref())
            .text(log.user_agent.as_deref())
            .instant(Some(log.created_at))
            .end();
        self.summary.imported(array);
    }

    fn union_assignment(&mut self, change: &rows::UnionAssignment) {
        let array = Array::UnionAssignmentHistory;
        self.summary.read(array);
        let (Some(union), Some(new_officer)) = (
            self.written(&change.union_id),
            self.user(&change.new_officer_id),
        ) else {
            self.summary.refused(
                array,
                &change.id,
                None,
                "its union or new officer is not imported".into(),
            );
            return;
        };
        let changed_by = self.author(change.changed_by_user_id.as_deref());
        let Some(changed_by) = changed_by else {
            self.summary.refused(
                array,
                &change.id,
                None,
                "nobody to attribute the change to".into(),
            );
            return;
        };
        let old_officer = change
            .old_officer_id
            .as_deref()
            .and_then(|user| self.user(user));
        self.copy()
            .line()
            .uuid(Some(legacy_uuid(&change.id)))
            .uuid(Some(union))
            .uuid(old_officer)
            .uuid(Some(new_officer))
            .uuid(Some(changed_by))
            .text(change.reason.as_deref())
            .instant(Some(change.changed_at))
            .instant(Some(change.changed_at))
            .end();
        self.summary.imported(array);
    }

    fn member_reassignment(&mut self, change: &rows::MemberReassignment) {
        let array = Array::UnionMemberReassignments;
        self.summary.read(array);
        let (Some(member), Some(old_union), Some(new_union)) = (
            self.written(&change.union_member_id),
            self.written(&change.old_union_id),
            self.written(&change.new_union_id),
        ) else {
            self.summary.refused(
                array,
                &change.id,
                None,
                "its member or one of its unions is not imported".into(),
            );
            return;
        };
        if old_union == new_union {
            self.summary.refused(
                array,
                &change.id,
                None,
                "it moves the member to the union it was in".into(),
            );
            return;
        }
        let new_officer = change
            .new_officer_id
            .as_deref()
            .and_then(|user| self.user(user))
            .or_else(|| self.facts.unions.get(&new_union).copied());
        let changed_by = self.author(change.changed_by_user_id.as_deref());
        let (Some(new_officer), Some(changed_by)) = (new_officer, changed_by) else {
            self.summary.refused(
                array,
                &change.id,
                None,
                "its new officer or its author is not imported".into(),
            );
            return;
        };
        let old_officer = change
            .old_officer_id
            .as_deref()
            .and_then(|user| self.user(user));
        self.copy()
            .line()
            .uuid(Some(legacy_uuid(&change.id)))
            .uuid(Some(member))
            .uuid(Some(old_union))
            .uuid(Some(new_union))
            .uuid(old_officer)
            .uuid(Some(new_officer))
            .uuid(Some(changed_by))
            .text(change.reason.as_deref())
            .instant(Some(change.changed_at))
            .instant(Some(change.changed_at))
            .end();
        self.summary.imported(array);
    }

    fn login(&mut self, login: &rows::LoginHistory) {
        let array = Array::UserLoginHistory;
        self.summary.read(array);
        let user = self.user(&login.user_id);
        let email = self
            .facts
            .users
            .get(&login.user_id)
            .map(|fact| fact.email.clone())
            .unwrap_or_default();
        let failure = if login.success {
            None
        } else {
            let reason = login.failure_reason.as_deref().unwrap_or_default();
            match login_failure(reason) {
                Some(failure) => Some(failure),
                None => {
                    self.summary.refused(
                        array,
                        &login.id,
                        None,
                        format!("the failure {reason:?} has no equivalent here"),
                    );
                    return;
                }
            }
        };
        self.copy()
            .line()
            .uuid(Some(legacy_uuid(&login.id)))
            .uuid(user)
            .text(Some(&email))
            .instant(Some(login.login_at))
            .text(login.ip_address.as_deref())
            .text(login.user_agent.as_deref())
            .bool(Some(login.success))
            .text(failure.map(LoginFailure::as_str))
            .end();
        self.summary.imported(array);
    }

    fn user_note(&mut self, note: &rows::UserNote) {
        let array = Array::UserNotes;
        self.summary.read(array);
        let Some(user) = self.user(&note.user_id) else {
            self.summary.refused(
                array,
                &note.id,
                None,
                "its staff member is not imported".into(),
            );
            return;
        };
        let author = note
            .created_by_user_id
            .as_deref()
            .and_then(|author| self.user(author))
            .unwrap_or(user);
        self.copy()
            .line()
            .uuid(Some(legacy_uuid(&note.id)))
            .uuid(Some(user))
            .text(Some(&note.title))
            .text(Some(&note.content))
            .text(note.category.as_deref())
            .bool(Some(note.is_private))
            .uuid(Some(author))
            .instant(Some(note.created_at))
            .instant(Some(note.updated_at))
            .end();
        self.summary.imported(array);
    }

    fn report(&mut self, report: &rows::ReportSession) {
        let array = Array::ReportSessions;
        self.summary.read(array);
        let types = ["DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "CUSTOM"];
        if !types.contains(&report.report_type.as_str()) {
            self.summary.refused(
                array,
                &report.id,
                None,
                format!("report type {:?} is unknown", report.report_type),
            );
            return;
        }
        let start = report.period_start.date_naive();
        let end = report.period_end.date_naive();
        if end < start {
            self.summary.refused(
                array,
                &report.id,
                None,
                "its period ends before it starts".into(),
            );
            return;
        }
        let empty = json!({});
        let no_metrics = json!([]);
        let count = |value: i32| Some(i64::from(value));
        let supervisor = self.user(&report.supervisor_id);
        self.copy()
            .line()
            .uuid(Some(legacy_uuid(&report.id)))
            .uuid(supervisor)
            .text(Some(&report.report_type))
            .text(Some(report.title.as_deref().unwrap_or("Imported report")))
            .date(Some(start))
            .date(Some(end))
            .int(count(report.total_officers))
            .int(count(report.total_unions))
            .int(count(report.total_members))
            .int(Some(0))
            .int(Some(0))
            .int(count(report.total_loans))
            .int(Some(0))
            .int(count(report.active_loans))
            .int(count(report.completed_loans))
            .int(count(report.defaulted_loans))
            .decimal(Some(report.total_disbursed.0))
            .decimal(Some(report.total_repaid.0))
            .decimal(Some(report.total_outstanding.0))
            .decimal(Some(report.collection_rate.0))
            .json(Some(report.report_data.as_ref().unwrap_or(&empty)))
            .json(Some(report.officer_metrics.as_ref().unwrap_or(&no_metrics)))
            .instant(Some(report.generated_at))
            .instant(Some(report.generated_at))
            .instant(Some(report.generated_at))
            .end();
        self.summary.imported(array);
    }

    /// After the last array: supervisors, counters, the re-play and its comparison.
    async fn finish(&mut self) -> Result<(), ImportError> {
        self.end_array().await?;
        for fact in self.facts.users.values() {
            let Some(supervisor) = fact
                .supervisor
                .as_deref()
                .and_then(|legacy| self.user(legacy))
            else {
                continue;
            };
            if fact.duplicate_of.is_some()
                || !self.written.contains(&fact.id)
                || supervisor == fact.id
            {
                continue;
            }
            self.session
                .execute(
                    "UPDATE users SET supervisor_id = $1 WHERE id = $2",
                    &[&supervisor, &fact.id],
                )
                .await?;
        }
        let member_codes = i64::from(self.next_member_code - 1);
        let loan_numbers = i64::from(self.facts.max_loan_number);
        for (counter, value) in [
            (crate::db::counters::MEMBER_CODE, member_codes),
            (crate::db::counters::LOAN_NUMBER, loan_numbers),
        ] {
            self.session
                .execute(
                    "UPDATE counters SET value = GREATEST(value, $2), updated_at = $3 WHERE name = $1",
                    &[&counter, &value, &self.now],
                )
                .await?;
        }
        super::replay::replay_all(self.session, self.facts, self.summary, self.now).await?;
        self.session
            .execute(&crate::db::loan_facts::refresh_all_statement(), &[])
            .await?;
        for statement in crate::db::rollups::refresh_all_statements() {
            self.session.execute(&statement, &[]).await?;
        }
        Ok(())
    }
}

/// The name and media type of a file at `url`, from its last path segment (the original's
/// Cloudinary URLs have no extension: those are `application/octet-stream`).
fn file_of(url: &str) -> (String, &'static str) {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let name = path
        .rsplit('/')
        .find(|segment| !segment.is_empty())
        .unwrap_or("document")
        .to_owned();
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let content_type = match extension.as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("pdf") => "application/pdf",
        Some("doc") => "application/msword",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    };
    (name, content_type)
}

/// This system's name for a failed login of the original, whose reasons were free text.
fn login_failure(reason: &str) -> Option<LoginFailure> {
    let reason = reason.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|word| reason.contains(word));
    if has(&["password", "credential"]) {
        Some(LoginFailure::WrongPassword)
    } else if has(&["not found", "unknown", "no user", "no account", "email"]) {
        Some(LoginFailure::UnknownEmail)
    } else if has(&["locked"]) {
        Some(LoginFailure::Locked)
    } else if has(&["inactive", "disabled", "deactivated", "deleted"]) {
        Some(LoginFailure::Inactive)
    } else {
        None
    }
}

/// Whether `id` is a cuid: `c` and 24 more lower-case letters or digits.
fn is_cuid(id: &str) -> bool {
    id.len() == 25
        && id.starts_with('c')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

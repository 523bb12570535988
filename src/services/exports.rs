//! Exports (SPEC 6 and 8.2): a list's whole filtered set in the caller's scope, as rows of
//! readable columns with the names people look for (member, union, officer) beside the ids.
//!
//! The rows come from the list's own query — the `db` module's `ordered(filter, …, scope)`,
//! the same filter and scope code as the GraphQL list, in the same order — declared as a cursor
//! in one read-only REPEATABLE READ transaction (one snapshot from the first row to the last)
//! and fetched [`CHUNK_ROWS`] at a time. Each chunk's related names come with one statement per
//! relation, in scope like the loaders (an officer out of the caller's scope stays blank, as
//! the GraphQL relation is `null`). Chunks travel through a channel of [`CHANNEL_CHUNKS`] to the
//! writer, so a slow client holds back the reading instead of filling memory.
//!
//! Who may export what is who may list it: an export of the audit log by a credit officer is
//! refused (`FORBIDDEN`) as `auditLogs` is; `includeDeleted` is for administrators.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use chrono::NaiveDate;
use diesel_async::RunQueryDsl;
use scoped_futures::ScopedFutureExt;
use tokio::sync::mpsc;

use super::{Caller, ServiceError, ServiceResult, check};
use crate::db::audit_logs::{AuditFilter, AuditLog};
use crate::db::loans::{Loan, LoanFilter};
use crate::db::repayments::{Repayment, RepaymentFilter};
use crate::db::schedule_items::{ScheduleItem, ScheduleItemFilter};
use crate::db::union_members::{MemberFilter, MemberOrderField, UnionMember};
use crate::db::unions::{Union, UnionFilter, UnionOrderField};
use crate::db::users::{User, UserFilter, UserOrderField};
use crate::db::{self, DbConn, Direction, Isolation, Listing, cursor};
use crate::domain::balance::balance;
use crate::domain::permissions::{self, Scope};
use crate::domain::schedule::status_on;
use crate::domain::{LoanId, LoanStatus, UnionId, UnionMemberId, UserId};
use crate::export::{Cell, Column, Row, Table};
use crate::state::AppState;

/// Rows per `FETCH`, and so per chunk handed to the writer.
pub const CHUNK_ROWS: u32 = 1_000;
/// Chunks read ahead of the writer.
const CHANNEL_CHUNKS: usize = 2;
/// The cursor's name (one export per transaction).
const CURSOR: &str = "export_rows";

/// A list to export, with its filter (and, for the lists that have one, the listing).
#[derive(Debug, Clone, PartialEq)]
pub enum ExportList {
    Loans(LoanFilter, Listing),
    UnionMembers(MemberFilter, (MemberOrderField, Direction), Listing),
    Unions(UnionFilter, (UnionOrderField, Direction), Listing),
    Repayments(RepaymentFilter),
    ScheduleItems(ScheduleItemFilter),
    Users(UserFilter, (UserOrderField, Direction), Listing),
    AuditLogs(AuditFilter),
}

impl ExportList {
    /// The columns and names of the list's file.
    pub fn table(&self) -> Table {
        match self {
            Self::Loans(..) => LOANS,
            Self::UnionMembers(..) => UNION_MEMBERS,
            Self::Unions(..) => UNIONS,
            Self::Repayments(_) => REPAYMENTS,
            Self::ScheduleItems(_) => SCHEDULE_ITEMS,
            Self::Users(..) => USERS,
            Self::AuditLogs(_) => AUDIT_LOGS,
        }
    }

    /// The same checks as the GraphQL list: deleted rows for administrators, the audit log
    /// not for credit officers.
    fn check(&self, caller: &Caller) -> ServiceResult<()> {
        match self {
            Self::Loans(_, listing)
            | Self::UnionMembers(_, _, listing)
            | Self::Unions(_, _, listing)
            | Self::Users(_, _, listing) => {
                caller.include_deleted(listing.include_deleted).map(drop)
            }
            Self::AuditLogs(_) => {
                check(permissions::can_read_audit_log(&caller.actor), "Audit log")
            }
            Self::Repayments(_) | Self::ScheduleItems(_) => Ok(()),
        }
    }
}

/// A started export: its table and its rows, a chunk at a time.
pub struct Export {
    pub table: Table,
    pub rows: Rows,
}

/// The rows of an export as they are read. The first chunk is read before [`start`] returns,
/// so that a database that cannot serve the export is an error answered before any byte.
pub struct Rows {
    first: Option<Vec<Row>>,
    rest: mpsc::Receiver<ServiceResult<Vec<Row>>>,
}

impl Rows {
    /// The next chunk; `None` once all rows were given.
    pub async fn next(&mut self) -> Option<ServiceResult<Vec<Row>>> {
        match self.first.take() {
            Some(first) => Some(Ok(first)),
            None => self.rest.recv().await,
        }
    }

    /// The same, for a writer on a blocking thread.
    pub fn blocking_next(&mut self) -> Option<ServiceResult<Vec<Row>>> {
        match self.first.take() {
            Some(first) => Some(Ok(first)),
            None => self.rest.blocking_recv(),
        }
    }
}

/// Starts reading `list` in the caller's scope; dropping the export's rows stops the reading
/// (and ends its transaction) at the next chunk.
pub async fn start(state: &AppState, caller: &Caller, list: ExportList) -> ServiceResult<Export> {
    list.check(caller)?;
    let table = list.table();
    let (sender, receiver) = mpsc::channel(CHANNEL_CHUNKS);
    let state = state.clone();
    let scope = caller.scope();
    let today = state.clock.now().date_naive();
    tokio::spawn(async move {
        if let Err(err) = read(&state, &list, scope, today, &sender).await {
            // The writer may be gone (the client left): then nobody needs to know.
            let _ = sender.send(Err(err)).await;
        }
    });
    let mut rows = Rows {
        first: None,
        rest: receiver,
    };
    match rows.rest.recv().await {
        Some(Ok(first)) => rows.first = Some(first),
        Some(Err(err)) => return Err(err),
        None => {}
    }
    Ok(Export { table, rows })
}

/// Why the reading stopped early: the writer is gone.
fn writer_gone() -> ServiceError {
    ServiceError::internal(anyhow::anyhow!("the export's writer stopped"))
}

/// Reads the whole list through a cursor and sends it on a chunk at a time. The first chunk is
/// sent even when empty, so that [`start`] learns the export is under way.
async fn read(
    state: &AppState,
    list: &ExportList,
    scope: Scope,
    today: NaiveDate,
    sender: &mpsc::Sender<ServiceResult<Vec<Row>>>,
) -> ServiceResult<()> {
    let mut conn = state.read_conn().await?;
    conn.run_transaction(Isolation::ReadOnlySnapshot, |conn| {
        read_in(conn, list, scope, today, sender).scope_boxed()
    })
    .await
}

/// [`read`] inside its transaction.
async fn read_in(
    conn: &mut DbConn,
    list: &ExportList,
    scope: Scope,
    today: NaiveDate,
    sender: &mpsc::Sender<ServiceResult<Vec<Row>>>,
) -> ServiceResult<()> {
    // Reads the cursor of `$query` chunk by chunk, turning each chunk into rows.
    macro_rules! export {
        ($query:expr, $row:ty, $rows:ident($($arg:expr),*)) => {{
            let cursor = cursor::declare(&mut *conn, CURSOR, $query).await?;
            let mut first = true;
            loop {
                let chunk: Vec<$row> = cursor.next(CHUNK_ROWS).load(&mut *conn).await?;
                if chunk.is_empty() && !first {
                    break;
                }
                first = false;
                let done = chunk.len() < CHUNK_ROWS as usize;
                let rows = $rows(&mut *conn, chunk, $($arg),*).await?;
                sender.send(Ok(rows)).await.map_err(|_| writer_gone())?;
                if done {
                    break;
                }
            }
        }};
    }
    match list {
        ExportList::Loans(filter, listing) => export!(
            db::loans::ordered(filter, scope, *listing),
            Loan,
            loan_rows(scope, today)
        ),
        ExportList::UnionMembers(filter, order, listing) => export!(
            db::union_members::ordered(filter, *order, scope, *listing),
            UnionMember,
            member_rows(scope)
        ),
        ExportList::Unions(filter, order, listing) => export!(
            db::unions::ordered(filter, *order, scope, *listing),
            Union,
            union_rows(scope)
        ),
        ExportList::Repayments(filter) => export!(
            db::repayments::ordered(filter, scope),
            Repayment,
            repayment_rows(scope)
        ),
        ExportList::ScheduleItems(filter) => export!(
            db::schedule_items::ordered(filter, scope, today),
            ScheduleItem,
            schedule_item_rows(scope, today)
        ),
        ExportList::Users(filter, order, listing) => export!(
            db::users::ordered(filter, *order, scope, *listing),
            User,
            user_rows(scope)
        ),
        ExportList::AuditLogs(filter) => export!(
            db::audit_logs::ordered(filter, scope, false),
            AuditLog,
            audit_rows(scope)
        ),
    }
    Ok(())
}

/// The distinct values of `key` over `rows`.
fn distinct<T, K: Eq + Hash + Copy>(rows: &[T], key: impl Fn(&T) -> K) -> Vec<K> {
    rows.iter()
        .map(key)
        .collect::<HashSet<K>>()
        .into_iter()
        .collect()
}

/// "First Last".
fn full_name(first: &str, last: &str) -> String {
    format!("{first} {last}")
}

/// The names of the members, unions and staff that a chunk of rows refers to, read in scope.
#[derive(Default)]
struct Names {
    members: HashMap<UnionMemberId, UnionMember>,
    unions: HashMap<UnionId, Union>,
    staff: HashMap<UserId, User>,
}

impl Names {
    async fn read(
        conn: &mut DbConn,
        scope: Scope,
        members: &[UnionMemberId],
        unions: &[UnionId],
        staff: &[UserId],
    ) -> ServiceResult<Self> {
        let mut names = Self::default();
        if !members.is_empty() {
            names.members = db::union_members::find_many(conn, members, scope)
                .await?
                .into_iter()
                .map(|member| (member.id, member))
                .collect();
        }
        if !unions.is_empty() {
            names.unions = db::unions::find_many(conn, unions, scope)
                .await?
                .into_iter()
                .map(|union| (union.id, union))
                .collect();
        }
        if !staff.is_empty() {
            names.staff = db::users::find_many(conn, staff, scope)
                .await?
                .into_iter()
                .map(|user| (user.id, user))
                .collect();
        }
        Ok(names)
    }

    fn member_code(&self, id: UnionMemberId) -> Cell {
        Cell::optional_text(self.members.get(&id).map(|member| member.code.clone()))
    }

    fn member_name(&self, id: UnionMemberId) -> Cell {
        Cell::optional_text(
            self.members
                .get(&id)
                .map(|member| full_name(&member.first_name, &member.last_name)),
        )
    }

    fn union_name(&self, id: UnionId) -> Cell {
        Cell::optional_text(self.unions.get(&id).map(|union| union.name.clone()))
    }

    fn staff_name(&self, id: Option<UserId>) -> Cell {
        Cell::optional_text(
            id.and_then(|id| self.staff.get(&id))
                .map(|user| full_name(&user.first_name, &user.last_name)),
        )
    }

    fn staff_email(&self, id: Option<UserId>) -> Cell {
        Cell::optional_text(
            id.and_then(|id| self.staff.get(&id))
                .map(|user| user.email.clone()),
        )
    }
}

const LOANS: Table = Table {
    name: "loans",
    title: "Loans",
    columns: &[
        Column::new("Loan number", 14),
        Column::new("Status", 16),
        Column::new("Member code", 12),
        Column::new("Member", 26),
        Column::new("Union", 28),
        Column::new("Credit officer", 22),
        Column::new("Product", 20),
        Column::new("Principal", 14),
        Column::new("Interest rate", 12),
        Column::new("Interest method", 18),
        Column::new("Term", 6),
        Column::new("Term unit", 10),
        Column::new("Start date", 11),
        Column::new("End date", 11),
        Column::new("Processing fee", 14),
        Column::new("Penalty per day", 14),
        Column::new("Total scheduled", 15),
        Column::new("Total paid", 14),
        Column::new("Outstanding", 14),
        Column::new("Overdue", 14),
        Column::new("Days in arrears", 10),
        Column::new("Currency", 8),
        Column::new("Created at", 19),
        Column::new("Disbursed at", 19),
        Column::new("Closed at", 19),
        Column::new("Loan ID", 38),
    ],
};

async fn loan_rows(
    conn: &mut DbConn,
    loans: Vec<Loan>,
    scope: Scope,
    today: NaiveDate,
) -> ServiceResult<Vec<Row>> {
    let members = distinct(&loans, |loan| loan.union_member_id);
    let unions = distinct(&loans, |loan| loan.union_id);
    let officers = distinct(&loans, |loan| loan.assigned_officer_id);
    let names = Names::read(conn, scope, &members, &unions, &officers).await?;
    let products: HashMap<_, _> =
        db::loan_types::find_many(conn, &distinct(&loans, |loan| loan.loan_type_id), scope)
            .await?
            .into_iter()
            .map(|product| (product.id, product.name))
            .collect();
    let ids: Vec<LoanId> = loans.iter().map(|loan| loan.id).collect();
    let totals: HashMap<_, _> = db::balances::totals(conn, &ids, today)
        .await?
        .into_iter()
        .collect();
    Ok(loans
        .into_iter()
        .map(|loan| {
            let in_repayment = matches!(loan.status, LoanStatus::Active | LoanStatus::Defaulted);
            let sums = balance(
                &totals.get(&loan.id).copied().unwrap_or_default(),
                today,
                in_repayment,
            );
            vec![
                Cell::Text(loan.loan_number),
                Cell::text(loan.status.as_str()),
                names.member_code(loan.union_member_id),
                names.member_name(loan.union_member_id),
                names.union_name(loan.union_id),
                names.staff_name(Some(loan.assigned_officer_id)),
                Cell::optional_text(products.get(&loan.loan_type_id).cloned()),
                Cell::Money(loan.principal_amount),
                Cell::Number(loan.interest_rate),
                Cell::text(loan.interest_method.as_str()),
                Cell::Integer(i64::from(loan.term_count)),
                Cell::text(loan.term_unit.as_str()),
                Cell::Date(loan.start_date),
                Cell::Date(loan.end_date),
                Cell::Money(loan.processing_fee_amount),
                Cell::Money(loan.penalty_fee_per_day_amount),
                Cell::Money(sums.total_scheduled),
                Cell::Money(sums.total_paid),
                Cell::Money(sums.total_outstanding),
                Cell::Money(sums.overdue_amount),
                Cell::Integer(sums.days_in_arrears),
                Cell::Text(loan.currency_code),
                Cell::Instant(loan.created_at),
                Cell::optional_instant(loan.disbursed_at),
                Cell::optional_instant(loan.closed_at),
                Cell::text(loan.id.to_string()),
            ]
        })
        .collect())
}

const UNION_MEMBERS: Table = Table {
    name: "unionMembers",
    title: "Members",
    columns: &[
        Column::new("Member code", 12),
        Column::new("First name", 16),
        Column::new("Last name", 16),
        Column::new("Union", 28),
        Column::new("Credit officer", 22),
        Column::new("Phone", 16),
        Column::new("Email", 28),
        Column::new("Gender", 8),
        Column::new("Date of birth", 12),
        Column::new("Marital status", 14),
        Column::new("Profession", 18),
        Column::new("Company", 18),
        Column::new("Address", 30),
        Column::new("City", 14),
        Column::new("State", 12),
        Column::new("Country", 12),
        Column::new("Verified", 9),
        Column::new("Created at", 19),
        Column::new("Member ID", 38),
    ],
};

async fn member_rows(
    conn: &mut DbConn,
    members: Vec<UnionMember>,
    scope: Scope,
) -> ServiceResult<Vec<Row>> {
    let unions = distinct(&members, |member| member.union_id);
    let mut names = Names::read(conn, scope, &[], &unions, &[]).await?;
    let officers = distinct(&names.unions.values().collect::<Vec<_>>(), |union| {
        union.credit_officer_id
    });
    names.staff = Names::read(conn, scope, &[], &[], &officers).await?.staff;
    Ok(members
        .into_iter()
        .map(|member| {
            let officer = names
                .unions
                .get(&member.union_id)
                .map(|u| u.credit_officer_id);
            vec![
                Cell::Text(member.code),
                Cell::Text(member.first_name),
                Cell::Text(member.last_name),
                names.union_name(member.union_id),
                names.staff_name(officer),
                Cell::optional_text(member.phone),
                Cell::optional_text(member.email),
                Cell::optional_text(member.gender.map(|gender| gender.as_str())),
                Cell::optional_date(member.date_of_birth),
                Cell::optional_text(member.marital_status.map(|status| status.as_str())),
                Cell::optional_text(member.profession),
                Cell::optional_text(member.company),
                Cell::optional_text(member.address),
                Cell::optional_text(member.city),
                Cell::optional_text(member.state),
                Cell::optional_text(member.country),
                Cell::Bool(member.is_verified),
                Cell::Instant(member.created_at),
                Cell::text(member.id.to_string()),
            ]
        })
        .collect())
}

const UNIONS: Table = Table {
    name: "unions",
    title: "Unions",
    columns: &[
        Column::new("Union", 28),
        Column::new("Location", 18),
        Column::new("Address", 30),
        Column::new("Credit officer", 22),
        Column::new("Credit officer email", 28),
        Column::new("Members", 9),
        Column::new("Loans", 9),
        Column::new("Created at", 19),
        Column::new("Union ID", 38),
    ],
};

async fn union_rows(
    conn: &mut DbConn,
    unions: Vec<Union>,
    scope: Scope,
) -> ServiceResult<Vec<Row>> {
    let officers = distinct(&unions, |union| union.credit_officer_id);
    let names = Names::read(conn, scope, &[], &[], &officers).await?;
    let ids: Vec<UnionId> = unions.iter().map(|union| union.id).collect();
    let members: HashMap<_, _> = db::union_members::count_by_union(conn, &ids, scope)
        .await?
        .into_iter()
        .collect();
    let loans: HashMap<_, _> = db::loans::count_by_union(conn, &ids, scope)
        .await?
        .into_iter()
        .collect();
    Ok(unions
        .into_iter()
        .map(|union| {
            vec![
                Cell::Text(union.name),
                Cell::optional_text(union.location),
                Cell::optional_text(union.address),
                names.staff_name(Some(union.credit_officer_id)),
                names.staff_email(Some(union.credit_officer_id)),
                Cell::Integer(members.get(&union.id).copied().unwrap_or(0)),
                Cell::Integer(loans.get(&union.id).copied().unwrap_or(0)),
                Cell::Instant(union.created_at),
                Cell::text(union.id.to_string()),
            ]
        })
        .collect())
}

/// The loans a chunk of repayments or installments belongs to, with their members and unions.
async fn loans_of(
    conn: &mut DbConn,
    loan_ids: &[LoanId],
    scope: Scope,
    staff: &[UserId],
) -> ServiceResult<(HashMap<LoanId, Loan>, Names)> {
    let loans: HashMap<LoanId, Loan> = db::loans::find_many(conn, loan_ids, scope)
        .await?
        .into_iter()
        .map(|loan| (loan.id, loan))
        .collect();
    let values: Vec<&Loan> = loans.values().collect();
    let members = distinct(&values, |loan| loan.union_member_id);
    let unions = distinct(&values, |loan| loan.union_id);
    let names = Names::read(conn, scope, &members, &unions, staff).await?;
    Ok((loans, names))
}

/// The loan number, member code, member and union of a loan's row.
fn loan_cells(loans: &HashMap<LoanId, Loan>, names: &Names, loan: LoanId) -> [Cell; 4] {
    match loans.get(&loan) {
        Some(loan) => [
            Cell::text(loan.loan_number.clone()),
            names.member_code(loan.union_member_id),
            names.member_name(loan.union_member_id),
            names.union_name(loan.union_id),
        ],
        None => [Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty],
    }
}

const REPAYMENTS: Table = Table {
    name: "repayments",
    title: "Repayments",
    columns: &[
        Column::new("Paid at", 19),
        Column::new("Loan number", 14),
        Column::new("Member code", 12),
        Column::new("Member", 26),
        Column::new("Union", 28),
        Column::new("Amount", 14),
        Column::new("Currency", 8),
        Column::new("Method", 10),
        Column::new("Reference", 18),
        Column::new("Received by", 22),
        Column::new("Reversed at", 19),
        Column::new("Reversal reason", 24),
        Column::new("Notes", 24),
        Column::new("Repayment ID", 38),
    ],
};

async fn repayment_rows(
    conn: &mut DbConn,
    repayments: Vec<Repayment>,
    scope: Scope,
) -> ServiceResult<Vec<Row>> {
    let loan_ids = distinct(&repayments, |repayment| repayment.loan_id);
    let staff = distinct(&repayments, |repayment| repayment.received_by_user_id);
    let (loans, names) = loans_of(conn, &loan_ids, scope, &staff).await?;
    Ok(repayments
        .into_iter()
        .map(|repayment| {
            let mut row = vec![Cell::Instant(repayment.paid_at)];
            row.extend(loan_cells(&loans, &names, repayment.loan_id));
            row.extend([
                Cell::Money(repayment.amount),
                Cell::Text(repayment.currency_code),
                Cell::text(repayment.method.as_str()),
                Cell::optional_text(repayment.reference),
                names.staff_name(Some(repayment.received_by_user_id)),
                Cell::optional_instant(repayment.reversed_at),
                Cell::optional_text(repayment.reversal_reason),
                Cell::optional_text(repayment.notes),
                Cell::text(repayment.id.to_string()),
            ]);
            row
        })
        .collect())
}

const SCHEDULE_ITEMS: Table = Table {
    name: "scheduleItems",
    title: "Installments",
    columns: &[
        Column::new("Loan number", 14),
        Column::new("Member code", 12),
        Column::new("Member", 26),
        Column::new("Union", 28),
        Column::new("Installment", 11),
        Column::new("Due date", 11),
        Column::new("Principal due", 14),
        Column::new("Interest due", 14),
        Column::new("Fee due", 12),
        Column::new("Total due", 14),
        Column::new("Paid", 14),
        Column::new("Remaining", 14),
        Column::new("Status", 10),
        Column::new("Paid in full at", 19),
        Column::new("Installment ID", 38),
    ],
};

async fn schedule_item_rows(
    conn: &mut DbConn,
    items: Vec<ScheduleItem>,
    scope: Scope,
    today: NaiveDate,
) -> ServiceResult<Vec<Row>> {
    let loan_ids = distinct(&items, |item| item.loan_id);
    let (loans, names) = loans_of(conn, &loan_ids, scope, &[]).await?;
    Ok(items
        .into_iter()
        .map(|item| {
            let mut row = Vec::with_capacity(SCHEDULE_ITEMS.columns.len());
            row.extend(loan_cells(&loans, &names, item.loan_id));
            row.extend([
                Cell::Integer(i64::from(item.sequence)),
                Cell::Date(item.due_date),
                Cell::Money(item.principal_due),
                Cell::Money(item.interest_due),
                Cell::Money(item.fee_due),
                Cell::Money(item.total_due),
                Cell::Money(item.paid_amount),
                Cell::Money(item.total_due - item.paid_amount),
                Cell::text(
                    status_on(item.due_date, item.total_due, item.paid_amount, today).as_str(),
                ),
                Cell::optional_instant(item.closed_at),
                Cell::text(item.id.to_string()),
            ]);
            row
        })
        .collect())
}

const USERS: Table = Table {
    name: "users",
    title: "Staff",
    columns: &[
        Column::new("First name", 16),
        Column::new("Last name", 16),
        Column::new("Email", 30),
        Column::new("Role", 16),
        Column::new("Active", 8),
        Column::new("Supervisor", 22),
        Column::new("Phone", 16),
        Column::new("Last login at", 19),
        Column::new("Created at", 19),
        Column::new("User ID", 38),
    ],
};

async fn user_rows(conn: &mut DbConn, users: Vec<User>, scope: Scope) -> ServiceResult<Vec<Row>> {
    let supervisors: Vec<UserId> = distinct(&users, |user| user.supervisor_id)
        .into_iter()
        .flatten()
        .collect();
    let names = Names::read(conn, scope, &[], &[], &supervisors).await?;
    Ok(users
        .into_iter()
        .map(|user| {
            vec![
                Cell::text(user.first_name.clone()),
                Cell::text(user.last_name.clone()),
                Cell::text(user.email.clone()),
                Cell::text(user.role.as_str()),
                Cell::Bool(user.is_active),
                names.staff_name(user.supervisor_id),
                Cell::optional_text(user.phone.clone()),
                Cell::optional_instant(user.last_login_at),
                Cell::Instant(user.created_at),
                Cell::text(user.id.to_string()),
            ]
        })
        .collect())
}

const AUDIT_LOGS: Table = Table {
    name: "auditLogs",
    title: "Audit log",
    columns: &[
        Column::new("At", 19),
        Column::new("Action", 24),
        Column::new("Entity", 16),
        Column::new("Entity ID", 38),
        Column::new("Actor", 22),
        Column::new("Actor email", 28),
        Column::new("IP address", 16),
        Column::new("User agent", 24),
        Column::new("Request ID", 38),
        Column::new("Before", 40),
        Column::new("After", 40),
    ],
};

/// A JSON value as one line of text, cut to what a spreadsheet cell holds.
fn json_text(value: Option<serde_json::Value>) -> Cell {
    /// A spreadsheet cell holds at most 32,767 characters.
    const MOST: usize = 32_000;
    Cell::optional_text(value.map(|value| {
        let text = value.to_string();
        match text.char_indices().nth(MOST) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text,
        }
    }))
}

async fn audit_rows(
    conn: &mut DbConn,
    entries: Vec<AuditLog>,
    scope: Scope,
) -> ServiceResult<Vec<Row>> {
    let actors: Vec<UserId> = distinct(&entries, |entry| entry.actor_user_id)
        .into_iter()
        .flatten()
        .collect();
    let names = Names::read(conn, scope, &[], &[], &actors).await?;
    Ok(entries
        .into_iter()
        .map(|entry| {
            vec![
                Cell::Instant(entry.created_at),
                Cell::text(entry.action.as_str()),
                Cell::Text(entry.entity_name),
                Cell::optional_text(entry.entity_id.map(|id| id.to_string())),
                names.staff_name(entry.actor_user_id),
                names.staff_email(entry.actor_user_id),
                Cell::optional_text(entry.ip_address),
                Cell::optional_text(entry.user_agent),
                Cell::optional_text(entry.request_id),
                json_text(entry.before),
                json_text(entry.after),
            ]
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_names_its_columns_once() {
        for table in [
            LOANS,
            UNION_MEMBERS,
            UNIONS,
            REPAYMENTS,
            SCHEDULE_ITEMS,
            USERS,
            AUDIT_LOGS,
        ] {
            let headers: HashSet<_> = table.columns.iter().map(|column| column.header).collect();
            assert_eq!(headers.len(), table.columns.len(), "{}", table.name);
            assert!(
                table.title.len() <= 28,
                "a sheet title leaves room for \" (2)\""
            );
        }
    }
}

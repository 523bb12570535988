//! What the printed documents show: a repayment's receipt and a credit officer's collection
//! sheet for a day, read in the caller's scope (a repayment or an officer out of scope is
//! `NOT_FOUND`, as `repayment(id)` and `user(id)` are). `pdf::` lays them out.
//!
//! The receipt names who received the money even when that member of staff is outside the
//! caller's scope (an administrator who recorded an officer's payment): it is part of the
//! record printed for the member. Its balance is the loan's balance on the day of the payment,
//! with every live payment of that day counted.
//!
//! The collection sheet is built here from the loans' balances on the day (`db::balances`):
//! each ACTIVE or DEFAULTED loan of the officer's (or the union's) members with something due
//! that day or overdue, union by union. It is meant to be replaced by the `collectionSheet`
//! report's own data once that is in.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::{Caller, ServiceError, ServiceResult};
use crate::db::repayments::Repayment;
use crate::db::{self, DbConn};
use crate::domain::balance::{Balance, balance};
use crate::domain::permissions::Scope;
use crate::domain::{LoanStatus, RepaymentId, UnionId, UserId};
use crate::state::AppState;

/// The organisation as printed at the top.
#[derive(Debug, Clone, PartialEq)]
pub struct Letterhead {
    pub company: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub currency_symbol: String,
}

/// One part of a repayment: what it paid to an installment or a charge.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptLine {
    /// "Installment 3, due 2026-11-24" or "Penalty of 2026-11-20".
    pub label: String,
    pub principal: Decimal,
    pub interest: Decimal,
    pub fee: Decimal,
    pub penalty: Decimal,
    pub amount: Decimal,
}

/// A repayment's receipt.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub letterhead: Letterhead,
    pub repayment: Repayment,
    pub loan_number: String,
    pub member_name: String,
    pub member_code: String,
    pub union_name: String,
    pub received_by: Option<String>,
    pub reversed_by: Option<String>,
    pub lines: Vec<ReceiptLine>,
    /// The loan on the day of the payment.
    pub balance_after: Balance,
    pub printed_at: DateTime<Utc>,
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("Repayment not found.".into())
}

async fn letterhead(conn: &mut DbConn) -> ServiceResult<Letterhead> {
    let settings = db::settings::get(conn).await?;
    Ok(Letterhead {
        company: settings.name,
        address: settings.address,
        phone: settings.phone,
        currency_symbol: settings.currency_symbol,
    })
}

async fn staff_name(conn: &mut DbConn, id: Option<UserId>) -> ServiceResult<Option<String>> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(db::users::find(conn, id, Scope::All, true)
        .await?
        .map(|user| format!("{} {}", user.first_name, user.last_name)))
}

/// The receipt of repayment `id`, if its loan is in the caller's scope.
pub async fn receipt(state: &AppState, caller: &Caller, id: RepaymentId) -> ServiceResult<Receipt> {
    let scope = caller.scope();
    let mut conn = state.db.get().await?;
    let conn = &mut *conn;
    let repayment = db::repayments::find(conn, id)
        .await?
        .ok_or_else(not_found)?;
    let loan = db::loans::find(conn, repayment.loan_id, scope, true)
        .await?
        .ok_or_else(not_found)?;
    let member = db::union_members::find(conn, loan.union_member_id, Scope::All, true).await?;
    let union = db::unions::find(conn, loan.union_id, Scope::All, true).await?;
    let items: HashMap<_, _> = db::schedule_items::of_loan(conn, loan.id)
        .await?
        .into_iter()
        .map(|item| (item.id, (item.sequence, item.due_date)))
        .collect();
    let charges: HashMap<_, _> = db::charges::of_loans(conn, &[loan.id])
        .await?
        .into_iter()
        .map(|charge| (charge.id, (charge.kind, charge.charge_date)))
        .collect();
    let mut lines = db::repayments::allocations_of(conn, &[id])
        .await?
        .into_iter()
        .map(|part| {
            let installment = part.schedule_item_id.and_then(|item| items.get(&item));
            let charge = part.charge_id.and_then(|charge| charges.get(&charge));
            let (day, label) = match (installment, charge) {
                (Some((sequence, due)), _) => (*due, format!("Installment {sequence}, due {due}")),
                (None, Some((kind, day))) => {
                    let kind = kind.as_str();
                    let kind = format!("{}{}", &kind[..1], kind[1..].to_lowercase());
                    (*day, format!("{kind} of {day}"))
                }
                (None, None) => (NaiveDate::MAX, "Other".to_owned()),
            };
            (
                day,
                ReceiptLine {
                    label,
                    principal: part.principal_amount,
                    interest: part.interest_amount,
                    fee: part.fee_amount,
                    penalty: part.penalty_amount,
                    amount: part.amount,
                },
            )
        })
        .collect::<Vec<_>>();
    // Oldest first: the installments and charges in the order they fell due.
    lines.sort_by(|a, b| (a.0, &a.1.label).cmp(&(b.0, &b.1.label)));
    let lines = lines.into_iter().map(|(_, line)| line).collect();
    let day = repayment.paid_at.date_naive();
    let totals = db::balances::totals(conn, &[loan.id], day)
        .await?
        .into_iter()
        .next()
        .map(|(_, totals)| totals)
        .unwrap_or_default();
    let in_repayment = matches!(loan.status, LoanStatus::Active | LoanStatus::Defaulted);
    Ok(Receipt {
        letterhead: letterhead(conn).await?,
        received_by: staff_name(conn, Some(repayment.received_by_user_id)).await?,
        reversed_by: staff_name(conn, repayment.reversed_by_user_id).await?,
        loan_number: loan.loan_number.clone(),
        member_name: member
            .as_ref()
            .map(|member| format!("{} {}", member.first_name, member.last_name))
            .unwrap_or_default(),
        member_code: member.map(|member| member.code).unwrap_or_default(),
        union_name: union.map(|union| union.name).unwrap_or_default(),
        lines,
        balance_after: balance(&totals, day, in_repayment),
        repayment,
        printed_at: state.clock.now(),
    })
}

/// Whose rounds a collection sheet is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetOf {
    pub credit_officer_id: Option<UserId>,
    pub union_id: Option<UnionId>,
}

/// One member's line on a collection sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetLine {
    pub member_name: String,
    pub loan_number: String,
    /// Installments due on the day.
    pub due: Decimal,
    /// Installments due before the day and unpaid.
    pub overdue: Decimal,
    /// Penalties charged up to the day and unpaid.
    pub penalties: Decimal,
    pub total: Decimal,
}

/// A union's part of a collection sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetUnion {
    pub name: String,
    pub lines: Vec<SheetLine>,
}

/// What each member owes on a day, union by union, for an officer's rounds.
#[derive(Debug, Clone)]
pub struct CollectionSheet {
    pub letterhead: Letterhead,
    pub date: NaiveDate,
    pub officer_name: Option<String>,
    pub unions: Vec<SheetUnion>,
    pub printed_at: DateTime<Utc>,
}

/// Neither an officer nor a union named.
fn name_one<T>() -> ServiceResult<T> {
    Err(ServiceError::bad_input(
        "creditOfficerId",
        "Name the credit officer (creditOfficerId) or the union (unionId).",
    ))
}

/// The collection sheet of `of` on `date`, in the caller's scope. A credit officer who names
/// neither an officer nor a union gets their own.
pub async fn collection_sheet(
    state: &AppState,
    caller: &Caller,
    date: NaiveDate,
    of: SheetOf,
) -> ServiceResult<CollectionSheet> {
    let scope = caller.scope();
    let mut of = of;
    if of.credit_officer_id.is_none() && of.union_id.is_none() {
        match scope {
            Scope::Officer { officer_id } => of.credit_officer_id = Some(officer_id),
            _ => return name_one(),
        }
    }
    let target = match (of.credit_officer_id, of.union_id) {
        (Some(officer), _) => super::reports::SheetTarget::Officer(officer),
        (None, Some(union)) => super::reports::SheetTarget::Union(union),
        (None, None) => name_one()?,
    };
    // The same figures as the `collectionSheet` report, which also checks the scope.
    let sheet = super::reports::collection_sheet(state, caller, target, date).await?;
    let mut conn = state.db.get().await?;
    let conn = &mut *conn;
    let officer = match of.credit_officer_id {
        Some(officer) => Some(officer),
        None => match of.union_id {
            Some(union) => db::unions::find(conn, union, scope, false)
                .await?
                .map(|union| union.credit_officer_id),
            None => None,
        },
    };
    let officer_name = staff_name(conn, officer).await?;
    let sheet_unions = sheet
        .unions
        .into_iter()
        .map(|union| SheetUnion {
            name: union.name,
            lines: union
                .lines
                .into_iter()
                .map(|line| SheetLine {
                    total: line.due + line.overdue + line.penalties,
                    member_name: line.member_name,
                    loan_number: line.loan_number,
                    due: line.due,
                    overdue: line.overdue,
                    penalties: line.penalties,
                })
                .collect(),
        })
        .collect();
    Ok(CollectionSheet {
        letterhead: letterhead(conn).await?,
        date,
        officer_name,
        unions: sheet_unions,
        printed_at: state.clock.now(),
    })
}

//! The imported loans' money, re-played (SPEC 8.5): every loan's live repayments allocated
//! again from scratch by this system's rules (`domain::allocation`), a thousand loans at a
//! time — the allocations written through `COPY`, the installments' paid amounts, statuses and
//! closing times set in one statement at the end. A repayment above what its loan still owed
//! is reversed; a loan whose status no longer agrees with what it owes is corrected. Then the
//! result is compared with the file's paid amounts and allocations, and every loan where they
//! differ is listed.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::facts::Facts;
use super::file::Array;
use super::import::ImportError;
use super::summary::Summary;
use crate::db::copy::CopyIn;
use crate::db::direct::DirectSession;
use crate::domain::LoanStatus;
use crate::domain::allocation::{self, ChargeDue, InstallmentDue, Target};
use crate::domain::schedule::status_on;
use crate::domain::settings::AllocationOrder;

/// Loans re-played per round trip.
const BATCH: i64 = 1_000;

struct Item {
    id: Uuid,
    due_date: NaiveDate,
    due: InstallmentDue<Uuid>,
}

struct Payment {
    id: Uuid,
    paid_at: DateTime<Utc>,
    amount: Decimal,
}

struct LoanRow {
    id: Uuid,
    number: String,
    status: String,
}

/// Re-plays every imported loan and compares the result with the file.
pub async fn replay_all(
    session: &DirectSession,
    facts: &Facts,
    summary: &mut Summary,
    now: DateTime<Utc>,
) -> Result<(), ImportError> {
    let order: String = session
        .text("SELECT allocation_order FROM company_settings", &[])
        .await?;
    let order = if order == AllocationOrder::PenaltiesLast.as_str() {
        AllocationOrder::PenaltiesLast
    } else {
        AllocationOrder::PenaltiesFirst
    };
    session
        .batch(
            "CREATE TEMPORARY TABLE replayed_items (
                 id UUID PRIMARY KEY, paid NUMERIC(14, 2) NOT NULL, status TEXT NOT NULL,
                 closed_at TIMESTAMPTZ) ON COMMIT DROP",
        )
        .await?;
    let today = now.date_naive();
    let mut after = Uuid::nil();
    loop {
        let rows = session
            .rows(
                "SELECT id, loan_number, status FROM loans WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &BATCH],
            )
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get(0)?;
        let loans: Vec<LoanRow> = rows
            .iter()
            .map(|row| {
                Ok(LoanRow {
                    id: row.try_get(0)?,
                    number: row.try_get(1)?,
                    status: row.try_get(2)?,
                })
            })
            .collect::<Result<_, tokio_postgres::Error>>()?;
        let ids: Vec<Uuid> = loans.iter().map(|loan| loan.id).collect();
        let mut items = items_of(session, &ids).await?;
        let mut payments = payments_of(session, &ids).await?;
        let mut allocations = CopyIn::start(
            session,
            "repayment_allocations",
            &[
                "id",
                "repayment_id",
                "schedule_item_id",
                "principal_amount",
                "interest_amount",
                "fee_amount",
                "penalty_amount",
                "amount",
                "created_at",
            ],
        )
        .await?;
        let mut replayed: Vec<(Uuid, Decimal, &'static str, Option<DateTime<Utc>>)> = Vec::new();
        let mut reversals: Vec<(Uuid, String)> = Vec::new();
        let mut statuses: Vec<Correction> = Vec::new();
        for loan in &loans {
            let items = items.remove(&loan.id).unwrap_or_default();
            let payments = payments.remove(&loan.id).unwrap_or_default();
            let mut dues: Vec<InstallmentDue<Uuid>> = items.iter().map(|item| item.due).collect();
            let mut closed: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
            let mut last_payment = None;
            for payment in &payments {
                match allocation::allocate(
                    payment.amount,
                    payment.paid_at.date_naive(),
                    order,
                    &mut dues,
                    &mut Vec::<ChargeDue<Uuid>>::new(),
                ) {
                    Ok(parts) => {
                        for part in parts {
                            let Target::Installment(item) = part.target else {
                                continue;
                            };
                            allocations
                                .line()
                                .uuid(Some(Uuid::new_v4()))
                                .uuid(Some(payment.id))
                                .uuid(Some(item))
                                .decimal(Some(part.principal))
                                .decimal(Some(part.interest))
                                .decimal(Some(part.fee))
                                .decimal(Some(part.penalty))
                                .decimal(Some(part.amount()))
                                .instant(Some(now))
                                .end();
                        }
                        for due in &dues {
                            if due.total() <= Decimal::ZERO {
                                closed.entry(due.key).or_insert(payment.paid_at);
                            }
                        }
                        last_payment = Some(payment.paid_at);
                    }
                    Err(too_much) => reversals.push((
                        payment.id,
                        format!(
                            "a repayment of {} on {} is more than the loan still owed ({}); it was reversed at import",
                            payment.amount,
                            payment.paid_at.date_naive(),
                            too_much.maximum
                        ),
                    )),
                }
            }
            allocations.flush_full().await?;
            let mut outstanding = Decimal::ZERO;
            for (item, due) in items.iter().zip(&dues) {
                let total = item.due.total();
                let paid = total - due.total();
                outstanding += due.total();
                let status = status_on(item.due_date, total, paid, today);
                replayed.push((
                    item.id,
                    paid,
                    status.as_str(),
                    closed.get(&item.id).copied(),
                ));
            }
            let corrected = match loan.status.as_str() {
                "COMPLETED" if outstanding > Decimal::ZERO => Some(("ACTIVE", None)),
                "ACTIVE" | "DEFAULTED" if outstanding <= Decimal::ZERO && !items.is_empty() => {
                    Some(("COMPLETED", last_payment.or(Some(now))))
                }
                _ => None,
            };
            if let Some((status, closed_at)) = corrected {
                statuses.push(Correction {
                    loan: loan.id,
                    number: loan.number.clone(),
                    was: loan.status.clone(),
                    status,
                    closed_at,
                    outstanding,
                });
            }
        }
        allocations.finish().await?;
        let mut copy = CopyIn::start(
            session,
            "replayed_items",
            &["id", "paid", "status", "closed_at"],
        )
        .await?;
        for (id, paid, status, closed_at) in replayed {
            copy.line()
                .uuid(Some(id))
                .decimal(Some(paid))
                .text(Some(status))
                .instant(closed_at)
                .end();
            copy.flush_full().await?;
        }
        copy.finish().await?;
        for (id, reason) in reversals {
            session
                .execute(
                    "UPDATE repayments SET reversed_at = $2, reversal_reason = $3, updated_at = $2
                      WHERE id = $1",
                    &[&id, &now, &reason],
                )
                .await?;
            let loan: Uuid = session
                .rows("SELECT loan_id FROM repayments WHERE id = $1", &[&id])
                .await?
                .first()
                .map(|row| row.try_get(0))
                .transpose()?
                .unwrap_or_default();
            let fact = facts.loans.get(&loan);
            summary.difference(
                fact.map_or("", |fact| fact.legacy_id.as_str()),
                fact.map(|fact| fact.number.as_str()),
                reason,
            );
        }
        for correction in statuses {
            correct(session, facts, summary, &correction, now).await?;
        }
    }
    session
        .execute(
            "UPDATE repayment_schedule_items i
                SET paid_amount = r.paid, status = r.status, closed_at = r.closed_at
               FROM replayed_items r WHERE r.id = i.id",
            &[],
        )
        .await?;
    compare(session, facts, summary).await
}

/// A loan whose status disagrees with what it owes after the re-play.
struct Correction {
    loan: Uuid,
    number: String,
    was: String,
    status: &'static str,
    closed_at: Option<DateTime<Utc>>,
    outstanding: Decimal,
}

/// Sets the status a loan's re-played money calls for — unless that reopens a loan of a member
/// who has another open one (one open loan per member): then the loan is left as it is and the
/// difference is listed, to settle by hand (`millennium check` will name it too).
async fn correct(
    session: &DirectSession,
    facts: &Facts,
    summary: &mut Summary,
    correction: &Correction,
    now: DateTime<Utc>,
) -> Result<(), ImportError> {
    let legacy = facts.loans.get(&correction.loan);
    let legacy_id = legacy.map_or("", |fact| fact.legacy_id.as_str());
    let label = Some(correction.number.as_str());
    let reopens = super::facts::is_open(correction.status);
    if reopens {
        let open: Vec<&str> = LoanStatus::OPEN
            .iter()
            .map(|status| status.as_str())
            .collect();
        let other = session
            .rows(
                "SELECT o.loan_number FROM loans l JOIN loans o ON o.union_member_id = l.union_member_id
                  WHERE l.id = $1 AND o.id <> l.id AND o.deleted_at IS NULL AND l.deleted_at IS NULL
                    AND o.status = ANY($2)",
                &[&correction.loan, &open],
            )
            .await?;
        if let Some(other) = other.first() {
            let other: String = other.try_get(0)?;
            summary.difference(
                legacy_id,
                label,
                format!(
                    "{} in the file, but after the re-play it owes {}; left {} because the member's loan {other} is open: settle it by hand",
                    correction.was, correction.outstanding, correction.was
                ),
            );
            return Ok(());
        }
    }
    session
        .execute(
            "UPDATE loans SET status = $2, closed_at = $3, updated_at = $4 WHERE id = $1",
            &[
                &correction.loan,
                &correction.status,
                &correction.closed_at,
                &now,
            ],
        )
        .await?;
    summary.repaired_later(
        Array::Loans,
        legacy_id,
        label,
        format!(
            "{} in the file, but after the re-play it owes {}: set to {}",
            correction.was, correction.outstanding, correction.status
        ),
    );
    Ok(())
}

/// The live installments of `loans`, oldest due first.
async fn items_of(
    session: &DirectSession,
    loans: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Item>>, ImportError> {
    let rows = session
        .rows(
            "SELECT loan_id, id, due_date, principal_due, interest_due, fee_due
               FROM repayment_schedule_items
              WHERE loan_id = ANY($1) AND deleted_at IS NULL
              ORDER BY loan_id, due_date, sequence",
            &[&loans],
        )
        .await?;
    let mut items: HashMap<Uuid, Vec<Item>> = HashMap::new();
    for row in rows {
        let id: Uuid = row.try_get(1)?;
        items.entry(row.try_get(0)?).or_default().push(Item {
            id,
            due_date: row.try_get(2)?,
            due: InstallmentDue {
                key: id,
                principal: row.try_get(3)?,
                interest: row.try_get(4)?,
                fee: row.try_get(5)?,
            },
        });
    }
    Ok(items)
}

/// The live repayments of `loans`, in the order they were paid.
async fn payments_of(
    session: &DirectSession,
    loans: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Payment>>, ImportError> {
    let rows = session
        .rows(
            "SELECT loan_id, id, paid_at, amount FROM repayments
              WHERE loan_id = ANY($1) AND deleted_at IS NULL AND reversed_at IS NULL
              ORDER BY loan_id, paid_at, created_at, id",
            &[&loans],
        )
        .await?;
    let mut payments: HashMap<Uuid, Vec<Payment>> = HashMap::new();
    for row in rows {
        payments.entry(row.try_get(0)?).or_default().push(Payment {
            id: row.try_get(1)?,
            paid_at: row.try_get(2)?,
            amount: row.try_get(3)?,
        });
    }
    Ok(payments)
}

/// Lists every loan whose re-played installments or allocations differ from the file's.
async fn compare(
    session: &DirectSession,
    facts: &Facts,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    let rows = session
        .rows(
            "WITH new AS (SELECT repayment_id, schedule_item_id, sum(amount) AS amount
                            FROM repayment_allocations WHERE schedule_item_id IS NOT NULL
                           GROUP BY 1, 2),
                  old AS (SELECT repayment_id, schedule_item_id, sum(amount) AS amount
                            FROM legacy_allocations GROUP BY 1, 2),
                  pairs AS (SELECT COALESCE(n.schedule_item_id, o.schedule_item_id) AS item,
                                   COALESCE(o.amount, 0) AS before, COALESCE(n.amount, 0) AS after
                              FROM new n FULL JOIN old o
                                ON o.repayment_id = n.repayment_id
                               AND o.schedule_item_id = n.schedule_item_id
                             WHERE COALESCE(o.amount, 0) <> COALESCE(n.amount, 0))
             SELECT l.id, 'paid' AS what, i.sequence, COALESCE(p.paid, 0), i.paid_amount
               FROM repayment_schedule_items i
               JOIN loans l ON l.id = i.loan_id
               LEFT JOIN legacy_paid p ON p.schedule_item_id = i.id
              WHERE COALESCE(p.paid, 0) <> i.paid_amount
             UNION ALL
             SELECT l.id, 'allocated', i.sequence, sum(x.before), sum(x.after)
               FROM pairs x
               JOIN repayment_schedule_items i ON i.id = x.item
               JOIN loans l ON l.id = i.loan_id
              GROUP BY l.id, i.sequence
             HAVING sum(x.before) <> sum(x.after)
             ORDER BY 1, 3, 2",
            &[],
        )
        .await?;
    let mut per_loan: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    for row in rows {
        let loan: Uuid = row.try_get(0)?;
        let what: &str = row.try_get(1)?;
        let sequence: i32 = row.try_get(2)?;
        let before: Decimal = row.try_get(3)?;
        let after: Decimal = row.try_get(4)?;
        per_loan
            .entry(loan)
            .or_default()
            .push(format!("installment {sequence} {what} {before} → {after}"));
    }
    for (loan, differences) in per_loan {
        let fact = facts.loans.get(&loan);
        summary.difference(
            fact.map_or("", |fact| fact.legacy_id.as_str()),
            fact.map(|fact| fact.number.as_str()),
            format!(
                "the re-play differs from the file: {}",
                differences.join(", ")
            ),
        );
    }
    Ok(())
}

//! The first pass over a legacy file: every row read and typed (a row of the wrong type stops
//! the import before anything is written), the envelope checked, and what the second pass
//! needs to decide row by row without looking ahead — which ids exist, who keeps an e-mail,
//! the highest member code and loan number, which of two open loans is closed, what each
//! schedule sums to. Memory grows with the number of staff, unions, members, loans,
//! installments and repayments (a few dozen bytes each), never with the file's bytes.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use rust_decimal::Decimal;
use uuid::Uuid;

use super::LegacyError;
use super::file::{Event, LegacyFile, Metadata};
use super::ids::legacy_uuid;
use super::rows::{self, Row};
use crate::domain::LoanStatus;
use crate::domain::email;
use crate::domain::loans::Bounds;

/// Open statuses of a loan that has been disbursed: money was lent.
pub const CARRIES_MONEY: [&str; 2] = ["ACTIVE", "DEFAULTED"];

/// What the first pass learnt.
#[derive(Debug, Default)]
pub struct Facts {
    pub metadata: Option<Metadata>,
    /// Staff by legacy id.
    pub users: HashMap<String, UserFact>,
    /// The first live administrator: the author of records that name nobody.
    pub first_admin: Option<Uuid>,
    pub unions: HashMap<Uuid, Uuid>,
    pub members: HashSet<Uuid>,
    /// The member keeping each normalised e-mail: the first live one in the file.
    pub member_emails: HashMap<String, Uuid>,
    /// The highest `MEMnnnnnn` number in the file.
    pub max_member_code: u32,
    pub loan_types: HashSet<Uuid>,
    pub document_types: HashSet<Uuid>,
    pub loans: HashMap<Uuid, LoanFact>,
    /// The highest `LNnnnnnnnn` number in the file.
    pub max_loan_number: u32,
    /// Loans closed or refused at import because their member has another open loan.
    pub open_loan_decisions: HashMap<Uuid, OpenLoanDecision>,
    /// Principal and term range of the loans without a product.
    pub productless: Option<Bounds>,
    pub items: HashSet<Uuid>,
    /// Per loan: its schedule, for the rounding repair.
    pub schedules: HashMap<Uuid, ScheduleFact>,
    /// Repayments by id: their loan and whether they are live.
    pub repayments: HashMap<Uuid, (Uuid, bool)>,
}

#[derive(Debug, Clone)]
pub struct UserFact {
    pub id: Uuid,
    /// Trimmed and lower-cased.
    pub email: String,
    pub live: bool,
    pub supervisor: Option<String>,
    /// When another account holds the same address: the one kept (this one is refused).
    pub duplicate_of: Option<Uuid>,
    /// The address is not an e-mail address at all.
    pub invalid_email: bool,
}

#[derive(Debug, Clone)]
pub struct LoanFact {
    pub legacy_id: String,
    pub number: String,
    pub member: Uuid,
    pub principal: Decimal,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub enum OpenLoanDecision {
    /// Imported as CANCELED, for this reason.
    Cancel(String),
    /// Not imported (nor its installments, repayments and documents), for this reason.
    Refuse(String),
}

/// A loan's imported installments: what they sum to, and the last one.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScheduleFact {
    pub principal: Decimal,
    pub last: Option<(i32, Uuid)>,
}

/// An open loan met while reading, to settle conflicts at the end.
struct OpenLoan {
    id: Uuid,
    number: String,
    status: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// Reads the whole file once.
pub fn gather(input: impl BufRead, mut progress: impl FnMut(u64)) -> Result<Facts, LegacyError> {
    let mut file = LegacyFile::open(input)?;
    let mut facts = Facts::default();
    let mut open: HashMap<Uuid, Vec<OpenLoan>> = HashMap::new();
    let mut user_emails: HashMap<String, Uuid> = HashMap::new();
    let mut sequences: HashSet<(Uuid, i32)> = HashSet::new();
    loop {
        let offset = file.offset();
        let (array, index, json) = match file.step()? {
            Event::End => break,
            Event::Array(_) => continue,
            Event::Row(array, index, json) => (array, index, json),
        };
        let row = Row::parse(array, json).map_err(|message| LegacyError::Row {
            array,
            index,
            message,
        })?;
        progress(offset);
        facts.learn(row, &mut open, &mut user_emails, &mut sequences);
    }
    facts.metadata = Some(file.metadata().clone());
    facts.settle_open_loans(open);
    Ok(facts)
}

impl Facts {
    fn learn(
        &mut self,
        row: Row,
        open: &mut HashMap<Uuid, Vec<OpenLoan>>,
        user_emails: &mut HashMap<String, Uuid>,
        sequences: &mut HashSet<(Uuid, i32)>,
    ) {
        match row {
            Row::User(user) => {
                let id = legacy_uuid(&user.id);
                let live = user.deleted_at.is_none();
                let normalised = email::normalize(&user.email);
                let invalid_email = normalised.is_err();
                let email = normalised.unwrap_or_else(|_| user.email.trim().to_lowercase());
                if live && user.role == "ADMIN" && self.first_admin.is_none() {
                    self.first_admin = Some(id);
                }
                let duplicate_of = if live && !invalid_email {
                    match user_emails.get(&email) {
                        Some(&first) => Some(first),
                        None => {
                            user_emails.insert(email.clone(), id);
                            None
                        }
                    }
                } else {
                    None
                };
                self.users.insert(
                    user.id,
                    UserFact {
                        id,
                        email,
                        live,
                        supervisor: user.supervisor_id,
                        duplicate_of,
                        invalid_email,
                    },
                );
            }
            Row::Union(union) => {
                self.unions.insert(
                    legacy_uuid(&union.id),
                    legacy_uuid(&union.credit_officer_id),
                );
            }
            Row::UnionMember(member) => {
                let id = legacy_uuid(&member.id);
                self.members.insert(id);
                if let Some(number) = member.code.as_deref().and_then(member_code_number) {
                    self.max_member_code = self.max_member_code.max(number);
                }
                if member.deleted_at.is_none()
                    && let Some(address) = member.email.as_deref()
                    && let Ok(address) = email::normalize(address)
                {
                    self.member_emails.entry(address).or_insert(id);
                }
            }
            Row::LoanType(product) => {
                self.loan_types.insert(legacy_uuid(&product.id));
            }
            Row::DocumentType(kind) => {
                self.document_types.insert(legacy_uuid(&kind.id));
            }
            Row::Loan(loan) => self.learn_loan(&loan, open),
            Row::ScheduleItem(item) => {
                let id = legacy_uuid(&item.id);
                let loan = legacy_uuid(&item.loan_id);
                if !sequences.insert((loan, item.sequence)) {
                    // A second installment with the same number: refused in the second pass.
                    return;
                }
                self.items.insert(id);
                let loan_deleted = self.loans.get(&loan).is_some_and(|fact| fact.deleted);
                if item.deleted_at.is_none() || loan_deleted {
                    let schedule = self.schedules.entry(loan).or_default();
                    schedule.principal += item.principal_due.0;
                    if schedule
                        .last
                        .is_none_or(|(sequence, _)| item.sequence > sequence)
                    {
                        schedule.last = Some((item.sequence, id));
                    }
                }
            }
            Row::Repayment(repayment) => {
                self.repayments.insert(
                    legacy_uuid(&repayment.id),
                    (
                        legacy_uuid(&repayment.loan_id),
                        repayment.deleted_at.is_none(),
                    ),
                );
            }
            _ => {}
        }
    }

    fn learn_loan(&mut self, loan: &rows::Loan, open: &mut HashMap<Uuid, Vec<OpenLoan>>) {
        let id = legacy_uuid(&loan.id);
        let member = legacy_uuid(&loan.union_member_id);
        if let Some(number) = loan_number(&loan.loan_number) {
            self.max_loan_number = self.max_loan_number.max(number);
        }
        self.loans.insert(
            id,
            LoanFact {
                legacy_id: loan.id.clone(),
                number: loan.loan_number.clone(),
                member,
                principal: loan.principal_amount.0,
                deleted: loan.deleted_at.is_some(),
            },
        );
        if loan.loan_type_id.is_none() {
            let bounds = Bounds {
                min_amount: loan.principal_amount.0,
                max_amount: loan.principal_amount.0,
                min_term: loan.term_count,
                max_term: loan.term_count,
            };
            self.productless = Some(match self.productless {
                None => bounds,
                Some(known) => Bounds {
                    min_amount: known.min_amount.min(bounds.min_amount),
                    max_amount: known.max_amount.max(bounds.max_amount),
                    min_term: known.min_term.min(bounds.min_term),
                    max_term: known.max_term.max(bounds.max_term),
                },
            });
        }
        if loan.deleted_at.is_none() && is_open(&loan.status) {
            open.entry(member).or_default().push(OpenLoan {
                id,
                number: loan.loan_number.clone(),
                status: loan.status.clone(),
                created_at: loan.created_at,
            });
        }
    }

    /// Of a member's open loans, one stays open: the newest one that carries money, else the
    /// newest. The others are closed as CANCELED when they never lent anything (applications),
    /// and refused when they did (there is no telling which the member still owes).
    fn settle_open_loans(&mut self, open: HashMap<Uuid, Vec<OpenLoan>>) {
        for (_, mut loans) in open {
            if loans.len() < 2 {
                continue;
            }
            loans.sort_by_key(|loan| loan.created_at);
            let kept = loans
                .iter()
                .rposition(|loan| CARRIES_MONEY.contains(&loan.status.as_str()))
                .unwrap_or(loans.len() - 1);
            let kept_number = loans[kept].number.clone();
            for (index, loan) in loans.iter().enumerate() {
                if index == kept {
                    continue;
                }
                let decision = if CARRIES_MONEY.contains(&loan.status.as_str()) {
                    OpenLoanDecision::Refuse(format!(
                        "the member's loan {kept_number} is {} too, and one member has one open loan; settle the two by hand in the original system's figures",
                        loans[kept].status
                    ))
                } else {
                    OpenLoanDecision::Cancel(format!(
                        "stale {} closed at import: the member's loan {kept_number} is open, and one member has one open loan",
                        loan.status
                    ))
                };
                self.open_loan_decisions.insert(loan.id, decision);
            }
        }
    }
}

/// Whether a legacy loan status is one of the open ones (one per member).
pub fn is_open(status: &str) -> bool {
    status.parse::<LoanStatus>().is_ok_and(LoanStatus::is_open)
}

/// The number of a member code `MEMnnnnnn`.
pub fn member_code_number(code: &str) -> Option<u32> {
    let digits = code.strip_prefix("MEM")?;
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The number of a loan number `LNnnnnnnnn`.
pub fn loan_number(number: &str) -> Option<u32> {
    let digits = number.strip_prefix("LN")?;
    (digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_numbers_are_read_only_in_their_exact_form() {
        assert_eq!(member_code_number("MEM000149"), Some(149));
        assert_eq!(member_code_number("MEM149"), None);
        assert_eq!(member_code_number("mem000149"), None);
        assert_eq!(loan_number("LN00000120"), Some(120));
        assert_eq!(loan_number("LN0000012x"), None);
    }
}

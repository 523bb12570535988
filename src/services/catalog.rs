//! The catalogue: loan products and document types. Every member of staff reads them;
//! administrators create, edit, switch off, delete and restore them — each change in one
//! transaction with its audit row.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use scoped_futures::ScopedFutureExt;

use super::audit;
use super::{Caller, ServiceError, ServiceResult, check, optional, required};
use crate::db::document_types::{DocumentType, DocumentTypeFields, DocumentTypeFilter};
use crate::db::loan_types::{LoanType, LoanTypeFields, LoanTypeFilter, LoanTypeOrderField};
use crate::db::page::{Page, Paged};
use crate::db::{self, DbConn, Direction, Listing};
use crate::domain::audit::{AuditAction, ENTITY_DOCUMENT_TYPE, ENTITY_LOAN_TYPE};
use crate::domain::permissions;
use crate::domain::products::{self, InterestMethod, ProductTerms, TermUnit};
use crate::domain::unions::plural;
use crate::domain::{DocumentTypeId, LoanTypeId};
use crate::state::AppState;

fn loan_type_not_found() -> ServiceError {
    ServiceError::NotFound("Loan type not found.".into())
}

fn document_type_not_found() -> ServiceError {
    ServiceError::NotFound("Document type not found.".into())
}

fn manage(caller: &Caller) -> ServiceResult<()> {
    check(
        permissions::can_manage_configuration(&caller.actor),
        "Record",
    )
}

// ----- loan products ------------------------------------------------------------------------

pub async fn loan_type(
    state: &AppState,
    caller: &Caller,
    id: LoanTypeId,
    include_deleted: bool,
) -> ServiceResult<LoanType> {
    let include_deleted = caller.include_deleted(include_deleted)?;
    let mut conn = state.db.get().await?;
    db::loan_types::find(&mut conn, id, include_deleted)
        .await?
        .ok_or_else(loan_type_not_found)
}

pub async fn loan_types(
    state: &AppState,
    caller: &Caller,
    filter: &LoanTypeFilter,
    order: (LoanTypeOrderField, Direction),
    listing: Listing,
    page: Page,
) -> ServiceResult<Paged<LoanType>> {
    caller.include_deleted(listing.include_deleted)?;
    let mut conn = state.db.get().await?;
    Ok(db::loan_types::list(&mut conn, filter, order, listing, page).await?)
}

/// A loan product's fields as entered; in an edit, `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct LoanTypeInput {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub min_amount: Option<Decimal>,
    pub max_amount: Option<Decimal>,
    pub term_unit: Option<TermUnit>,
    pub min_term: Option<i32>,
    pub max_term: Option<i32>,
    pub interest_rate: Option<Decimal>,
    pub interest_method: Option<InterestMethod>,
    pub default_processing_fee: Option<Decimal>,
    pub default_penalty_fee_per_day: Option<Decimal>,
    pub is_active: Option<bool>,
}

fn need<T>(value: Option<T>, field: &str) -> ServiceResult<T> {
    value.ok_or_else(|| ServiceError::bad_input(field, "This field is required."))
}

impl LoanTypeInput {
    /// The fields of a new product (`current` is `None`) or of an edited one, checked.
    fn fields(&self, current: Option<&LoanType>) -> ServiceResult<LoanTypeFields> {
        let base = current.map(LoanTypeFields::from);
        let name = match (&self.name, &base) {
            (Some(name), _) => required("name", name)?,
            (None, Some(base)) => base.name.clone(),
            (None, None) => return Err(ServiceError::bad_input("name", "This field is required.")),
        };
        let pick = |given: Option<Decimal>, current: Option<Decimal>, default: Option<Decimal>| {
            given.or(current).or(default)
        };
        let fields = LoanTypeFields {
            name,
            description: match &self.description {
                Some(value) => optional(value.as_deref()),
                None => base.as_ref().and_then(|base| base.description.clone()),
            },
            min_amount: need(
                pick(self.min_amount, base.as_ref().map(|b| b.min_amount), None),
                "minAmount",
            )?,
            max_amount: need(
                pick(self.max_amount, base.as_ref().map(|b| b.max_amount), None),
                "maxAmount",
            )?,
            term_unit: need(
                self.term_unit.or(base.as_ref().map(|b| b.term_unit)),
                "termUnit",
            )?,
            min_term: need(
                self.min_term.or(base.as_ref().map(|b| b.min_term)),
                "minTerm",
            )?,
            max_term: need(
                self.max_term.or(base.as_ref().map(|b| b.max_term)),
                "maxTerm",
            )?,
            interest_rate: pick(
                self.interest_rate,
                base.as_ref().map(|b| b.interest_rate),
                Some(Decimal::ZERO),
            )
            .unwrap_or_default(),
            interest_method: self
                .interest_method
                .or(base.as_ref().map(|b| b.interest_method))
                .unwrap_or(InterestMethod::Flat),
            default_processing_fee: pick(
                self.default_processing_fee,
                base.as_ref().map(|b| b.default_processing_fee),
                Some(Decimal::ZERO),
            )
            .unwrap_or_default(),
            default_penalty_fee_per_day: pick(
                self.default_penalty_fee_per_day,
                base.as_ref().map(|b| b.default_penalty_fee_per_day),
                Some(Decimal::ZERO),
            )
            .unwrap_or_default(),
            is_active: self
                .is_active
                .or(base.as_ref().map(|b| b.is_active))
                .unwrap_or(true),
        };
        products::check_terms(&ProductTerms {
            min_amount: fields.min_amount,
            max_amount: fields.max_amount,
            min_term: fields.min_term,
            max_term: fields.max_term,
            interest_rate: fields.interest_rate,
            default_processing_fee: fields.default_processing_fee,
            default_penalty_fee_per_day: fields.default_penalty_fee_per_day,
        })
        .map_err(|(field, message)| ServiceError::bad_input(field, message))?;
        Ok(fields)
    }
}

async fn loan_type_name_free(
    conn: &mut DbConn,
    name: &str,
    except: Option<LoanTypeId>,
) -> ServiceResult<()> {
    if db::loan_types::name_taken(conn, name, except).await? {
        return Err(ServiceError::Conflict {
            field: Some("name".into()),
            message: "A loan product with this name already exists.".into(),
        });
    }
    Ok(())
}

async fn lock_loan_type(
    conn: &mut DbConn,
    id: LoanTypeId,
    include_deleted: bool,
) -> ServiceResult<LoanType> {
    // The products are few and changed rarely: SERIALIZABLE orders concurrent edits.
    db::loan_types::find(conn, id, include_deleted)
        .await?
        .ok_or_else(loan_type_not_found)
}

pub async fn create_loan_type(
    state: &AppState,
    caller: &Caller,
    input: &LoanTypeInput,
) -> ServiceResult<LoanType> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        create_loan_type_in(conn, caller, input, now).scope_boxed()
    })
    .await
}

/// [`create_loan_type`] in the caller's transaction.
pub async fn create_loan_type_in(
    conn: &mut DbConn,
    caller: &Caller,
    input: &LoanTypeInput,
    now: DateTime<Utc>,
) -> ServiceResult<LoanType> {
    manage(caller)?;
    let fields = input.fields(None)?;
    loan_type_name_free(conn, &fields.name, None).await?;
    let row = db::loan_types::insert(conn, &fields, now).await?;
    audit::change(
        conn,
        caller,
        AuditAction::LoanTypeCreated,
        ENTITY_LOAN_TYPE,
        row.id.0,
        None::<&LoanType>,
        Some(&row),
        now,
    )
    .await?;
    Ok(row)
}

/// Edits a product. Loans already made keep the terms copied onto them.
pub async fn update_loan_type(
    state: &AppState,
    caller: &Caller,
    id: LoanTypeId,
    input: &LoanTypeInput,
) -> ServiceResult<LoanType> {
    manage(caller)?;
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let before = lock_loan_type(conn, id, false).await?;
            let fields = input.fields(Some(&before))?;
            loan_type_name_free(conn, &fields.name, Some(id)).await?;
            let after = db::loan_types::update(conn, id, &fields, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::LoanTypeUpdated,
                ENTITY_LOAN_TYPE,
                id.0,
                Some(&before),
                Some(&after),
                now,
            )
            .await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

/// Soft-deletes a product no live loan uses.
pub async fn delete_loan_type(
    state: &AppState,
    caller: &Caller,
    id: LoanTypeId,
) -> ServiceResult<LoanType> {
    manage(caller)?;
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let before = lock_loan_type(conn, id, false).await?;
            let loans = db::loans::count_of_loan_type(conn, id).await?;
            if loans > 0 {
                return Err(ServiceError::conflict(format!(
                    "This loan product is used by {}; switch it off instead (setLoanTypeActive).",
                    plural(loans, "loan", "loans")
                )));
            }
            let after = db::loan_types::set_deleted(conn, id, Some(now), now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::LoanTypeDeleted,
                ENTITY_LOAN_TYPE,
                id.0,
                Some(&before),
                Some(&after),
                now,
            )
            .await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

pub async fn restore_loan_type(
    state: &AppState,
    caller: &Caller,
    id: LoanTypeId,
) -> ServiceResult<LoanType> {
    manage(caller)?;
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let before = lock_loan_type(conn, id, true).await?;
            if before.deleted_at.is_none() {
                return Err(ServiceError::conflict("This loan product is not deleted."));
            }
            loan_type_name_free(conn, &before.name, Some(id)).await?;
            let after = db::loan_types::set_deleted(conn, id, None, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::LoanTypeRestored,
                ENTITY_LOAN_TYPE,
                id.0,
                Some(&before),
                Some(&after),
                now,
            )
            .await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

// ----- document types -----------------------------------------------------------------------

pub async fn document_type(
    state: &AppState,
    caller: &Caller,
    id: DocumentTypeId,
    include_deleted: bool,
) -> ServiceResult<DocumentType> {
    let include_deleted = caller.include_deleted(include_deleted)?;
    let mut conn = state.db.get().await?;
    db::document_types::find(&mut conn, id, include_deleted)
        .await?
        .ok_or_else(document_type_not_found)
}

pub async fn document_types(
    state: &AppState,
    caller: &Caller,
    filter: &DocumentTypeFilter,
    listing: Listing,
    page: Page,
) -> ServiceResult<Paged<DocumentType>> {
    caller.include_deleted(listing.include_deleted)?;
    let mut conn = state.db.get().await?;
    Ok(db::document_types::list(&mut conn, filter, listing, page).await?)
}

/// A document type's fields as entered; in an edit, `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct DocumentTypeInput {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub is_active: Option<bool>,
}

impl DocumentTypeInput {
    fn fields(&self, current: Option<&DocumentType>) -> ServiceResult<DocumentTypeFields> {
        let name = match (&self.name, current) {
            (Some(name), _) => required("name", name)?,
            (None, Some(current)) => current.name.clone(),
            (None, None) => return Err(ServiceError::bad_input("name", "This field is required.")),
        };
        let code = products::document_code(&name).ok_or_else(|| {
            ServiceError::bad_input("name", "A name needs at least one letter or digit.")
        })?;
        Ok(DocumentTypeFields {
            code,
            name,
            description: match &self.description {
                Some(value) => optional(value.as_deref()),
                None => current.and_then(|current| current.description.clone()),
            },
            is_active: self
                .is_active
                .or(current.map(|current| current.is_active))
                .unwrap_or(true),
        })
    }
}

async fn document_code_free(
    conn: &mut DbConn,
    code: &str,
    except: Option<DocumentTypeId>,
) -> ServiceResult<()> {
    if db::document_types::code_taken(conn, code, except).await? {
        return Err(ServiceError::Conflict {
            field: Some("name".into()),
            message: format!("A document type with this name (code {code}) already exists."),
        });
    }
    Ok(())
}

async fn lock_document_type(
    conn: &mut DbConn,
    id: DocumentTypeId,
    include_deleted: bool,
) -> ServiceResult<DocumentType> {
    db::document_types::find(conn, id, include_deleted)
        .await?
        .ok_or_else(document_type_not_found)
}

pub async fn create_document_type(
    state: &AppState,
    caller: &Caller,
    input: &DocumentTypeInput,
) -> ServiceResult<DocumentType> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        create_document_type_in(conn, caller, input, now).scope_boxed()
    })
    .await
}

/// [`create_document_type`] in the caller's transaction.
pub async fn create_document_type_in(
    conn: &mut DbConn,
    caller: &Caller,
    input: &DocumentTypeInput,
    now: DateTime<Utc>,
) -> ServiceResult<DocumentType> {
    manage(caller)?;
    let fields = input.fields(None)?;
    document_code_free(conn, &fields.code, None).await?;
    let row = db::document_types::insert(conn, &fields, now).await?;
    audit::change(
        conn,
        caller,
        AuditAction::DocumentTypeCreated,
        ENTITY_DOCUMENT_TYPE,
        row.id.0,
        None::<&DocumentType>,
        Some(&row),
        now,
    )
    .await?;
    Ok(row)
}

pub async fn update_document_type(
    state: &AppState,
    caller: &Caller,
    id: DocumentTypeId,
    input: &DocumentTypeInput,
) -> ServiceResult<DocumentType> {
    manage(caller)?;
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let before = lock_document_type(conn, id, false).await?;
            let fields = input.fields(Some(&before))?;
            document_code_free(conn, &fields.code, Some(id)).await?;
            let after = db::document_types::update(conn, id, &fields, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::DocumentTypeUpdated,
                ENTITY_DOCUMENT_TYPE,
                id.0,
                Some(&before),
                Some(&after),
                now,
            )
            .await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

/// Soft-deletes a document type no live document uses.
pub async fn delete_document_type(
    state: &AppState,
    caller: &Caller,
    id: DocumentTypeId,
) -> ServiceResult<DocumentType> {
    manage(caller)?;
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let before = lock_document_type(conn, id, false).await?;
            let documents = db::document_types::documents_using(conn, id).await?;
            if documents > 0 {
                return Err(ServiceError::conflict(format!(
                    "This document type is used by {}; switch it off instead.",
                    plural(documents, "document", "documents")
                )));
            }
            let after = db::document_types::set_deleted(conn, id, Some(now), now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::DocumentTypeDeleted,
                ENTITY_DOCUMENT_TYPE,
                id.0,
                Some(&before),
                Some(&after),
                now,
            )
            .await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

pub async fn restore_document_type(
    state: &AppState,
    caller: &Caller,
    id: DocumentTypeId,
) -> ServiceResult<DocumentType> {
    manage(caller)?;
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let before = lock_document_type(conn, id, true).await?;
            if before.deleted_at.is_none() {
                return Err(ServiceError::conflict("This document type is not deleted."));
            }
            document_code_free(conn, &before.code, Some(id)).await?;
            let after = db::document_types::set_deleted(conn, id, None, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::DocumentTypeRestored,
                ENTITY_DOCUMENT_TYPE,
                id.0,
                Some(&before),
                Some(&after),
                now,
            )
            .await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}

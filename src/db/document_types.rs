//! `document_types`: the kinds of document staff upload (national ID, utility bill, …).

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::page::{self, Page, Paged};
use super::schema::{document_types, loan_documents, union_member_documents};
use super::{DbConn, Listing, like_pattern};
use crate::domain::DocumentTypeId;

/// A row of `document_types`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = document_types, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct DocumentType {
    pub id: DocumentTypeId,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A document type's own fields, as created or replaced by an edit.
#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = document_types, treat_none_as_null = true)]
pub struct DocumentTypeFields {
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub is_active: bool,
}

/// What `documentTypes(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DocumentTypeFilter {
    pub is_active: Option<bool>,
    /// Part of the name, code or description, any case.
    pub search: Option<String>,
}

fn filtered(
    filter: &DocumentTypeFilter,
    listing: Listing,
) -> document_types::BoxedQuery<'static, Pg> {
    let mut query = document_types::table.into_boxed();
    if !listing.include_deleted {
        query = query.filter(document_types::deleted_at.is_null());
    }
    if let Some(active) = filter.is_active {
        query = query.filter(document_types::is_active.eq(active));
    }
    if let Some(pattern) = filter.search.as_deref().and_then(like_pattern) {
        query = query.filter(
            document_types::name
                .ilike(pattern.clone())
                .or(document_types::code.ilike(pattern.clone()))
                .or(document_types::description.ilike(pattern).assume_not_null()),
        );
    }
    query
}

pub async fn find(
    conn: &mut DbConn,
    id: DocumentTypeId,
    include_deleted: bool,
) -> QueryResult<Option<DocumentType>> {
    let mut query = document_types::table
        .filter(document_types::id.eq(id))
        .into_boxed();
    if !include_deleted {
        query = query.filter(document_types::deleted_at.is_null());
    }
    query
        .select(DocumentType::as_select())
        .first(conn)
        .await
        .optional()
}

/// The document types among `ids`, deleted ones included (a document keeps showing its type);
/// for loaders (every member of staff reads the catalogue, so the scope does not narrow it).
pub async fn find_many(
    conn: &mut DbConn,
    ids: &[DocumentTypeId],
    _scope: crate::domain::permissions::Scope,
) -> QueryResult<Vec<DocumentType>> {
    document_types::table
        .filter(document_types::id.eq_any(ids))
        .select(DocumentType::as_select())
        .load(conn)
        .await
}

/// One page of the document types, by name.
pub async fn list(
    conn: &mut DbConn,
    filter: &DocumentTypeFilter,
    listing: Listing,
    page: Page,
) -> QueryResult<Paged<DocumentType>> {
    let count = listing
        .want_total
        .then(|| filtered(filter, listing).select(count_star()));
    page::load_page!(
        conn,
        filtered(filter, listing)
            .order_by((document_types::name.asc(), document_types::id.asc()))
            .select(DocumentType::as_select()),
        count,
        page
    )
}

pub async fn insert(
    conn: &mut DbConn,
    fields: &DocumentTypeFields,
    now: DateTime<Utc>,
) -> QueryResult<DocumentType> {
    diesel::insert_into(document_types::table)
        .values((
            fields,
            document_types::created_at.eq(now),
            document_types::updated_at.eq(now),
        ))
        .returning(DocumentType::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(
    conn: &mut DbConn,
    id: DocumentTypeId,
    fields: &DocumentTypeFields,
    now: DateTime<Utc>,
) -> QueryResult<DocumentType> {
    diesel::update(document_types::table.find(id))
        .set((fields, document_types::updated_at.eq(now)))
        .returning(DocumentType::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_deleted(
    conn: &mut DbConn,
    id: DocumentTypeId,
    deleted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<DocumentType> {
    diesel::update(document_types::table.find(id))
        .set((
            document_types::deleted_at.eq(deleted_at),
            document_types::updated_at.eq(now),
        ))
        .returning(DocumentType::as_returning())
        .get_result(conn)
        .await
}

/// Whether a live document type other than `except` has `code`.
pub async fn code_taken(
    conn: &mut DbConn,
    code: &str,
    except: Option<DocumentTypeId>,
) -> QueryResult<bool> {
    let mut query = document_types::table
        .filter(document_types::code.eq(code))
        .filter(document_types::deleted_at.is_null())
        .select(document_types::id)
        .into_boxed();
    if let Some(except) = except {
        query = query.filter(document_types::id.ne(except));
    }
    diesel::select(diesel::dsl::exists(query))
        .get_result(conn)
        .await
}

/// How many live documents (of members and loans) are of this type.
pub async fn documents_using(conn: &mut DbConn, id: DocumentTypeId) -> QueryResult<i64> {
    let members: i64 = union_member_documents::table
        .filter(union_member_documents::document_type_id.eq(id))
        .filter(union_member_documents::deleted_at.is_null())
        .select(count_star())
        .get_result(conn)
        .await?;
    let loans: i64 = loan_documents::table
        .filter(loan_documents::document_type_id.eq(id))
        .filter(loan_documents::deleted_at.is_null())
        .select(count_star())
        .get_result(conn)
        .await?;
    Ok(members + loans)
}

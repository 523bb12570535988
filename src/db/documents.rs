//! `union_member_documents` and `loan_documents`: the files uploaded for members and loans,
//! read and written as one [`Document`] whose [`DocumentOwner`] says which table holds it. The
//! two tables differ only in the owner's column, so one macro writes the queries of both and
//! they cannot drift apart.
//!
//! Scope: a member's document is visible when its member is (the member's union in scope), a
//! loan's when its loan is. Without `include_deleted`, a deleted document — or one of a deleted
//! member or loan — is hidden.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::{DbConn, scope};
use crate::domain::permissions::Scope;
use crate::domain::{DocumentId, DocumentTypeId, LoanId, UnionMemberId, UserId};

/// Whose document it is: a member's or a loan's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DocumentOwner {
    #[serde(rename = "unionMemberId")]
    Member(UnionMemberId),
    #[serde(rename = "loanId")]
    Loan(LoanId),
}

/// A document of either table (serialised for the audit trail with `unionMemberId` or
/// `loanId`, as its table names the owner).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub id: DocumentId,
    #[serde(flatten)]
    pub owner: DocumentOwner,
    #[serde(flatten)]
    pub details: DocumentDetails,
}

/// Everything of a document but its id and owner: the columns both tables share.
#[derive(Debug, Clone, PartialEq, Queryable, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentDetails {
    pub document_type_id: DocumentTypeId,
    /// The object's key in the store (`documents/<uuid>`), never shown to clients.
    pub storage_key: String,
    /// The name shown and downloaded under (cleaned from the client's).
    pub file_name: String,
    /// The media type found from the content.
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content, checked on every download.
    pub sha256: String,
    pub issuing_authority: Option<String>,
    pub issue_date: Option<NaiveDate>,
    pub expiry_date: Option<NaiveDate>,
    pub verified: bool,
    pub verification_notes: Option<String>,
    pub verified_by_user_id: Option<UserId>,
    pub verified_at: Option<DateTime<Utc>>,
    pub uploaded_by_user_id: UserId,
    pub uploaded_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// The file is not in this system's store: an imported document whose storage key is the
    /// original system's URL or path.
    pub external: bool,
}

/// A document to store; `now` is its upload, creation and last change.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub document_type_id: DocumentTypeId,
    pub storage_key: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub issuing_authority: Option<&'a str>,
    pub issue_date: Option<NaiveDate>,
    pub expiry_date: Option<NaiveDate>,
    pub uploaded_by_user_id: UserId,
    pub now: DateTime<Utc>,
}

/// A document's verification as set: by whom and when are `None` when it is unverified.
#[derive(Debug, Clone)]
pub struct Verification<'a> {
    pub verified: bool,
    pub notes: Option<&'a str>,
    pub by: Option<UserId>,
    pub at: Option<DateTime<Utc>>,
}

/// The columns of a documents table `$docs` with owner column `$owner`, in the shape of a
/// [`Document`] row: id, owner id, details. The same tokens serve as the select's type and value.
macro_rules! document_columns {
    ($docs:ident, $owner:ident) => {
        (
            $docs::id,
            $docs::$owner,
            (
                $docs::document_type_id,
                $docs::storage_key,
                $docs::file_name,
                $docs::content_type,
                $docs::size_bytes,
                $docs::sha256,
                $docs::issuing_authority,
                $docs::issue_date,
                $docs::expiry_date,
                $docs::verified,
                $docs::verification_notes,
                $docs::verified_by_user_id,
                $docs::verified_at,
                $docs::uploaded_by_user_id,
                $docs::uploaded_at,
                $docs::created_at,
                $docs::updated_at,
                $docs::deleted_at,
                $docs::external,
            ),
        )
    };
}

/// The queries of one documents table: `$table` with owner column `$owner_column` (ids of
/// type `$owner_id`, rows of `$owners`, owner `DocumentOwner::$variant`).
macro_rules! document_table {
    ($module:ident: $table:ident.$owner_column:ident => $variant:ident($owner_id:ty), $owners:ident) => {
        mod $module {
            use super::*;
            use crate::db::schema::$owners as owners;
            use crate::db::schema::$table as docs;

            type Columns = document_columns!(docs, $owner_column);
            const COLUMNS: Columns = document_columns!(docs, $owner_column);

            type Row = (DocumentId, $owner_id, DocumentDetails);

            fn document((id, owner, details): Row) -> Document {
                Document {
                    id,
                    owner: DocumentOwner::$variant(owner),
                    details,
                }
            }

            /// The documents whose owner is in `scope`; deleted ones (or ones of a deleted
            /// owner) only with `include_deleted`.
            fn visible(scope: Scope, include_deleted: bool) -> scope::Condition<docs::table> {
                let mut visible_owners = owners::table
                    .select(owners::id)
                    .filter(scope::union_owned(owners::union_id, scope))
                    .into_boxed();
                if include_deleted {
                    return Box::new(docs::$owner_column.eq_any(visible_owners));
                }
                visible_owners = visible_owners.filter(owners::deleted_at.is_null());
                Box::new(
                    docs::$owner_column
                        .eq_any(visible_owners)
                        .and(docs::deleted_at.is_null()),
                )
            }

            pub async fn find(
                conn: &mut DbConn,
                id: DocumentId,
                scope: Scope,
                include_deleted: bool,
            ) -> QueryResult<Option<Document>> {
                docs::table
                    .filter(docs::id.eq(id))
                    .filter(visible(scope, include_deleted))
                    .select(COLUMNS)
                    .first::<Row>(conn)
                    .await
                    .optional()
                    .map(|row| row.map(document))
            }

            pub async fn of_owners(
                conn: &mut DbConn,
                owner_ids: &[$owner_id],
                scope: Scope,
                include_deleted: bool,
            ) -> QueryResult<Vec<Document>> {
                let rows: Vec<Row> = docs::table
                    .filter(docs::$owner_column.eq_any(owner_ids))
                    .filter(visible(scope, include_deleted))
                    .order_by((docs::$owner_column, docs::uploaded_at, docs::id))
                    .select(COLUMNS)
                    .load(conn)
                    .await?;
                Ok(rows.into_iter().map(document).collect())
            }

            pub async fn insert(
                conn: &mut DbConn,
                owner: $owner_id,
                new: &NewDocument<'_>,
            ) -> QueryResult<Document> {
                diesel::insert_into(docs::table)
                    .values((
                        docs::$owner_column.eq(owner),
                        docs::document_type_id.eq(new.document_type_id),
                        docs::storage_key.eq(new.storage_key),
                        docs::file_name.eq(new.file_name),
                        docs::content_type.eq(new.content_type),
                        docs::size_bytes.eq(new.size_bytes),
                        docs::sha256.eq(new.sha256),
                        docs::issuing_authority.eq(new.issuing_authority),
                        docs::issue_date.eq(new.issue_date),
                        docs::expiry_date.eq(new.expiry_date),
                        docs::uploaded_by_user_id.eq(new.uploaded_by_user_id),
                        docs::uploaded_at.eq(new.now),
                        docs::created_at.eq(new.now),
                        docs::updated_at.eq(new.now),
                    ))
                    .returning(COLUMNS)
                    .get_result::<Row>(conn)
                    .await
                    .map(document)
            }

            pub async fn set_verification(
                conn: &mut DbConn,
                id: DocumentId,
                verification: &Verification<'_>,
                now: DateTime<Utc>,
            ) -> QueryResult<Document> {
                diesel::update(docs::table.find(id))
                    .set((
                        docs::verified.eq(verification.verified),
                        docs::verification_notes.eq(verification.notes),
                        docs::verified_by_user_id.eq(verification.by),
                        docs::verified_at.eq(verification.at),
                        docs::updated_at.eq(now),
                    ))
                    .returning(COLUMNS)
                    .get_result::<Row>(conn)
                    .await
                    .map(document)
            }

            pub async fn set_deleted(
                conn: &mut DbConn,
                id: DocumentId,
                deleted_at: Option<DateTime<Utc>>,
                now: DateTime<Utc>,
            ) -> QueryResult<Document> {
                diesel::update(docs::table.find(id))
                    .set((docs::deleted_at.eq(deleted_at), docs::updated_at.eq(now)))
                    .returning(COLUMNS)
                    .get_result::<Row>(conn)
                    .await
                    .map(document)
            }

            /// Those of `keys` that a row (deleted or not) stores its object under.
            pub async fn referenced(
                conn: &mut DbConn,
                keys: &[String],
            ) -> QueryResult<Vec<String>> {
                docs::table
                    .filter(docs::storage_key.eq_any(keys))
                    .select(docs::storage_key)
                    .load(conn)
                    .await
            }
        }
    };
}

document_table!(members: union_member_documents.union_member_id => Member(UnionMemberId), union_members);
document_table!(loans: loan_documents.loan_id => Loan(LoanId), loans);

/// A document by id from either table, if it exists and is in scope.
pub async fn find(
    conn: &mut DbConn,
    id: DocumentId,
    scope: Scope,
    include_deleted: bool,
) -> QueryResult<Option<Document>> {
    match members::find(conn, id, scope, include_deleted).await? {
        Some(document) => Ok(Some(document)),
        None => loans::find(conn, id, scope, include_deleted).await,
    }
}

/// The documents of the members among `ids` (in scope), oldest upload first; for loaders.
pub async fn of_members(
    conn: &mut DbConn,
    ids: &[UnionMemberId],
    scope: Scope,
    include_deleted: bool,
) -> QueryResult<Vec<Document>> {
    members::of_owners(conn, ids, scope, include_deleted).await
}

/// The documents of the loans among `ids` (in scope), oldest upload first; for loaders.
pub async fn of_loans(
    conn: &mut DbConn,
    ids: &[LoanId],
    scope: Scope,
    include_deleted: bool,
) -> QueryResult<Vec<Document>> {
    loans::of_owners(conn, ids, scope, include_deleted).await
}

/// Runs `$call` with `$table` naming the module of the table that holds `$owner`'s documents.
macro_rules! in_table_of {
    ($owner:expr, $table:ident => $call:expr) => {
        match $owner {
            DocumentOwner::Member(_) => {
                use members as $table;
                $call
            }
            DocumentOwner::Loan(_) => {
                use loans as $table;
                $call
            }
        }
    };
}

pub async fn insert(
    conn: &mut DbConn,
    owner: DocumentOwner,
    new: &NewDocument<'_>,
) -> QueryResult<Document> {
    match owner {
        DocumentOwner::Member(member) => members::insert(conn, member, new).await,
        DocumentOwner::Loan(loan) => loans::insert(conn, loan, new).await,
    }
}

pub async fn set_verification(
    conn: &mut DbConn,
    document: &Document,
    verification: &Verification<'_>,
    now: DateTime<Utc>,
) -> QueryResult<Document> {
    let id = document.id;
    in_table_of!(document.owner, table => table::set_verification(conn, id, verification, now).await)
}

pub async fn set_deleted(
    conn: &mut DbConn,
    document: &Document,
    deleted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<Document> {
    let id = document.id;
    in_table_of!(document.owner, table => table::set_deleted(conn, id, deleted_at, now).await)
}

/// Those of `keys` that some document row of either table (deleted ones included) stores its
/// object under: the objects the orphan sweep must keep.
pub async fn referenced_keys(conn: &mut DbConn, keys: &[String]) -> QueryResult<HashSet<String>> {
    let mut referenced: HashSet<String> =
        members::referenced(conn, keys).await?.into_iter().collect();
    referenced.extend(loans::referenced(conn, keys).await?);
    Ok(referenced)
}

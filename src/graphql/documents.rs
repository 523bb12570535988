//! Documents of members and loans: the `Document` type, `document`, `uploadUnionMemberDocument`,
//! `uploadLoanDocument`, `setDocumentVerified`, `deleteDocument`, `restoreDocument`, and the
//! lists behind `UnionMember.documents` and `Loan.documents`. Files arrive as GraphQL multipart
//! uploads (`http::multipart`) and leave only through `GET /files/{id}` (`downloadUrl`).

use async_graphql::{Context, Enum, ID, Object, Result, Upload};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::preload;
use super::scalars::{Date, parse_id};
use super::types::{DocumentType, Loan, UnionMember, User, found, id, loaded};
use crate::db;
use crate::db::documents::DocumentOwner;
use crate::domain::{DocumentId, DocumentTypeId, LoanId, UnionMemberId};
use crate::services::ServiceError;
use crate::services::documents::{self as service, UploadInput};

/// Whose document it is.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum DocumentOwnerType {
    /// A union member's (`unionMember`).
    Member,
    /// A loan's (`loan`).
    Loan,
}

/// A file uploaded for a member or a loan: an ID card, a utility bill, a signed agreement.
/// Its type is decided from its content (JPEG, PNG, PDF, DOC or DOCX); download it from
/// `downloadUrl` with your access token.
#[derive(Clone)]
pub struct Document(pub db::documents::Document);

#[Object]
impl Document {
    /// The record's id (a UUID).
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    /// Whether the document belongs to a member or to a loan.
    async fn owner_type(&self) -> DocumentOwnerType {
        match self.0.owner {
            DocumentOwner::Member(_) => DocumentOwnerType::Member,
            DocumentOwner::Loan(_) => DocumentOwnerType::Loan,
        }
    }

    /// The id of the member or the loan it belongs to.
    async fn owner_id(&self) -> ID {
        match self.0.owner {
            DocumentOwner::Member(member) => id(member),
            DocumentOwner::Loan(loan) => id(loan),
        }
    }

    /// The member, for a member's document.
    async fn union_member(&self, ctx: &Context<'_>) -> Result<Option<UnionMember>> {
        let DocumentOwner::Member(member) = self.0.owner else {
            return Ok(None);
        };
        Ok(found(ctx.loaders()?.member.load_one(member).await)?.map(UnionMember))
    }

    /// The loan, for a loan's document.
    async fn loan(&self, ctx: &Context<'_>) -> Result<Option<Loan>> {
        let DocumentOwner::Loan(loan) = self.0.owner else {
            return Ok(None);
        };
        Ok(found(ctx.loaders()?.loan.load_one(loan).await)?.map(Loan))
    }

    /// What kind of document it is (national ID card, utility bill, …).
    async fn document_type(&self, ctx: &Context<'_>) -> Result<Option<DocumentType>> {
        let kind = self.0.details.document_type_id;
        Ok(found(ctx.loaders()?.document_type.load_one(kind).await)?.map(DocumentType))
    }

    /// The uploaded file's name, cleaned: no folders or control characters, and an extension
    /// that matches the content.
    async fn file_name(&self) -> &str {
        &self.0.details.file_name
    }

    /// The media type found from the content (`image/jpeg`, `application/pdf`, …), whatever
    /// the uploader declared.
    async fn content_type(&self) -> &str {
        &self.0.details.content_type
    }

    /// The file's size in bytes.
    async fn size_bytes(&self) -> i64 {
        self.0.details.size_bytes
    }

    /// The SHA-256 of the content (hex), checked on every download.
    async fn sha256(&self) -> &str {
        &self.0.details.sha256
    }

    /// Who issued the document (e.g. NIMC for a national ID card).
    async fn issuing_authority(&self) -> Option<&str> {
        self.0.details.issuing_authority.as_deref()
    }

    /// When it was issued.
    async fn issue_date(&self) -> Option<Date> {
        self.0.details.issue_date.map(Date)
    }

    /// Not before `issueDate`.
    async fn expiry_date(&self) -> Option<Date> {
        self.0.details.expiry_date.map(Date)
    }

    /// Whether a supervisor or administrator has checked the document.
    async fn verified(&self) -> bool {
        self.0.details.verified
    }

    /// What the checker noted.
    async fn verification_notes(&self) -> Option<&str> {
        self.0.details.verification_notes.as_deref()
    }

    /// Who verified it (while it is verified).
    async fn verified_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(user) = self.0.details.verified_by_user_id else {
            return Ok(None);
        };
        Ok(found(ctx.loaders()?.user.load_one(user).await)?.map(User))
    }

    /// When it was verified (while it is verified).
    async fn verified_at(&self) -> Option<DateTime<Utc>> {
        self.0.details.verified_at
    }

    /// Who uploaded it.
    async fn uploaded_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let user = self.0.details.uploaded_by_user_id;
        Ok(found(ctx.loaders()?.user.load_one(user).await)?.map(User))
    }

    /// When it was uploaded.
    async fn uploaded_at(&self) -> DateTime<Utc> {
        self.0.details.uploaded_at
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.details.created_at
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.details.updated_at
    }

    /// When the document was deleted; only administrators see deleted documents
    /// (`includeDeleted`).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.details.deleted_at
    }

    /// The file stayed in the original system: an imported document, of which only the record
    /// is here. Its `downloadUrl` answers 404 saying so.
    async fn external(&self) -> bool {
        self.0.details.external
    }

    /// Where to download the file: `GET` this path with `Authorization: Bearer <token>`.
    async fn download_url(&self) -> String {
        format!("/files/{}", self.0.id)
    }
}

/// `UnionMember.documents`: the member's documents, oldest upload first.
pub(super) async fn of_member(
    ctx: &Context<'_>,
    member: UnionMemberId,
    include_deleted: bool,
) -> Result<Vec<Document>> {
    let include_deleted = ctx.request().caller()?.include_deleted(include_deleted)?;
    let loader = &ctx.loaders()?.documents_of_member;
    let rows = loaded(loader.load_one((member, include_deleted)).await)?;
    Ok(rows.unwrap_or_default().into_iter().map(Document).collect())
}

/// `Loan.documents`: the loan's documents, oldest upload first.
pub(super) async fn of_loan(
    ctx: &Context<'_>,
    loan: LoanId,
    include_deleted: bool,
) -> Result<Vec<Document>> {
    let include_deleted = ctx.request().caller()?.include_deleted(include_deleted)?;
    let loader = &ctx.loaders()?.documents_of_loan;
    let rows = loaded(loader.load_one((loan, include_deleted)).await)?;
    Ok(rows.unwrap_or_default().into_iter().map(Document).collect())
}

/// Both upload mutations, once their owner is known.
async fn upload(
    ctx: &Context<'_>,
    owner: DocumentOwner,
    document_type_id: &ID,
    file: &Upload,
    issuing_authority: Option<String>,
    issue_date: Option<Date>,
    expiry_date: Option<Date>,
) -> Result<Document> {
    let document_type_id: DocumentTypeId = parse_id(document_type_id, "documentTypeId")?;
    // Present for every marker the multipart reader wrote (and no request may write its own).
    let file = ctx
        .query_env
        .uploads
        .get(file.0)
        .ok_or_else(|| {
            ServiceError::bad_input("file", "Send the file as a part of a multipart request.")
        })?
        .try_clone()
        .map_err(ServiceError::internal)?;
    let input = UploadInput {
        document_type_id,
        // The client's content type is not kept: the content decides.
        file_name: file.filename,
        content: file.content,
        issuing_authority,
        issue_date: issue_date.map(Into::into),
        expiry_date: expiry_date.map(Into::into),
    };
    let caller = ctx.request().caller()?;
    let row = service::upload(ctx.state(), &caller, owner, input).await?;
    Ok(Document(row))
}

#[derive(Default)]
pub struct DocumentQuery;

#[Object]
impl DocumentQuery {
    /// A document by id, if its member or loan is in your scope (NOT_FOUND otherwise).
    #[graphql(guard = "LoggedIn")]
    async fn document(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] include_deleted: bool,
    ) -> Result<Document> {
        let id: DocumentId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        let row = service::get(ctx.state(), &caller, id, include_deleted).await?;
        preload::documents(ctx, vec![&row], preload::selection(ctx)).await?;
        Ok(Document(row))
    }
}

#[derive(Default)]
pub struct DocumentMutation;

#[Object]
impl DocumentMutation {
    /// Uploads a document of a member of your scope (a multipart request; at most
    /// `MAX_UPLOAD_BYTES` per file). JPEG, PNG, PDF, DOC and DOCX are accepted, as their
    /// content shows; the document type must be active.
    #[graphql(guard = "LoggedIn")]
    #[expect(
        clippy::too_many_arguments,
        reason = "the mutation's arguments are the API contract"
    )]
    async fn upload_union_member_document(
        &self,
        ctx: &Context<'_>,
        union_member_id: ID,
        document_type_id: ID,
        file: Upload,
        issuing_authority: Option<String>,
        issue_date: Option<Date>,
        expiry_date: Option<Date>,
    ) -> Result<Document> {
        let member: UnionMemberId = parse_id(&union_member_id, "unionMemberId")?;
        let owner = DocumentOwner::Member(member);
        upload(
            ctx,
            owner,
            &document_type_id,
            &file,
            issuing_authority,
            issue_date,
            expiry_date,
        )
        .await
    }

    /// Uploads a document of a loan of your scope; as `uploadUnionMemberDocument`.
    #[graphql(guard = "LoggedIn")]
    #[expect(
        clippy::too_many_arguments,
        reason = "the mutation's arguments are the API contract"
    )]
    async fn upload_loan_document(
        &self,
        ctx: &Context<'_>,
        loan_id: ID,
        document_type_id: ID,
        file: Upload,
        issuing_authority: Option<String>,
        issue_date: Option<Date>,
        expiry_date: Option<Date>,
    ) -> Result<Document> {
        let loan: LoanId = parse_id(&loan_id, "loanId")?;
        let owner = DocumentOwner::Loan(loan);
        upload(
            ctx,
            owner,
            &document_type_id,
            &file,
            issuing_authority,
            issue_date,
            expiry_date,
        )
        .await
    }

    /// Marks a document verified or not, with notes (administrators, or the officer's
    /// supervisor).
    #[graphql(guard = "LoggedIn")]
    async fn set_document_verified(
        &self,
        ctx: &Context<'_>,
        id: ID,
        verified: bool,
        notes: Option<String>,
    ) -> Result<Document> {
        let id: DocumentId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        let row =
            service::set_verified(ctx.state(), &caller, id, verified, notes.as_deref()).await?;
        Ok(Document(row))
    }

    /// Deletes a document of your scope; administrators can restore it.
    #[graphql(guard = "LoggedIn")]
    async fn delete_document(&self, ctx: &Context<'_>, id: ID) -> Result<Document> {
        let id: DocumentId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(Document(service::delete(ctx.state(), &caller, id).await?))
    }

    /// Restores a deleted document (administrators).
    #[graphql(guard = "LoggedIn")]
    async fn restore_document(&self, ctx: &Context<'_>, id: ID) -> Result<Document> {
        let id: DocumentId = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(Document(service::restore(ctx.state(), &caller, id).await?))
    }
}

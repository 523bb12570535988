//! Documents of members and loans (SPEC 8.3): uploading — the content checked, the object
//! stored first, then the row and its audit in one transaction —, reading in scope, verifying,
//! deleting and restoring, the checked download, and the sweep of stored objects that no row
//! refers to (an upload whose transaction failed or whose request was dropped midway).

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use scoped_futures::ScopedFutureExt;
use sha2::{Digest, Sha256};

use super::audit;
use super::{Caller, ServiceError, ServiceResult, check, optional};
use crate::db::documents::{Document, DocumentOwner, NewDocument, Verification};
use crate::db::{self, DbConn};
use crate::domain::audit::{AuditAction, ENTITY_DOCUMENT};
use crate::domain::documents::{self as rules, STORAGE_PREFIX};
use crate::domain::file_kind::{self, FileKind};
use crate::domain::permissions::{self, Owner, Scope};
use crate::domain::{DocumentId, DocumentTypeId, UnionId};
use crate::state::AppState;
use crate::storage::StorageResult;

const WHAT: &str = "Document";

fn not_found() -> ServiceError {
    ServiceError::NotFound("Document not found.".into())
}

/// A document by id, in the caller's scope (deleted ones for administrators who ask).
pub async fn get(
    state: &AppState,
    caller: &Caller,
    id: DocumentId,
    include_deleted: bool,
) -> ServiceResult<Document> {
    let include_deleted = caller.include_deleted(include_deleted)?;
    let mut conn = state.db.get().await?;
    db::documents::find(&mut conn, id, caller.scope(), include_deleted)
        .await?
        .ok_or_else(not_found)
}

/// The union of a document's owner, if the owner is in `scope` (and live, unless
/// `include_deleted`).
async fn owner_union(
    conn: &mut DbConn,
    owner: DocumentOwner,
    scope: Scope,
    include_deleted: bool,
) -> ServiceResult<Option<UnionId>> {
    Ok(match owner {
        DocumentOwner::Member(id) => db::union_members::find(conn, id, scope, include_deleted)
            .await?
            .map(|member| member.union_id),
        DocumentOwner::Loan(id) => db::loans::find(conn, id, scope, include_deleted)
            .await?
            .map(|loan| loan.union_id),
    })
}

/// Where a document's owner sits in the organisation (its union's officer and supervisor).
async fn place_of(conn: &mut DbConn, owner: DocumentOwner) -> ServiceResult<Owner> {
    let union_id = owner_union(conn, owner, Scope::All, true)
        .await?
        .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("a document without its owner")))?;
    let union = db::unions::find(conn, union_id, Scope::All, true)
        .await?
        .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("an owner without its union")))?;
    super::unions::owner_of(conn, &union).await
}

/// Checks that the caller may attach a document of `document_type_id` to `owner`: the owner
/// visible and live (else NOT_FOUND), the right to edit it, an active document type.
async fn check_target(
    conn: &mut DbConn,
    caller: &Caller,
    owner: DocumentOwner,
    document_type_id: DocumentTypeId,
) -> ServiceResult<()> {
    if owner_union(conn, owner, caller.scope(), false)
        .await?
        .is_none()
    {
        return Err(ServiceError::NotFound(
            match owner {
                DocumentOwner::Member(_) => "Union member not found.",
                DocumentOwner::Loan(_) => "Loan not found.",
            }
            .into(),
        ));
    }
    let place = place_of(conn, owner).await?;
    check(
        permissions::can_attach_document(&caller.actor, &place),
        WHAT,
    )?;
    db::document_types::find(conn, document_type_id, false)
        .await?
        .filter(|kind| kind.is_active)
        .ok_or_else(|| {
            ServiceError::bad_input("documentTypeId", "No active document type with this id.")
        })?;
    Ok(())
}

/// A file as uploaded, with what the uploader says about the document.
#[derive(Debug, Clone)]
pub struct UploadInput {
    pub document_type_id: DocumentTypeId,
    /// The client's file name: shown (cleaned), never used as a key.
    pub file_name: String,
    pub content: Bytes,
    pub issuing_authority: Option<String>,
    pub issue_date: Option<NaiveDate>,
    /// Not before `issue_date` (the database's check says so).
    pub expiry_date: Option<NaiveDate>,
}

/// What the content of an upload was found to be.
struct Examined {
    kind: FileKind,
    sha256: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Checks the content — not empty, within `limit`, a kind the loan book stores — and hashes
/// it, off the async threads.
async fn examine(content: Bytes, limit: usize) -> ServiceResult<Examined> {
    if content.is_empty() {
        return Err(ServiceError::bad_input("file", "The file is empty."));
    }
    if content.len() > limit {
        return Err(ServiceError::bad_input(
            "file",
            format!("The file is too large: the limit is {limit} bytes per file."),
        ));
    }
    let examined = tokio::task::spawn_blocking(move || {
        file_kind::sniff(&content).map(|kind| Examined {
            kind,
            sha256: sha256_hex(&content),
        })
    })
    .await
    .map_err(ServiceError::internal)?;
    examined.ok_or_else(|| {
        ServiceError::bad_input(
            "file",
            "The file is not a JPEG or PNG image, a PDF, or a Word document (DOC or DOCX); \
             its content decides, not its name.",
        )
    })
}

/// Stores an uploaded document of `owner`. Everything that can be checked is checked before
/// anything is stored; then the object is written under a new opaque key, and the row and its
/// audit entry are inserted in one transaction that checks the owner and type again. If that
/// transaction fails, the object is removed; if the request is dropped in between, the object
/// is left to [`remove_orphans`].
pub async fn upload(
    state: &AppState,
    caller: &Caller,
    owner: DocumentOwner,
    input: UploadInput,
) -> ServiceResult<Document> {
    let document_type_id = input.document_type_id;
    {
        let mut conn = state.db.get().await?;
        check_target(&mut conn, caller, owner, document_type_id).await?;
    }
    let size_bytes = i64::try_from(input.content.len()).map_err(ServiceError::internal)?;
    let examined = examine(input.content.clone(), state.config.limits.upload_bytes).await?;
    let file_name = rules::display_name(&input.file_name, examined.kind);
    let issuing_authority = optional(input.issuing_authority.as_deref());
    let key = rules::new_storage_key();
    let now = state.clock.now();
    {
        // In the ledger before the object exists: a crash from here on leaves an object the
        // sweep can tell from a committed one.
        let mut conn = state.db.get().await?;
        db::stored_objects::begin(&mut conn, &key, now).await?;
    }
    state
        .storage
        .put(&key, input.content)
        .await
        .map_err(ServiceError::internal)?;
    let new = NewDocument {
        document_type_id,
        storage_key: &key,
        file_name: &file_name,
        content_type: examined.kind.content_type(),
        size_bytes,
        sha256: &examined.sha256,
        issuing_authority: issuing_authority.as_deref(),
        issue_date: input.issue_date,
        expiry_date: input.expiry_date,
        uploaded_by_user_id: caller.actor.user_id,
        now,
    };
    let stored = super::transaction(state, |conn| {
        let new = &new;
        async move {
            check_target(conn, caller, owner, document_type_id).await?;
            let document = db::documents::insert(conn, owner, new).await?;
            db::stored_objects::commit(conn, new.storage_key, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::DocumentUploaded,
                ENTITY_DOCUMENT,
                document.id.0,
                None::<&Document>,
                Some(&document),
                now,
            )
            .await?;
            Ok(document)
        }
        .scope_boxed()
    })
    .await;
    if stored.is_err() {
        match state.storage.delete(&key).await {
            Ok(()) => {
                let mut conn = state.db.get().await?;
                db::stored_objects::forget(&mut conn, &key).await?;
            }
            Err(error) => {
                tracing::error!(key, error = %error, "could not remove the object of a failed upload");
            }
        }
    }
    stored
}

/// A document visible to the caller, for a change, with its owner's place.
async fn load_for_change(
    conn: &mut DbConn,
    caller: &Caller,
    id: DocumentId,
    include_deleted: bool,
) -> ServiceResult<(Document, Owner)> {
    let document = db::documents::find(conn, id, caller.scope(), include_deleted)
        .await?
        .ok_or_else(not_found)?;
    let place = place_of(conn, document.owner).await?;
    Ok((document, place))
}

/// Audits a change of `before` into `after`; `after`.
async fn audited(
    conn: &mut DbConn,
    caller: &Caller,
    action: AuditAction,
    before: &Document,
    after: Document,
    now: DateTime<Utc>,
) -> ServiceResult<Document> {
    let id = after.id.0;
    audit::change(
        conn,
        caller,
        action,
        ENTITY_DOCUMENT,
        id,
        Some(before),
        Some(&after),
        now,
    )
    .await?;
    Ok(after)
}

/// Marks a document verified or not (administrators, or the officer's supervisor), with notes.
/// Verifying records who and when; unverifying clears them (the audit trail keeps both).
pub async fn set_verified(
    state: &AppState,
    caller: &Caller,
    id: DocumentId,
    verified: bool,
    notes: Option<&str>,
) -> ServiceResult<Document> {
    let notes = optional(notes);
    let now = state.clock.now();
    super::transaction(state, |conn| {
        let notes = notes.as_deref();
        async move {
            let (before, place) = load_for_change(conn, caller, id, false).await?;
            check(
                permissions::can_verify_document(&caller.actor, &place),
                WHAT,
            )?;
            let verification = Verification {
                verified,
                notes,
                by: verified.then_some(caller.actor.user_id),
                at: verified.then_some(now),
            };
            let after = db::documents::set_verification(conn, &before, &verification, now).await?;
            audited(
                conn,
                caller,
                AuditAction::DocumentVerified,
                &before,
                after,
                now,
            )
            .await
        }
        .scope_boxed()
    })
    .await
}

/// Soft-deletes a document (whoever may edit its owner); its object stays for a restore.
pub async fn delete(state: &AppState, caller: &Caller, id: DocumentId) -> ServiceResult<Document> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let (before, place) = load_for_change(conn, caller, id, false).await?;
            check(
                permissions::can_attach_document(&caller.actor, &place),
                WHAT,
            )?;
            let after = db::documents::set_deleted(conn, &before, Some(now), now).await?;
            audited(
                conn,
                caller,
                AuditAction::DocumentDeleted,
                &before,
                after,
                now,
            )
            .await
        }
        .scope_boxed()
    })
    .await
}

/// Restores a deleted document (administrators); refused while its member or loan is deleted.
pub async fn restore(state: &AppState, caller: &Caller, id: DocumentId) -> ServiceResult<Document> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            check(permissions::can_access_deleted(&caller.actor), WHAT)?;
            let (before, _) = load_for_change(conn, caller, id, true).await?;
            if before.details.deleted_at.is_none() {
                return Err(ServiceError::conflict("This document is not deleted."));
            }
            if owner_union(conn, before.owner, caller.scope(), false)
                .await?
                .is_none()
            {
                return Err(ServiceError::conflict(match before.owner {
                    DocumentOwner::Member(_) => {
                        "The document's member is deleted; restore the member first."
                    }
                    DocumentOwner::Loan(_) => {
                        "The document's loan is deleted; restore the loan first."
                    }
                }));
            }
            let after = db::documents::set_deleted(conn, &before, None, now).await?;
            audited(
                conn,
                caller,
                AuditAction::DocumentRestored,
                &before,
                after,
                now,
            )
            .await
        }
        .scope_boxed()
    })
    .await
}

/// The bytes of a download as they are sent.
pub type Body = BoxStream<'static, Result<Bytes, anyhow::Error>>;

/// A document to send: its row and its content, checked against the size and SHA-256
/// recorded at upload.
pub struct Download {
    pub document: Document,
    pub body: Body,
}

/// `stream` as it is read, ending in an error instead of its end when its bytes are not the
/// `size` bytes of digest `sha256`: a reader then never sees a corrupted object complete.
fn checked(stream: BoxStream<'static, StorageResult<Bytes>>, size: u64, sha256: String) -> Body {
    let start = Some((stream, Sha256::new(), 0u64));
    stream::unfold(start, move |state| {
        let sha256 = sha256.clone();
        async move {
            let (mut stream, mut hasher, read) = state?;
            match stream.next().await {
                Some(Ok(chunk)) => {
                    hasher.update(&chunk);
                    let read = read.saturating_add(chunk.len() as u64);
                    if read > size {
                        let error = anyhow::anyhow!("the stored object is larger than recorded");
                        return Some((Err(error), None));
                    }
                    Some((Ok(chunk), Some((stream, hasher, read))))
                }
                Some(Err(error)) => Some((Err(error.into()), None)),
                None if read != size => Some((
                    Err(anyhow::anyhow!(
                        "the stored object has {read} bytes, not the {size} recorded"
                    )),
                    None,
                )),
                None if format!("{:x}", hasher.finalize()) != sha256 => Some((
                    Err(anyhow::anyhow!(
                        "the stored object's SHA-256 differs from the one recorded"
                    )),
                    None,
                )),
                None => None,
            }
        }
    })
    .boxed()
}

/// A document of the caller's scope, ready to send: NOT_FOUND for a missing, deleted or
/// out-of-scope one. An object up to the upload limit (every upload) is read and checked whole
/// before anything is sent, so a corrupted or missing object is an internal error instead of a
/// download; a larger one (never written by uploads) is checked as it streams and cut short on
/// a mismatch.
pub async fn download(
    state: &AppState,
    caller: &Caller,
    id: DocumentId,
) -> ServiceResult<Download> {
    let document = get(state, caller, id, false).await?;
    let details = &document.details;
    if details.external {
        return Err(ServiceError::NotFound(
            "This document's file stayed in the original system: the document was imported as a record, and its file was never copied here.".into(),
        ));
    }
    let failed = |error: anyhow::Error| {
        ServiceError::internal(error.context(format!(
            "document {id} cannot be served from {}",
            details.storage_key
        )))
    };
    let size = u64::try_from(details.size_bytes).map_err(|error| failed(error.into()))?;
    let object = state
        .storage
        .read(&details.storage_key)
        .await
        .map_err(|error| failed(error.into()))?;
    if object.size != size {
        return Err(failed(anyhow::anyhow!(
            "the stored object has {} bytes, not the {size} recorded",
            object.size
        )));
    }
    let body = checked(object.stream, size, details.sha256.clone());
    let body = if size <= state.config.limits.upload_bytes as u64 {
        let chunks: Vec<Bytes> = body.try_collect().await.map_err(failed)?;
        stream::iter(chunks.into_iter().map(Ok)).boxed()
    } else {
        body.inspect_err(move |error| {
            tracing::error!(document = %id, error = %error, "a document failed its check while streaming; the download was cut short");
        })
        .boxed()
    };
    Ok(Download { document, body })
}

/// What one sweep of the documents' folder found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrphanSweep {
    /// Objects under `documents/`.
    pub objects: usize,
    /// Objects younger than the cutoff, left alone (an upload may be writing its row).
    pub fresh: usize,
    /// Old objects whose upload never committed, removed.
    pub removed: usize,
    /// Old objects no row refers to any more, kept because their upload committed (a
    /// restore took their document away; another may bring it back).
    pub kept: usize,
}

/// How many keys one database check looks up.
const SWEEP_BATCH: usize = 500;

/// Removes the objects under `documents/` older than `older_than` that no row of either
/// documents table refers to and whose upload never committed. Soft-deleted rows keep their
/// objects (they can be restored), and so do objects whose document a restore took away.
pub async fn remove_orphans(state: &AppState, older_than: TimeDelta) -> ServiceResult<OrphanSweep> {
    let cutoff = state.clock.now() - older_than;
    let mut sweep = OrphanSweep::default();
    let mut objects = state.storage.list(STORAGE_PREFIX).chunks(SWEEP_BATCH);
    while let Some(batch) = objects.next().await {
        let mut old = Vec::with_capacity(batch.len());
        for object in batch {
            let object = object.map_err(ServiceError::internal)?;
            sweep.objects += 1;
            if object.last_modified < cutoff {
                old.push(object.key);
            } else {
                sweep.fresh += 1;
            }
        }
        let (referenced, committed) = {
            let mut conn = state.db.get().await?;
            (
                db::documents::referenced_keys(&mut conn, &old).await?,
                db::stored_objects::committed(&mut conn, &old).await?,
            )
        };
        // A committed object no row refers to lost its document to a restore: another restore
        // may bring it back, so it stays.
        sweep.kept += old
            .iter()
            .filter(|key| !referenced.contains(*key) && committed.contains(*key))
            .count();
        for key in old
            .iter()
            .filter(|key| !referenced.contains(*key) && !committed.contains(*key))
        {
            state
                .storage
                .delete(key)
                .await
                .map_err(ServiceError::internal)?;
            let mut conn = state.db.get().await?;
            db::stored_objects::forget(&mut conn, key).await?;
            tracing::info!(key, "removed a stored document that no row refers to");
            sweep.removed += 1;
        }
    }
    Ok(sweep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    fn stored(content: &'static [u8]) -> BoxStream<'static, StorageResult<Bytes>> {
        stream::iter(content.chunks(3).map(|chunk| Ok(Bytes::from_static(chunk)))).boxed()
    }

    #[tokio::test]
    async fn a_checked_stream_passes_the_recorded_bytes_and_refuses_others() {
        let content: &'static [u8] = b"the recorded content";
        let digest = sha256_hex(content);
        let size = content.len() as u64;
        let read: Vec<Bytes> = checked(stored(content), size, digest.clone())
            .try_collect()
            .await
            .expect("intact");
        assert_eq!(read.concat(), content);

        let corrupted = checked(stored(b"the recorded c0ntent"), size, digest.clone());
        assert!(corrupted.try_collect::<Vec<_>>().await.is_err());
        let shorter = checked(stored(b"the recorded"), size, digest.clone());
        assert!(shorter.try_collect::<Vec<_>>().await.is_err());
        let longer = checked(stored(b"the recorded content, and more"), size, digest);
        assert!(longer.try_collect::<Vec<_>>().await.is_err());
    }

    #[tokio::test]
    async fn uploads_must_hold_an_accepted_kind_within_the_limit() {
        let refused = |result: ServiceResult<Examined>| match result {
            Err(ServiceError::BadInput { field, message }) => {
                assert_eq!(field, "file");
                message
            }
            Err(other) => panic!("unexpected {other:?}"),
            Ok(examined) => panic!("accepted as {:?}", examined.kind),
        };
        assert!(refused(examine(Bytes::new(), 10).await).contains("empty"));
        let pdf = Bytes::from_static(b"%PDF-1.4\n%%EOF\n");
        assert!(refused(examine(pdf.clone(), 5).await).contains("5 bytes"));
        assert!(refused(examine(Bytes::from_static(b"MZ\x90\0"), 10).await).contains("content"));
        let examined = examine(pdf.clone(), 100).await.expect("a PDF");
        assert_eq!(examined.kind, FileKind::Pdf);
        assert_eq!(examined.sha256, sha256_hex(&pdf));
        assert_eq!(examined.sha256.len(), 64);
    }
}

//! Documents (SPEC 8.3): uploads checked by their content and within the limits, scoped and
//! checked downloads, verification by role, soft delete and restore with their audit rows, the
//! sweep of stored objects no row refers to, and what a page with documents costs.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use bytes::Bytes;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use millennium::db::documents::{self, DocumentOwner, NewDocument};
use millennium::db::schema::{audit_logs, loan_documents, union_member_documents};
use millennium::domain::permissions::Scope;
use millennium::domain::{DocumentId, LoanStatus, Role};
use millennium::jobs;
use millennium::services::documents::remove_orphans;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::app::{FilePart, GqlResponse, RawResponse, Session};
use crate::support::factories::{insert_document_type, insert_loan, insert_loan_type};
use crate::support::org::Who::{self, *};
use crate::support::{MemberFactory, Org, TestApp, UnionFactory, UserFactory, samples};

const DOCUMENT_FIELDS: &str = "id ownerType ownerId fileName contentType sizeBytes sha256
    issuingAuthority issueDate expiryDate verified downloadUrl documentType { name }
    uploadedBy { id } unionMember { id } loan { id }";

fn upload_to_member() -> String {
    format!(
        "mutation($owner: ID!, $type: ID!, $file: Upload!, $authority: String, $issued: Date,
            $expires: Date) {{
            uploadUnionMemberDocument(unionMemberId: $owner, documentTypeId: $type, file: $file,
                issuingAuthority: $authority, issueDate: $issued, expiryDate: $expires) {{
                {DOCUMENT_FIELDS} }} }}"
    )
}

fn upload_to_loan() -> String {
    format!(
        "mutation($owner: ID!, $type: ID!, $file: Upload!) {{
            uploadLoanDocument(loanId: $owner, documentTypeId: $type, file: $file) {{
                {DOCUMENT_FIELDS} }} }}"
    )
}

const DOCUMENT: &str = "query($id: ID!) { document(id: $id) { id fileName } }";
const VERIFY: &str = "mutation($id: ID!, $verified: Boolean!, $notes: String) {
    setDocumentVerified(id: $id, verified: $verified, notes: $notes) {
        verified verificationNotes verifiedBy { id } verifiedAt } }";
const DELETE: &str = "mutation($id: ID!) { deleteDocument(id: $id) { id deletedAt } }";
const RESTORE: &str = "mutation($id: ID!) { restoreDocument(id: $id) { id deletedAt } }";
const MEMBER_DOCUMENTS: &str = "query($id: ID!, $deleted: Boolean!) {
    unionMember(id: $id) { documents(includeDeleted: $deleted) { id } } }";

/// An organisation (see [`Org`]) with an active document type.
struct Docs {
    app: TestApp,
    org: Org,
    document_type: String,
}

impl Docs {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let org = Org::new(&app).await;
        let document_type = insert_document_type(&app, "National ID Card", true)
            .await
            .id
            .to_string();
        Self {
            app,
            org,
            document_type,
        }
    }

    /// Sends the upload mutation `query` for `owner` as `session`, with `file` as `$file` and
    /// `extra` variables.
    async fn upload(
        &self,
        session: &Session,
        query: &str,
        owner: impl ToString,
        extra: Value,
        file: FilePart<'_>,
    ) -> GqlResponse {
        let mut variables = json!({
            "owner": owner.to_string(),
            "type": self.document_type,
            "file": null,
        });
        for (name, value) in extra.as_object().into_iter().flatten() {
            variables[name] = value.clone();
        }
        let operations = json!({ "query": query, "variables": variables });
        let mut map = serde_json::Map::new();
        map.insert(file.name.to_owned(), json!(["variables.file"]));
        let map = Value::Object(map);
        GqlResponse(
            self.app
                .post_multipart(&operations, &map, &[file], Some(&session.access_token))
                .await,
        )
    }

    /// Uploads `bytes` as `file_name` for our member as `session`.
    async fn upload_member(&self, session: &Session, file_name: &str, bytes: &[u8]) -> GqlResponse {
        let file = FilePart {
            name: "0",
            file_name,
            content_type: "application/octet-stream",
            bytes,
        };
        self.upload(
            session,
            &upload_to_member(),
            self.org.member.id,
            json!({}),
            file,
        )
        .await
    }

    /// The same, expecting success; the document's id.
    async fn uploaded(&self, session: &Session, file_name: &str, bytes: &[u8]) -> String {
        let response = self.upload_member(session, file_name, bytes).await;
        let id = &response.data()["uploadUnionMemberDocument"]["id"];
        id.as_str().expect("an id").to_owned()
    }

    /// Where the document's object lies on disk.
    async fn object_path(&self, id: &str) -> PathBuf {
        let id: DocumentId = id.parse().expect("a document id");
        let document = documents::find(&mut *self.app.conn().await, id, Scope::All, true)
            .await
            .expect("read")
            .expect("the document");
        self.app
            .data_dir
            .join("files")
            .join(&document.details.storage_key)
    }

    /// Sends `query` with `vars` as `who`.
    async fn ask(&self, who: Who, query: &str, vars: Value) -> GqlResponse {
        self.app
            .gql(query)
            .vars(&vars)
            .by_opt(self.org.as_who(who))
            .send()
            .await
    }
}

/// The files under the local store's documents folder.
fn stored_objects(app: &TestApp) -> Vec<PathBuf> {
    let folder = app.data_dir.join("files").join("documents");
    match std::fs::read_dir(folder) {
        Ok(entries) => entries.map(|entry| entry.expect("entry").path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Rows of both documents tables.
async fn document_rows(app: &TestApp) -> i64 {
    let mut conn = app.conn().await;
    let members: i64 = union_member_documents::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    let loans: i64 = loan_documents::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    members + loans
}

/// The audit rows about documents: action, before and after, oldest first.
async fn document_audit(app: &TestApp) -> Vec<(String, Option<Value>, Option<Value>)> {
    audit_logs::table
        .filter(audit_logs::entity_name.eq("Document"))
        .select((audit_logs::action, audit_logs::before, audit_logs::after))
        .order((audit_logs::created_at.asc(), audit_logs::id.asc()))
        .load(&mut app.conn().await)
        .await
        .expect("audit rows")
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// `GET /files/{id}`, with the bearer `token` if given.
async fn download(app: &TestApp, id: &str, token: Option<&str>) -> RawResponse {
    let mut request = Request::get(format!("/files/{id}"));
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    app.send(request.body(Body::empty()).expect("request"))
        .await
}

/// Sets a file's last change `ago` in the past.
fn age(path: &Path, ago: Duration) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open")
        .set_modified(SystemTime::now() - ago)
        .expect("set the time");
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

#[tokio::test]
async fn every_accepted_kind_is_stored_under_an_opaque_key_with_its_size_and_checksum() {
    let d = Docs::new().await;
    let cases = [
        (
            "../../ID card.JPG",
            samples::jpeg(),
            "image/jpeg",
            "ID card.JPG",
        ),
        ("passport", samples::png(), "image/png", "passport.png"),
        (
            "statement.pdf",
            samples::pdf(),
            "application/pdf",
            "statement.pdf",
        ),
        ("form.doc", samples::doc(), "application/msword", "form.doc"),
        ("agreement.docx", samples::docx(), DOCX, "agreement.docx"),
        ("scan.jpg", samples::pdf(), "application/pdf", "scan.pdf"),
    ];
    for (name, bytes, content_type, shown) in &cases {
        let response = d.upload_member(&d.org.officer, name, bytes).await;
        let document = &response.data()["uploadUnionMemberDocument"];
        let id = document["id"].as_str().expect("id");
        assert_eq!(document["contentType"], *content_type, "{name}");
        assert_eq!(document["fileName"], *shown);
        assert_eq!(document["sizeBytes"], bytes.len());
        assert_eq!(document["sha256"], sha256_hex(bytes));
        assert_eq!(document["ownerType"], "MEMBER");
        assert_eq!(document["ownerId"], d.org.member.id.to_string());
        assert_eq!(document["unionMember"]["id"], d.org.member.id.to_string());
        assert_eq!(document["loan"], Value::Null);
        assert_eq!(document["verified"], false);
        assert_eq!(document["downloadUrl"], format!("/files/{id}"));
        assert_eq!(document["documentType"]["name"], "National ID Card");
        assert_eq!(
            document["uploadedBy"]["id"],
            d.org.officer.user.id.to_string()
        );
        let path = d.object_path(id).await;
        assert_eq!(std::fs::read(&path).expect("the object"), *bytes);
        let key = path
            .file_name()
            .and_then(|key| key.to_str())
            .expect("a key");
        assert!(uuid::Uuid::parse_str(key).is_ok(), "{key}");
    }
    assert_eq!(stored_objects(&d.app).len(), cases.len());
    let listed = d
        .ask(
            Officer,
            MEMBER_DOCUMENTS,
            json!({ "id": d.org.member.id, "deleted": false }),
        )
        .await;
    let listed = listed.data()["unionMember"]["documents"]
        .as_array()
        .expect("documents")
        .len();
    assert_eq!(listed, cases.len());
}

#[tokio::test]
async fn the_content_decides_and_a_refused_upload_stores_nothing() {
    let d = Docs::new().await;
    let mut program = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0".to_vec();
    program.resize(2048, 0);
    let pdf = samples::pdf();
    let png = samples::png();
    let plain_zip = samples::zip(&[("photo.jpg", &samples::jpeg()), ("notes.txt", b"hello")]);
    let cases: [(&str, &str, Vec<u8>); 7] = [
        ("photo.jpg", "image/jpeg", program),
        (
            "statement.pdf",
            "application/pdf",
            pdf[..pdf.len() - 10].to_vec(),
        ),
        ("photo.png", "image/png", png[..png.len() - 12].to_vec()),
        ("agreement.docx", DOCX, plain_zip),
        (
            "sheet.doc",
            "application/msword",
            samples::compound_file("Workbook"),
        ),
        ("empty.pdf", "application/pdf", Vec::new()),
        ("run.sh", "text/plain", b"#!/bin/sh\necho hi\n".to_vec()),
    ];
    for (file_name, content_type, bytes) in &cases {
        let file = FilePart {
            name: "0",
            file_name,
            content_type,
            bytes,
        };
        let response = d
            .upload(
                &d.org.officer,
                &upload_to_member(),
                d.org.member.id,
                json!({}),
                file,
            )
            .await;
        assert_eq!(response.error_code(), "BAD_USER_INPUT", "{file_name}");
        assert_eq!(response.error_field().as_deref(), Some("file"));
        assert_eq!(response.body()["data"], Value::Null);
    }
    assert!(stored_objects(&d.app).is_empty());
    assert_eq!(document_rows(&d.app).await, 0);
    assert!(document_audit(&d.app).await.is_empty());
}

#[tokio::test]
async fn a_request_cannot_name_a_file_it_did_not_send() {
    let d = Docs::new().await;
    let variables =
        |file: &str| json!({ "owner": d.org.member.id, "type": d.document_type, "file": file });
    // The marker the multipart reader writes where a file goes, forged in a JSON request.
    let forged = d
        .app
        .gql(&upload_to_member())
        .vars(&variables("#__graphql_file__:0"))
        .by(&d.org.officer)
        .send()
        .await;
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert_eq!(forged.error_code(), "BAD_USER_INPUT");
    let literal = format!(
        "mutation {{ uploadUnionMemberDocument(unionMemberId: \"{}\", documentTypeId: \"{}\",
            file: \"#__graphql_file__:x\") {{ id }} }}",
        d.org.member.id, d.document_type
    );
    let literal = d.app.gql(&literal).by(&d.org.officer).send().await;
    assert_eq!(literal.status(), StatusCode::BAD_REQUEST);
    assert_eq!(literal.error_code(), "BAD_USER_INPUT");
    // Any other string is not a file either.
    let plain = d
        .app
        .gql(&upload_to_member())
        .vars(&variables("photo.jpg"))
        .by(&d.org.officer)
        .send()
        .await;
    assert_eq!(plain.error_code(), "BAD_USER_INPUT");
    assert!(stored_objects(&d.app).is_empty());
    assert_eq!(document_rows(&d.app).await, 0);
}

#[tokio::test]
async fn uploads_beyond_the_limits_are_refused_with_413_and_store_nothing() {
    let d = Docs::new().await;
    let limits = d.app.state.config.limits;
    assert_eq!(limits.upload_bytes, 5 * 1024 * 1024);

    let mut too_big = samples::pdf();
    too_big.resize(limits.upload_bytes + 1, b' ');
    let response = d.upload_member(&d.org.officer, "big.pdf", &too_big).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert!(
        response.error_message().contains("5242880 bytes per file"),
        "{}",
        response.error_message()
    );

    let pdf = samples::pdf();
    let names = ["0", "1", "2", "3", "4", "5"];
    let files: Vec<FilePart<'_>> = names
        .iter()
        .map(|name| FilePart {
            name,
            file_name: "a.pdf",
            content_type: "application/pdf",
            bytes: &pdf,
        })
        .collect();
    let map: serde_json::Map<String, Value> = names
        .iter()
        .map(|name| ((*name).to_owned(), json!(["variables.file"])))
        .collect();
    let operations = json!({
        "query": upload_to_member(),
        "variables": { "owner": d.org.member.id, "type": d.document_type, "file": null },
    });
    let six = GqlResponse(
        d.app
            .post_multipart(
                &operations,
                &Value::Object(map),
                &files,
                Some(&d.org.officer.access_token),
            )
            .await,
    );
    assert_eq!(six.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(six.error_code(), "BAD_USER_INPUT");
    assert!(
        six.error_message().contains("at most 5"),
        "{}",
        six.error_message()
    );

    // A declared length beyond any request is refused unread.
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=unread")
        .header(header::CONTENT_LENGTH, 100 * 1024 * 1024)
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", d.org.officer.access_token),
        )
        .body(Body::from("--unread--"))
        .expect("request");
    let declared = GqlResponse(d.app.send(request).await);
    assert_eq!(declared.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(declared.error_code(), "BAD_USER_INPUT");

    // Operations in a multipart request keep the JSON limit, and so do plain JSON requests.
    let padding = " ".repeat(limits.body_bytes);
    let long_operations = json!({ "query": format!("{{ me {{ id }} }}{padding}") });
    let long = GqlResponse(
        d.app
            .post_multipart(
                &long_operations,
                &json!({}),
                &[],
                Some(&d.org.officer.access_token),
            )
            .await,
    );
    assert_eq!(long.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        long.error_message().contains("operations"),
        "{}",
        long.error_message()
    );
    let json = d
        .app
        .post_json(
            "/graphql",
            &long_operations,
            Some(&d.org.officer.access_token),
        )
        .await;
    assert_eq!(json.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Uploads are for logged-in staff.
    let operations = json!({ "query": upload_to_member(), "variables": { "file": null } });
    let anonymous = GqlResponse(
        d.app
            .post_multipart(
                &operations,
                &json!({ "0": ["variables.file"] }),
                &files[..1],
                None,
            )
            .await,
    );
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");

    assert!(stored_objects(&d.app).is_empty());
    assert_eq!(document_rows(&d.app).await, 0);
}

#[tokio::test]
async fn a_download_streams_the_exact_bytes_with_safe_headers() {
    let d = Docs::new().await;
    let pdf = samples::pdf();
    let id = d
        .uploaded(&d.org.officer, "Ìdánimọ̀ card 100%.pdf", &pdf)
        .await;
    let response = download(&d.app, &id, Some(&d.org.officer.access_token)).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.bytes, pdf);
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert_eq!(
        response.header("content-length"),
        Some(pdf.len().to_string())
    );
    assert_eq!(
        response.header("content-disposition").as_deref(),
        Some(
            "attachment; filename=\"_d_nim__ card 100_.pdf\"; \
             filename*=UTF-8''%C3%8Cd%C3%A1nim%E1%BB%8D%CC%80%20card%20100%25.pdf"
        )
    );
    assert_eq!(
        response.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(
        response.header("cache-control").as_deref(),
        Some("no-store")
    );

    for token in [None, Some("not-a-token")] {
        let refused = download(&d.app, &id, token).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            refused.body["errors"][0]["extensions"]["code"],
            "UNAUTHENTICATED"
        );
        assert!(refused.headers.contains_key(header::WWW_AUTHENTICATE));
    }
}

#[tokio::test]
async fn only_those_who_see_the_owner_download_and_everyone_else_gets_the_same_404() {
    let d = Docs::new().await;
    let pdf = samples::pdf();
    let id = d.uploaded(&d.org.officer, "id.pdf", &pdf).await;
    let token = |who: Who| {
        d.org
            .as_who(who)
            .map(|session| session.access_token.clone())
            .expect("a session")
    };
    let missing = download(
        &d.app,
        &DocumentId::new_random().to_string(),
        Some(&token(OtherOfficer)),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let malformed = download(&d.app, "not-a-uuid", Some(&token(Officer))).await;
    assert_eq!(
        (malformed.status, &malformed.bytes),
        (missing.status, &missing.bytes)
    );

    for (who, allowed) in [
        (OtherOfficer, false),
        (OtherSupervisor, false),
        (Officer, true),
        (Supervisor, true),
        (Admin, true),
    ] {
        let response = download(&d.app, &id, Some(&token(who))).await;
        if allowed {
            assert_eq!(response.status, StatusCode::OK, "{who:?}");
            assert_eq!(response.bytes, pdf, "{who:?}");
        } else {
            // Exactly what a missing id gets, though the file is there.
            assert_eq!(
                (response.status, &response.bytes),
                (missing.status, &missing.bytes),
                "{who:?}"
            );
            assert!(d.object_path(&id).await.is_file());
        }
        let read = d.ask(who, DOCUMENT, json!({ "id": id })).await;
        if allowed {
            assert_eq!(read.data()["document"]["id"], id.as_str());
        } else {
            assert_eq!(read.error_code(), "NOT_FOUND", "{who:?}");
        }
    }
}

#[tokio::test]
async fn a_corrupted_or_missing_object_is_never_served() {
    let d = Docs::new().await;
    let pdf = samples::pdf();
    let id = d.uploaded(&d.org.officer, "id.pdf", &pdf).await;
    let path = d.object_path(&id).await;
    let token = Some(d.org.officer.access_token.as_str());

    let mut corrupted = pdf.clone();
    corrupted[12] ^= 0x20;
    let mut longer = pdf.clone();
    longer.extend_from_slice(b"appended");
    for stored in [corrupted, longer] {
        std::fs::write(&path, &stored).expect("overwrite the object");
        let response = download(&d.app, &id, token).await;
        assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
        let error = &response.body["errors"][0];
        assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR");
        assert!(error["extensions"]["requestId"].is_string(), "{error}");
        assert_ne!(response.bytes, stored);
    }

    std::fs::remove_file(&path).expect("remove the object");
    let response = download(&d.app, &id, token).await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        response.body["errors"][0]["extensions"]["code"],
        "INTERNAL_SERVER_ERROR"
    );
}

#[tokio::test]
async fn a_deleted_document_is_hidden_until_an_administrator_restores_it() {
    let d = Docs::new().await;
    let pdf = samples::pdf();
    let id = d.uploaded(&d.org.officer, "id.pdf", &pdf).await;
    let vars = json!({ "id": id });
    let listed = |deleted: bool| json!({ "id": d.org.member.id, "deleted": deleted });

    assert_eq!(
        d.ask(OtherOfficer, DELETE, vars.clone()).await.error_code(),
        "NOT_FOUND"
    );
    let deleted = d.ask(Officer, DELETE, vars.clone()).await;
    assert!(deleted.data()["deleteDocument"]["deletedAt"].is_string());

    let officer_token = Some(d.org.officer.access_token.as_str());
    let hidden = download(&d.app, &id, officer_token).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let admin_download = download(&d.app, &id, Some(&d.org.admin.access_token)).await;
    assert_eq!(admin_download.status, StatusCode::NOT_FOUND);
    assert_eq!(
        d.ask(Officer, DOCUMENT, vars.clone()).await.error_code(),
        "NOT_FOUND"
    );
    let live = d.ask(Officer, MEMBER_DOCUMENTS, listed(false)).await;
    assert_eq!(live.data()["unionMember"]["documents"], json!([]));
    assert_eq!(
        d.ask(Officer, MEMBER_DOCUMENTS, listed(true))
            .await
            .error_code(),
        "FORBIDDEN"
    );
    let all = d.ask(Admin, MEMBER_DOCUMENTS, listed(true)).await;
    assert_eq!(
        all.data()["unionMember"]["documents"],
        json!([{ "id": id }])
    );
    assert!(
        d.object_path(&id).await.is_file(),
        "a deleted document keeps its file"
    );

    for who in [Officer, Supervisor] {
        assert_eq!(
            d.ask(who, RESTORE, vars.clone()).await.error_code(),
            "FORBIDDEN"
        );
    }
    let restored = d.ask(Admin, RESTORE, vars.clone()).await;
    assert_eq!(restored.data()["restoreDocument"]["deletedAt"], Value::Null);
    assert_eq!(
        d.ask(Admin, RESTORE, vars.clone()).await.error_code(),
        "CONFLICT"
    );
    let again = download(&d.app, &id, officer_token).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.bytes, pdf);

    let audit = document_audit(&d.app).await;
    let actions: Vec<&str> = audit.iter().map(|(action, _, _)| action.as_str()).collect();
    assert_eq!(
        actions,
        ["DOCUMENT_UPLOADED", "DOCUMENT_DELETED", "DOCUMENT_RESTORED"]
    );
    let (_, before, after) = &audit[0];
    assert_eq!(*before, None);
    let after = after.as_ref().expect("after");
    assert_eq!(after["id"], id.as_str());
    assert_eq!(after["unionMemberId"], d.org.member.id.to_string());
    assert_eq!(after["fileName"], "id.pdf");
    let (_, before, after) = &audit[1];
    assert_eq!(before.as_ref().expect("before")["deletedAt"], Value::Null);
    assert!(after.as_ref().expect("after")["deletedAt"].is_string());
    let (_, before, after) = &audit[2];
    assert!(before.as_ref().expect("before")["deletedAt"].is_string());
    assert_eq!(after.as_ref().expect("after")["deletedAt"], Value::Null);
}

#[tokio::test]
async fn documents_are_verified_by_administrators_and_the_team_supervisor() {
    let d = Docs::new().await;
    let id = d.uploaded(&d.org.officer, "id.pdf", &samples::pdf()).await;
    let verify = |verified: bool| json!({ "id": id, "verified": verified, "notes": " Matches the original. " });

    for (who, code) in [
        (Officer, "FORBIDDEN"),
        (OtherOfficer, "NOT_FOUND"),
        (OtherSupervisor, "NOT_FOUND"),
    ] {
        let refused = d.ask(who, VERIFY, verify(true)).await;
        assert_eq!(refused.error_code(), code, "{who:?}");
    }
    let by_supervisor = d.ask(Supervisor, VERIFY, verify(true)).await;
    let verified = &by_supervisor.data()["setDocumentVerified"];
    assert_eq!(verified["verified"], true);
    assert_eq!(verified["verificationNotes"], "Matches the original.");
    assert_eq!(
        verified["verifiedBy"]["id"],
        d.org.supervisor.user.id.to_string()
    );
    assert!(verified["verifiedAt"].is_string());

    let by_admin = d.ask(Admin, VERIFY, verify(false)).await;
    let unverified = &by_admin.data()["setDocumentVerified"];
    assert_eq!(unverified["verified"], false);
    assert_eq!(unverified["verifiedBy"], Value::Null);
    assert_eq!(unverified["verifiedAt"], Value::Null);

    let audit = document_audit(&d.app).await;
    let verifications: Vec<_> = audit
        .iter()
        .filter(|(action, _, _)| action == "DOCUMENT_VERIFIED")
        .collect();
    assert_eq!(verifications.len(), 2);
    let (_, before, after) = verifications[0];
    assert_eq!(before.as_ref().expect("before")["verified"], false);
    let after = after.as_ref().expect("after");
    assert_eq!(after["verified"], true);
    assert_eq!(
        after["verifiedByUserId"],
        d.org.supervisor.user.id.to_string()
    );
}

#[tokio::test]
async fn loan_documents_follow_their_loan_and_need_an_active_type() {
    let d = Docs::new().await;
    let product = insert_loan_type(&d.app, "Market Women 8 Weeks").await;
    let loan = insert_loan(
        &d.app,
        &d.org.member,
        &product,
        d.org.officer.user.id,
        LoanStatus::Active,
    )
    .await;
    let docx = samples::docx();
    let file = || FilePart {
        name: "contract",
        file_name: "contract.docx",
        content_type: DOCX,
        bytes: &docx,
    };

    let outsider = d
        .upload(
            &d.org.other_officer,
            &upload_to_loan(),
            loan,
            json!({}),
            file(),
        )
        .await;
    assert_eq!(outsider.error_code(), "NOT_FOUND");
    let unknown = d
        .upload(
            &d.org.officer,
            &upload_to_loan(),
            DocumentId::new_random(),
            json!({}),
            file(),
        )
        .await;
    assert_eq!(unknown.error_code(), "NOT_FOUND");
    let inactive = insert_document_type(&d.app, "Old Voter Card", false).await;
    let with_inactive = d
        .upload(
            &d.org.officer,
            &upload_to_loan(),
            loan,
            json!({ "type": inactive.id }),
            file(),
        )
        .await;
    assert_eq!(with_inactive.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        with_inactive.error_field().as_deref(),
        Some("documentTypeId")
    );
    assert!(stored_objects(&d.app).is_empty());

    let uploaded = d
        .upload(&d.org.officer, &upload_to_loan(), loan, json!({}), file())
        .await;
    let document = &uploaded.data()["uploadLoanDocument"];
    assert_eq!(document["ownerType"], "LOAN");
    assert_eq!(document["loan"]["id"], loan.to_string());
    assert_eq!(document["unionMember"], Value::Null);
    assert_eq!(document["contentType"], DOCX);

    let listed = d
        .ask(
            Supervisor,
            "query($id: ID!) { loan(id: $id) { documents { fileName ownerType } } }",
            json!({ "id": loan }),
        )
        .await;
    assert_eq!(
        listed.data()["loan"]["documents"],
        json!([{ "fileName": "contract.docx", "ownerType": "LOAN" }])
    );
    let id = document["id"].as_str().expect("id");
    let response = download(&d.app, id, Some(&d.org.other_supervisor.access_token)).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    let response = download(&d.app, id, Some(&d.org.supervisor.access_token)).await;
    assert_eq!(response.bytes, docx);
}

#[tokio::test]
async fn an_upload_whose_row_is_refused_leaves_no_object_behind() {
    let d = Docs::new().await;
    let png = samples::png();
    let query = upload_to_member();
    let upload_dated = |dates: Value| {
        let file = FilePart {
            name: "0",
            file_name: "id.png",
            content_type: "image/png",
            bytes: &png,
        };
        d.upload(&d.org.officer, &query, d.org.member.id, dates, file)
    };
    // The database's check refuses the row after the object was written.
    let response = upload_dated(json!({ "issued": "2026-05-01", "expires": "2026-01-01" })).await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert_eq!(response.error_field().as_deref(), Some("expiryDate"));
    assert!(stored_objects(&d.app).is_empty());
    assert_eq!(document_rows(&d.app).await, 0);
    assert!(document_audit(&d.app).await.is_empty());

    let dates = json!({ "issued": "2026-01-01", "expires": "2031-01-01", "authority": " NIMC " });
    let response = upload_dated(dates).await;
    let document = &response.data()["uploadUnionMemberDocument"];
    assert_eq!(document["issuingAuthority"], "NIMC");
    assert_eq!(document["issueDate"], "2026-01-01");
    assert_eq!(document["expiryDate"], "2031-01-01");
    assert_eq!(stored_objects(&d.app).len(), 1);
}

#[tokio::test]
async fn the_sweep_removes_old_unreferenced_objects_and_keeps_the_rest() {
    let d = Docs::new().await;
    let empty = remove_orphans(&d.app.state, jobs::ORPHAN_AGE)
        .await
        .expect("a sweep of an empty store");
    assert_eq!(empty.objects, 0);
    let live = d
        .uploaded(&d.org.officer, "live.pdf", &samples::pdf())
        .await;
    let deleted = d
        .uploaded(&d.org.officer, "gone.pdf", &samples::pdf())
        .await;
    d.ask(Officer, DELETE, json!({ "id": deleted }))
        .await
        .data();
    let storage = &d.app.state.storage;
    for key in ["documents/orphan-old", "documents/orphan-fresh"] {
        storage
            .put(key, Bytes::from_static(b"left by a request that died"))
            .await
            .expect("put");
    }
    let files = d.app.data_dir.join("files").join("documents");
    let two_hours = Duration::from_secs(2 * 60 * 60);
    age(&files.join("orphan-old"), two_hours);
    age(&d.object_path(&live).await, two_hours);
    age(&d.object_path(&deleted).await, two_hours);

    let sweep = remove_orphans(&d.app.state, jobs::ORPHAN_AGE)
        .await
        .expect("the sweep");
    assert_eq!((sweep.objects, sweep.fresh, sweep.removed), (4, 1, 1));
    assert!(!files.join("orphan-old").exists());
    assert!(files.join("orphan-fresh").exists());
    assert!(d.object_path(&live).await.exists());
    assert!(d.object_path(&deleted).await.exists());

    // A restore of an older backup takes a document's row away but not its object, which a
    // later restore may need again: committed once, it is never swept.
    let live_path = d.object_path(&live).await;
    let live_id: uuid::Uuid = live.parse().expect("id");
    diesel::delete(union_member_documents::table.find(live_id))
        .execute(&mut d.app.conn().await)
        .await
        .expect("the row goes, as in a restore");
    let sweep = remove_orphans(&d.app.state, jobs::ORPHAN_AGE)
        .await
        .expect("the sweep");
    assert_eq!((sweep.removed, sweep.kept), (0, 1));
    assert!(live_path.exists());

    // The daily run: one instance takes the day's lease, the next look finds it done.
    let ran = jobs::run_cleanup_once(&d.app.state, "one")
        .await
        .expect("the job");
    assert_eq!(ran.map(|sweep| sweep.removed), Some(0));
    let again = jobs::run_cleanup_once(&d.app.state, "two")
        .await
        .expect("the job");
    assert_eq!(again, None);
}

#[tokio::test]
async fn a_page_of_members_or_loans_with_their_documents_costs_a_fixed_number_of_statements() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let officer = UserFactory::new().insert(&app).await;
    let union = UnionFactory::new(&officer).insert(&app).await;
    let kind = insert_document_type(&app, "Utility Bill", true).await;
    let product = insert_loan_type(&app, "Weekly").await;
    let now = app.state.clock.now();
    for n in 0..30 {
        let member = MemberFactory::new(&union).insert(&app).await;
        let loan = insert_loan(&app, &member, &product, officer.id, LoanStatus::Active).await;
        let owners = [
            DocumentOwner::Member(member.id),
            DocumentOwner::Member(member.id),
            DocumentOwner::Loan(loan.into()),
        ];
        for (index, owner) in owners.into_iter().enumerate() {
            let key = format!("documents/statements-{n}-{index}");
            let new = NewDocument {
                document_type_id: kind.id,
                storage_key: &key,
                file_name: "bill.pdf",
                content_type: "application/pdf",
                size_bytes: 10,
                sha256: "0",
                issuing_authority: None,
                issue_date: None,
                expiry_date: None,
                uploaded_by_user_id: officer.id,
                now,
            };
            documents::insert(&mut *app.conn().await, owner, &new)
                .await
                .expect("insert a document");
        }
    }
    let fields = "fileName documentType { name } uploadedBy { email } verifiedBy { email }";
    // The session, the page, the documents, their types, their users (and their loans).
    for (list, bound, query) in [
        (
            "unionMembers",
            5,
            format!(
                "query($n: Int) {{ unionMembers(first: $n) {{ nodes {{ documents {{ {fields} }} }} }} }}"
            ),
        ),
        (
            "loans",
            6,
            format!(
                "query($n: Int) {{ loans(first: $n) {{ nodes {{ documents {{ {fields} loan {{ loanNumber }} }} }} }} }}"
            ),
        ),
    ] {
        let mut costs = Vec::new();
        for n in [5, 30] {
            let before = app.statements();
            let response = app.gql(&query).var("n", n).by(&admin).send().await;
            let nodes = response.data()[list]["nodes"]
                .as_array()
                .expect("nodes")
                .clone();
            assert_eq!(nodes.len(), n as usize);
            assert!(nodes.iter().all(|node| {
                node["documents"]
                    .as_array()
                    .is_some_and(|documents| !documents.is_empty())
            }));
            costs.push(app.statements() - before);
        }
        assert_eq!(
            costs[0], costs[1],
            "{list}: statements for 5 and 30: {costs:?}"
        );
        assert!(costs[1] <= bound, "{list}: statements: {costs:?}");
    }
}

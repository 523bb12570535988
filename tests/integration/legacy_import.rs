//! `millennium import legacy-backup`: the sample backup of the original system
//! (`../shared/fixtures/legacy-backup-sample.json`, skipped with a printed reason when it is not
//! there) imported with every imperfection of its README repaired or refused and listed, the
//! money invariants holding, the staff logging in with their old passwords, the same ids on a
//! second import; and damaged or foreign files refused with nothing written.

use std::path::{Path, PathBuf};

use diesel::QueryableByName;
use diesel::sql_types::{Numeric, Text};
use diesel_async::RunQueryDsl;
use millennium::backup::progress::Progress;
use millennium::legacy::import::{self, ImportError, Importer};
use millennium::legacy::summary::{Outcome, Summary};
use millennium::services::RequestMeta;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;

use crate::support::TestApp;
use crate::support::factories::UserFactory;
use crate::support::money::assert_invariants;
use crate::support::process::{millennium, run};
use crate::support::records::count;
use millennium::domain::Role;

/// The sample, when it is there.
fn sample() -> Option<PathBuf> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/legacy-backup-sample.json");
    if path.is_file() {
        Some(path)
    } else {
        println!(
            "skipped: {} is not here (it comes with the project's shared fixtures)",
            path.display()
        );
        None
    }
}

fn importer() -> Importer {
    Importer {
        name: "test".into(),
        meta: RequestMeta::default(),
    }
}

async fn import_file(app: &TestApp, path: &Path, dry_run: bool) -> Result<Summary, ImportError> {
    let quiet = Progress::quiet();
    import::import(&app.state, path, &importer(), dry_run, [&quiet, &quiet]).await
}

#[derive(QueryableByName)]
struct Amount {
    #[diesel(sql_type = Numeric)]
    amount: Decimal,
}

async fn amount(app: &TestApp, sql: &str) -> Decimal {
    let rows: Vec<Amount> = diesel::sql_query(sql)
        .load(&mut app.conn().await)
        .await
        .expect("amount");
    rows[0].amount
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

async fn lines(app: &TestApp, sql: &str) -> Vec<String> {
    let rows: Vec<Line> = diesel::sql_query(sql)
        .load(&mut app.conn().await)
        .await
        .expect("lines");
    rows.into_iter().map(|row| row.line).collect()
}

/// The business rows of a database: all zero before an import.
async fn business_rows(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM unions)
              + (SELECT count(*) FROM union_members) + (SELECT count(*) FROM loans)
              + (SELECT count(*) FROM loan_types) + (SELECT count(*) FROM document_types)
              + (SELECT count(*) FROM repayments) + (SELECT count(*) FROM audit_logs) AS n",
    )
    .await
}

/// The note of `outcome` on `label` (a loan number, a member code…) whose reason holds `text`.
fn noted(summary: &Summary, outcome: Outcome, label: &str, text: &str) -> bool {
    summary.notes.iter().any(|note| {
        note.outcome == outcome
            && note.label.as_deref().is_some_and(|l| l.contains(label))
            && note.reason.contains(text)
    })
}

#[tokio::test]
async fn the_sample_arrives_whole_with_every_imperfection_repaired_or_refused() {
    let Some(path) = sample() else { return };
    let file: Value = serde_json::from_slice(&std::fs::read(&path).expect("sample")).expect("json");
    let app = TestApp::spawn().await;
    let summary = import_file(&app, &path, false).await.expect("import");

    // Every row of the file is accounted for, per array.
    for (array, counts) in &summary.arrays {
        let in_file = file["metadata"]["recordCounts"][array]
            .as_u64()
            .expect("count");
        assert_eq!(counts.read, in_file, "{array}");
    }
    for (table, array) in [
        ("users", "users"),
        ("unions", "unions"),
        ("union_members", "unionMembers"),
        ("document_types", "documentTypes"),
        ("loans", "loans"),
        ("repayment_schedule_items", "repaymentScheduleItems"),
        ("repayments", "repayments"),
        ("user_login_history", "userLoginHistory"),
        ("user_notes", "userNotes"),
        ("report_sessions", "reportSessions"),
        ("union_assignment_history", "unionAssignmentHistory"),
        ("union_member_reassignments", "unionMemberReassignments"),
        ("union_member_documents", "unionMemberDocuments"),
        ("loan_documents", "loanDocuments"),
    ] {
        let rows = count(&app, &format!("SELECT count(*) AS n FROM {table}")).await;
        let in_file = file["data"][array].as_array().expect("array").len();
        assert_eq!(rows, i64::try_from(in_file).expect("count"), "{table}");
    }
    // The products of the file, and "Imported" for the loan that had none (case 4).
    assert_eq!(count(&app, "SELECT count(*) AS n FROM loan_types").await, 8);
    assert_eq!(
        lines(&app, "SELECT t.name AS line FROM loans l JOIN loan_types t ON t.id = l.loan_type_id WHERE l.loan_number = 'LN00000091'").await,
        ["Imported"]
    );
    // The audit log of the file, and the import's own row.
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM audit_logs").await,
        1_163 + 1
    );
    let import_row = lines(
        &app,
        "SELECT metadata->>'checksum' AS line FROM audit_logs WHERE action = 'LEGACY_IMPORTED'",
    )
    .await;
    assert_eq!(
        import_row,
        [file["metadata"]["checksum"].as_str().expect("checksum")]
    );

    // Soft-deleted rows arrive deleted.
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM loans WHERE deleted_at IS NOT NULL"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM union_members WHERE deleted_at IS NOT NULL"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM users WHERE deleted_at IS NOT NULL"
        )
        .await,
        1
    );

    // Case 1: the hand-edited e-mail, normalised.
    assert!(noted(
        &summary,
        Outcome::Repaired,
        "nkechi.okonkwo@millenniumpotters.com.ng",
        "normalised"
    ));
    // Case 2: the later member imported without the e-mail the earlier one keeps.
    assert!(noted(
        &summary,
        Outcome::Repaired,
        "MEM000018",
        "ibe.chioma80@hotmail.com"
    ));
    assert_eq!(
        lines(&app, "SELECT COALESCE(email, '-') AS line FROM union_members WHERE code IN ('MEM000009', 'MEM000018') ORDER BY code").await,
        ["ibe.chioma80@hotmail.com", "-"]
    );
    // Case 3: the member without a code gets the next one.
    assert!(noted(
        &summary,
        Outcome::Repaired,
        "MEM000150",
        "had no code"
    ));
    assert_eq!(
        lines(&app, "SELECT first_name || ' ' || last_name AS line FROM union_members WHERE code = 'MEM000150'").await,
        ["Doowuese Akpan"]
    );
    // Case 4.
    assert!(noted(
        &summary,
        Outcome::Repaired,
        "LN00000091",
        "no product"
    ));
    // Case 5: the last installment absorbs the rounding, with the old and new amounts.
    for (loan, last) in [
        ("LN00000106", "333.43"),
        ("LN00000061", "333.43"),
        ("LN00000094", "4166.63"),
    ] {
        assert!(noted(&summary, Outcome::Repaired, loan, last), "{loan}");
    }
    // Case 6: nothing paid above its due.
    assert!(noted(
        &summary,
        Outcome::Difference,
        "LN00000084",
        "installment 9"
    ));
    assert_eq!(
        lines(&app, "SELECT i.paid_amount::text || ' ' || i.status AS line FROM repayment_schedule_items i JOIN loans l ON l.id = i.loan_id WHERE l.loan_number = 'LN00000084' AND i.sequence IN (9, 10) ORDER BY i.sequence").await,
        ["5000.00 PAID", "5000.00 PAID"]
    );
    // Case 7: the allocation pointing nowhere refused, and its repayment re-played.
    assert!(
        summary
            .notes
            .iter()
            .any(|note| note.outcome == Outcome::Refused
                && note.array == "repaymentAllocations"
                && !note.legacy_id.is_empty()
                && note.reason == "schedule item not in the backup")
    );
    assert!(noted(
        &summary,
        Outcome::Difference,
        "LN00000075",
        "installment 3"
    ));
    // LN00000061's last installment gets its 0.10.
    assert!(noted(&summary, Outcome::Difference, "LN00000061", "333.43"));
    // Case 8: the forgotten draft closed, the active loan untouched.
    assert!(noted(&summary, Outcome::Repaired, "LN00000064", "CANCELED"));
    assert_eq!(
        lines(&app, "SELECT loan_number || ' ' || status AS line FROM loans WHERE loan_number IN ('LN00000064', 'LN00000097') ORDER BY 1").await,
        ["LN00000064 CANCELED", "LN00000097 ACTIVE"]
    );
    // The sessions of the original cannot be used: none here, so nothing refused.
    assert_eq!(summary.arrays["staffSessions"].refused, 0);

    // The money of section 7 of the fixture's README.
    let live_repayments = "FROM repayments WHERE deleted_at IS NULL AND reversed_at IS NULL";
    assert_eq!(
        count(&app, &format!("SELECT count(*) AS n {live_repayments}")).await,
        511
    );
    assert_eq!(
        amount(
            &app,
            &format!("SELECT sum(amount) AS amount {live_repayments}")
        )
        .await,
        dec!(9433466.66)
    );
    assert_eq!(
        amount(
            &app,
            "SELECT sum(principal_amount) AS amount FROM loans WHERE deleted_at IS NULL"
        )
        .await,
        dec!(16303000)
    );
    assert_eq!(
        amount(&app, "SELECT sum(i.principal_due) AS amount FROM repayment_schedule_items i JOIN loans l ON l.id = i.loan_id WHERE l.deleted_at IS NULL AND i.deleted_at IS NULL").await,
        dec!(16303000)
    );
    assert_invariants(&app).await;

    // The counters continue after the highest imported numbers.
    assert_eq!(
        lines(
            &app,
            "SELECT name || ' ' || value AS line FROM counters ORDER BY name"
        )
        .await,
        ["loan_number 120", "union_member_code 150"]
    );

    // The nine active accounts log in with their passwords; the deleted and inactive do not.
    for (email, password) in [
        ("tope.afolabi@millenniumpotters.com.ng", "Palmwine*10"),
        ("bukola.olatunji@millenniumpotters.com.ng", "Kainji72*"),
        ("omolara.aina@millenniumpotters.com.ng", "Danfo7901@"),
        ("femi.ibitoye@millenniumpotters.com.ng", "Palmwine#55"),
        ("sunday.ekwueme@millenniumpotters.com.ng", "Yankari55%"),
        ("rotimi.ogunleye@millenniumpotters.com.ng", "Cassava%79"),
        ("nkechi.okonkwo@millenniumpotters.com.ng", "Harmattan&56"),
        ("blessing.mbah@millenniumpotters.com.ng", "Epe#9015"),
        ("godwin.adesina@millenniumpotters.com.ng", "Suya!4048"),
    ] {
        let login = app.login(email, password).await;
        assert_eq!(
            login.data()["login"]["user"]["email"],
            email,
            "{email}: {:?}",
            login.errors()
        );
    }
    for (email, password) in [
        (
            "chinyere.ibe@millenniumpotters.com.ng",
            "DefaultPassword@123",
        ),
        ("oluwaseun.ogundipe@millenniumpotters.com.ng", "Ogbono$30"),
    ] {
        let login = app.login(email, password).await;
        assert!(!login.errors().is_empty(), "{email} must not log in");
    }
    // Documents are records of files that stayed in the original system.
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM (SELECT external, storage_key FROM union_member_documents UNION ALL SELECT external, storage_key FROM loan_documents) d WHERE NOT external OR storage_key = ''").await,
        0
    );
    let admin = app
        .login("tope.afolabi@millenniumpotters.com.ng", "Palmwine*10")
        .await;
    let token = admin.data()["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let document = lines(
        &app,
        "SELECT id::text AS line FROM loan_documents WHERE deleted_at IS NULL ORDER BY id LIMIT 1",
    )
    .await;
    let listed = app
        .gql(&format!(
            "{{ document(id: \"{}\") {{ external downloadUrl }} }}",
            document[0]
        ))
        .token(&token)
        .send()
        .await;
    assert_eq!(
        listed.data()["document"]["external"],
        true,
        "{:?}",
        listed.errors()
    );
    let download = app
        .send(
            axum::http::Request::get(
                listed.data()["document"]["downloadUrl"]
                    .as_str()
                    .expect("url"),
            )
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .expect("request"),
        )
        .await;
    assert_eq!(download.status, axum::http::StatusCode::NOT_FOUND);
    assert!(
        download.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("stayed in the original system")),
        "{:?}",
        download.body
    );

    // Scope works on imported rows as on native ones: an officer sees the live unions, members
    // and loans of the unions they run now, a supervisor those of their officers.
    for (email, password) in [
        ("femi.ibitoye@millenniumpotters.com.ng", "Palmwine#55"),
        ("bukola.olatunji@millenniumpotters.com.ng", "Kainji72*"),
    ] {
        let login = app.login(email, password).await;
        let token = login.data()["login"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned();
        let seen = app
            .gql("{ unions { totalCount } unionMembers { totalCount } loans { totalCount } }")
            .token(&token)
            .send()
            .await;
        let officers = format!(
            "SELECT u.id FROM users u WHERE u.email = '{email}'
             UNION SELECT o.id FROM users o JOIN users s ON s.id = o.supervisor_id WHERE s.email = '{email}'"
        );
        let unions = format!(
            "SELECT id FROM unions WHERE deleted_at IS NULL AND credit_officer_id IN ({officers})"
        );
        let expected = [
            count(&app, &format!("SELECT count(*) AS n FROM ({unions}) x")).await,
            count(&app, &format!("SELECT count(*) AS n FROM union_members WHERE deleted_at IS NULL AND union_id IN ({unions})")).await,
            count(&app, &format!("SELECT count(*) AS n FROM loans WHERE deleted_at IS NULL AND union_id IN ({unions})")).await,
        ];
        let data = seen.data();
        assert_eq!(
            [
                &data["unions"]["totalCount"],
                &data["unionMembers"]["totalCount"],
                &data["loans"]["totalCount"]
            ],
            expected.map(Value::from).each_ref(),
            "{email}: {:?}",
            seen.errors()
        );
        assert!(
            expected[2] > 0 && expected[2] < 120,
            "{email} sees a part of the book"
        );
    }

    // Supervisors as the README lists them.
    assert_eq!(
        lines(&app, "SELECT u.email AS line FROM users u JOIN users s ON s.id = u.supervisor_id WHERE s.email = 'omolara.aina@millenniumpotters.com.ng' ORDER BY 1").await,
        ["blessing.mbah@millenniumpotters.com.ng", "rotimi.ogunleye@millenniumpotters.com.ng"]
    );

    // The same file into another database gives the same ids.
    let again = TestApp::spawn().await;
    import_file(&again, &path, false)
        .await
        .expect("second import");
    for table in [
        "users",
        "unions",
        "union_members",
        "loans",
        "repayment_schedule_items",
        "repayments",
    ] {
        let sql = format!("SELECT string_agg(id::text, ',' ORDER BY id) AS line FROM {table}");
        assert_eq!(
            lines(&app, &sql).await,
            lines(&again, &sql).await,
            "{table}"
        );
    }

    // A second import into the now non-empty database is refused.
    let refused = import_file(&app, &path, false)
        .await
        .expect_err("not empty");
    assert!(matches!(refused, ImportError::NotEmpty(_)), "{refused}");
    assert!(
        refused.to_string().contains("already holds business data"),
        "{refused}"
    );
}

/// `bytes` written compactly without `metadata.checksum`, hashed: the checksum the original
/// would have written for them (the file's whitespace between tokens dropped).
fn checksum_of(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut compact = Vec::with_capacity(bytes.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            compact.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            in_string = b == b'"';
            compact.push(b);
        }
    }
    let text = String::from_utf8(compact).expect("utf-8");
    let start = text.find(",\"checksum\":\"").expect("checksum key");
    let without = format!("{}{}", &text[..start], &text[start + 13 + 64 + 1..]);
    Sha256::digest(without.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A file of the test's own, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("millennium-legacy-{}.json", uuid::Uuid::new_v4())))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The sample with `edit` applied to its text and, when `reseal`, a checksum that matches.
fn variant(original: &str, edit: impl Fn(&str) -> String, reseal: bool) -> TempFile {
    let mut text = edit(original);
    if reseal {
        let checksum = checksum_of(text.as_bytes());
        let at = text.find("\"checksum\": \"").expect("checksum") + 13;
        text.replace_range(at..at + 64, &checksum);
    }
    let file = TempFile::new();
    std::fs::write(file.path(), text).expect("write");
    file
}

#[tokio::test]
async fn damaged_or_foreign_files_are_refused_and_nothing_is_written() {
    let Some(path) = sample() else { return };
    let original = std::fs::read_to_string(&path).expect("sample");
    let app = TestApp::spawn().await;
    // The resealing itself is right: the sample's own checksum comes out.
    let stated = original.split("\"checksum\": \"").nth(1).expect("checksum");
    assert_eq!(checksum_of(original.as_bytes()), &stated[..64]);

    let truncated = variant(&original, |text| text[..text.len() / 2].to_owned(), false);
    let edited = variant(
        &original,
        |text| {
            text.replacen(
                "\"principalAmount\": \"150000\"",
                "\"principalAmount\": \"150001\"",
                1,
            )
        },
        false,
    );
    let foreign = variant(
        &original,
        |_| "{\"data\": {\"users\": []}, \"metadata\": {}}".into(),
        false,
    );
    let wrong_type = variant(
        &original,
        |text| {
            text.replacen(
                "\"principalAmount\": \"150000\"",
                "\"principalAmount\": 150000",
                1,
            )
        },
        true,
    );
    let cases: [(&str, &Path, &str); 4] = [
        ("truncated", truncated.path(), "incomplete"),
        ("edited", edited.path(), "checksum does not match"),
        (
            "foreign",
            foreign.path(),
            "not a backup of the original system",
        ),
        (
            "a row of the wrong type",
            wrong_type.path(),
            "\"loans\" cannot be read: an amount must be a decimal string",
        ),
    ];
    for (what, file, message) in cases {
        let err = import_file(&app, file, false).await.expect_err(what);
        assert!(err.to_string().contains(message), "{what}: {err}");
        assert_eq!(business_rows(&app).await, 0, "{what} wrote nothing");
    }
}

/// The sample with the first repayment after `after` (in the repayments array) raised to
/// 99,999,999, its checksum matching.
fn overpaid(original: &str, after: &str) -> TempFile {
    variant(
        original,
        |text| {
            let repayments = text.find("\"repayments\": [").expect("repayments");
            let from = repayments + text[repayments..].find(after).expect("anchor");
            let at = from + text[from..].find("\"amount\": \"").expect("amount") + 11;
            let end = at + text[at..].find('"').expect("end");
            format!("{}99999999{}", &text[..at], &text[end..])
        },
        true,
    )
}

#[tokio::test]
async fn a_repayment_above_what_its_loan_owes_is_reversed_and_listed() {
    let Some(path) = sample() else { return };
    let original = std::fs::read_to_string(&path).expect("sample");
    // A repayment of LN00000084, an ACTIVE loan: reversed, and the loan stays ACTIVE.
    let file = overpaid(&original, "\"loanId\": \"cmj32ayq50ju5dt42wolzzsmw\"");
    let app = TestApp::spawn().await;
    let summary = import_file(&app, file.path(), false).await.expect("import");
    assert!(
        noted(
            &summary,
            Outcome::Difference,
            "LN00000084",
            "99999999.00 on"
        ),
        "{:#?}",
        summary.notes
    );
    assert!(noted(
        &summary,
        Outcome::Difference,
        "LN00000084",
        "reversed at import"
    ));
    assert_eq!(
        lines(&app, "SELECT l.loan_number || ' ' || l.status || ' ' || r.amount AS line FROM repayments r JOIN loans l ON l.id = r.loan_id WHERE r.reversed_at IS NOT NULL").await,
        ["LN00000084 ACTIVE 99999999.00"]
    );
    assert_invariants(&app).await;

    // The first repayment of the file belongs to a COMPLETED loan whose member has an open loan
    // since: reversing it leaves the loan owing, and it cannot be reopened: listed, not changed.
    let file = overpaid(&original, "{");
    let app = TestApp::spawn().await;
    let summary = import_file(&app, file.path(), false).await.expect("import");
    assert!(
        summary
            .notes
            .iter()
            .any(|note| note.outcome == Outcome::Difference
                && note.reason.contains("settle it by hand")),
        "{:#?}",
        summary.notes
    );
}

#[tokio::test]
async fn an_account_made_before_the_import_takes_the_records_of_its_legacy_twin() {
    let Some(path) = sample() else { return };
    let app = TestApp::spawn().await;
    // The administrator a first start makes, with the address of the original's administrator.
    let admin = UserFactory::new()
        .role(Role::Admin)
        .email("tope.afolabi@millenniumpotters.com.ng")
        .password("Bootstrap#2026")
        .insert(&app)
        .await;
    let summary = import_file(&app, &path, false).await.expect("import");
    assert!(noted(
        &summary,
        Outcome::Refused,
        "tope.afolabi@millenniumpotters.com.ng",
        "was here before the import"
    ));
    assert_eq!(summary.arrays["users"].imported, 10);
    // What the original's administrator did is the existing account's now.
    let created = count(
        &app,
        &format!(
            "SELECT count(*) AS n FROM loans WHERE created_by_user_id = '{}'",
            admin.id
        ),
    )
    .await;
    assert!(created > 0);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM users WHERE email = 'tope.afolabi@millenniumpotters.com.ng'"
        )
        .await,
        1
    );
    // The account keeps its own password.
    let login = app
        .login("tope.afolabi@millenniumpotters.com.ng", "Bootstrap#2026")
        .await;
    assert_eq!(
        login.data()["login"]["user"]["role"],
        "ADMIN",
        "{:?}",
        login.errors()
    );
    assert_invariants(&app).await;
}

#[tokio::test]
async fn of_two_imports_at_once_one_imports_and_the_other_finds_the_book_full() {
    let Some(path) = sample() else { return };
    let app = TestApp::spawn().await;
    let (first, second) = tokio::join!(
        import_file(&app, &path, false),
        import_file(&app, &path, false)
    );
    let (done, refused) = match (first, second) {
        (Ok(done), Err(refused)) | (Err(refused), Ok(done)) => (done, refused),
        (first, second) => {
            panic!("one import must succeed and one be refused: {first:?} / {second:?}")
        }
    };
    assert_eq!(done.arrays["loans"].imported, 120);
    assert!(matches!(refused, ImportError::NotEmpty(_)), "{refused}");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM loans").await, 120);
}

#[tokio::test]
async fn a_dry_run_reports_everything_and_writes_nothing() {
    let Some(path) = sample() else { return };
    let app = TestApp::spawn().await;
    let summary = import_file(&app, &path, true).await.expect("dry run");
    assert!(summary.dry_run);
    assert_eq!(summary.arrays["loans"].imported, 120);
    assert!(noted(&summary, Outcome::Repaired, "LN00000064", "CANCELED"));
    assert_eq!(business_rows(&app).await, 0);
}

#[tokio::test]
async fn the_command_prints_the_summary_and_writes_the_report() {
    let Some(path) = sample() else { return };
    let app = TestApp::spawn().await;
    let url = crate::support::db::server().url(&app.database);
    let report = TempFile::new();
    let output = run(millennium(&[("DATABASE_URL", url.expose())]).args([
        "import",
        "legacy-backup",
        path.to_str().expect("path"),
        "--report",
        report.path().to_str().expect("path"),
    ]));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("Imported legacy-backup-sample.json"),
        "{stdout}"
    );
    assert!(
        stdout.contains("schedule item not in the backup"),
        "{stdout}"
    );
    let json: Value =
        serde_json::from_slice(&std::fs::read(report.path()).expect("report")).expect("json");
    assert_eq!(json["arrays"]["loans"]["read"], 120);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM loans").await, 120);
}

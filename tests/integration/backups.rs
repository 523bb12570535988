//! Backups and restores through the real router, the real binary and the local store: a round
//! trip that compares every table row by row, damaged files refused with nothing changed, a
//! restore killed at several points leaving wholly old or wholly new data, a killed backup
//! marked FAILED, the schedule run once by two instances, retention, and who may do what.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use millennium::backup::format::TABLES;
use millennium::domain::Role;
use millennium::domain::backups::{BackupKind, BackupStatus};
use millennium::seed::{self, Options};
use millennium::services::backups::{self, ScheduleOutcome};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::app::Session;
use crate::support::db::server;
use crate::support::money::assert_invariants;
use crate::support::process::{Running, millennium};
use crate::support::records::wait_for_quiet_database;

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Every row of every table a backup holds, as JSON, in order.
async fn snapshot(app: &TestApp) -> BTreeMap<&'static str, Vec<String>> {
    let mut conn = app.conn().await;
    let mut tables = BTreeMap::new();
    for table in TABLES {
        let rows: Vec<Line> = diesel::sql_query(format!(
            "SELECT row_to_json(t)::text AS line FROM {} t ORDER BY 1",
            table.name
        ))
        .load(&mut conn)
        .await
        .expect("rows");
        tables.insert(table.name, rows.into_iter().map(|row| row.line).collect());
    }
    tables
}

/// The business tables (the audit log and the sessions apart), for old-or-new comparisons.
fn business(snapshot: &BTreeMap<&'static str, Vec<String>>) -> BTreeMap<&'static str, Vec<String>> {
    snapshot
        .iter()
        .filter(|(name, _)| !matches!(**name, "audit_logs" | "staff_sessions"))
        .map(|(name, rows)| (*name, rows.clone()))
        .collect()
}

async fn seeded() -> TestApp {
    let app = TestApp::spawn().await;
    seed::demo(
        &app.state,
        "http://127.0.0.1:4000/graphiql",
        Options {
            scale: 1,
            progress: false,
        },
    )
    .await
    .expect("seed demo");
    app
}

const BACKUP_FIELDS: &str = "id fileName kind status sizeBytes sha256 dataSha256 schemaVersion
    rowCounts includeAuditLogs includeSessions createdByName errorMessage downloadUrl
    createdBy { email }";

async fn create_backup(app: &TestApp, admin: &Session, input: Value) -> Value {
    let response = app
        .gql(&format!(
            "mutation($input: CreateBackupInput) {{ createBackup(input: $input) {{ {BACKUP_FIELDS} }} }}"
        ))
        .var("input", input)
        .by(admin)
        .send()
        .await;
    let backup = response.data()["createBackup"].clone();
    assert_eq!(backup["status"], "IN_PROGRESS", "{backup}");
    wait_for_backup(app, admin, backup["id"].as_str().expect("id")).await
}

/// Polls `backup(id)` until it is no longer IN_PROGRESS.
async fn wait_for_backup(app: &TestApp, admin: &Session, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let response = app
            .gql(&format!(
                "query($id: ID!) {{ backup(id: $id) {{ {BACKUP_FIELDS} }} }}"
            ))
            .var("id", id)
            .by(admin)
            .send()
            .await;
        let backup = response.data()["backup"].clone();
        if backup["status"] != "IN_PROGRESS" {
            return backup;
        }
        assert!(Instant::now() < deadline, "the backup never finished");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn restore(
    app: &TestApp,
    admin: &Session,
    backup: &Value,
    confirm: &str,
) -> crate::support::app::GqlResponse {
    app.gql(
        "mutation($id: ID!, $confirm: String!) {
            restoreBackup(id: $id, confirm: $confirm) {
                backup { id } safetyBackup { id kind status fileName }
                rowCounts callerKept sessionsCleared message
            }
        }",
    )
    .var("id", backup["id"].clone())
    .var("confirm", confirm)
    .by(admin)
    .send()
    .await
}

fn stored_file(app: &TestApp, backup: &Value) -> std::path::PathBuf {
    app.data_dir
        .join("files/backups")
        .join(backup["fileName"].as_str().expect("fileName"))
}

/// Tables a backup leaves out on purpose: they describe the backups and the store, or are the
/// running service's bookkeeping, and outlive a restore; or they are derived from the loans
/// (the reports' kept figures), and a restore recomputes them.
const LEFT_OUT: &[&str] = &[
    "backup_records",
    "backup_schedule_settings",
    "daily_figures",
    "job_leases",
    "loan_status_figures",
    "login_throttles",
    "monthly_figures",
    "stored_objects",
];

#[tokio::test]
async fn every_table_is_in_backups_or_left_out_on_purpose() {
    let app = TestApp::spawn().await;
    let tables: Vec<Line> = diesel::sql_query(
        "SELECT table_name::text AS line FROM information_schema.tables
          WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'
          ORDER BY 1",
    )
    .load(&mut app.conn().await)
    .await
    .expect("tables");
    let mut expected: Vec<&str> = TABLES
        .iter()
        .map(|table| table.name)
        .chain(LEFT_OUT.iter().copied())
        .collect();
    expected.sort_unstable();
    let actual: Vec<&str> = tables.iter().map(|row| row.line.as_str()).collect();
    assert_eq!(
        actual, expected,
        "a new table must join backup::format::TABLES or LEFT_OUT"
    );
}

#[tokio::test]
async fn a_backup_wiped_and_restored_gives_back_every_row() {
    let app = seeded().await;
    let admin = app.login_as(Role::Admin).await;
    let officer = app.login_as(Role::CreditOfficer).await;

    // Text that the loader must carry unchanged: tabs, line breaks, backslashes, quotes, a
    // literal `\N`, non-ASCII; and JSON holding the same.
    diesel::sql_query(
        r#"UPDATE union_members
              SET address = E'Plot 7\tBlock "C"\nKampala \\ Uganda\r\n\\N é 🙂',
                  company = '\N'
            WHERE id = (SELECT id FROM union_members ORDER BY id LIMIT 1)"#,
    )
    .execute(&mut app.conn().await)
    .await
    .expect("awkward text");
    diesel::sql_query(
        r#"UPDATE audit_logs
              SET metadata = jsonb_build_object('note', E'a\\b\nc\td "e"', 'list', jsonb_build_array(1, E'x\ty', NULL))
            WHERE id = (SELECT id FROM audit_logs ORDER BY id LIMIT 1)"#,
    )
    .execute(&mut app.conn().await)
    .await
    .expect("awkward json");

    let backup = create_backup(&app, &admin, json!({})).await;
    assert_eq!(backup["status"], "COMPLETED", "{backup}");
    assert_eq!(backup["kind"], "MANUAL");
    assert_eq!(backup["createdBy"]["email"], admin.user.email.as_str());
    assert_eq!(backup["includeAuditLogs"], true);
    assert_eq!(backup["includeSessions"], false);
    assert_eq!(backup["sha256"].as_str().expect("sha256").len(), 64);
    let file = stored_file(&app, &backup);
    let stored = std::fs::read(&file).expect("the file is in the store");
    assert_eq!(
        backup["sizeBytes"].as_i64(),
        Some(i64::try_from(stored.len()).expect("size"))
    );
    let before = snapshot(&app).await;
    assert_eq!(
        backup["rowCounts"]["loans"].as_u64(),
        Some(before["loans"].len() as u64)
    );
    assert!(before["loans"].len() > 1_000);

    // The file is a gzip of JSON lines: header first, manifest last.
    let mut text = String::new();
    flate2::read::GzDecoder::new(stored.as_slice())
        .read_to_string(&mut text)
        .expect("gunzip");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("{\"$backup\":"), "{}", lines[0]);
    assert!(
        lines[1].starts_with("{\"$table\":{\"name\":\"users\",\"columns\":[\"id\","),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("[\""),
        "a row is an array: {}",
        lines[2]
    );
    let manifest: Value = serde_json::from_str(lines[lines.len() - 1]).expect("manifest");
    assert_eq!(manifest["$manifest"]["sha256"], backup["dataSha256"]);
    assert_eq!(
        manifest["$manifest"]["schemaVersion"],
        backup["schemaVersion"]
    );

    // Wipe the loan book.
    diesel::sql_query(
        "TRUNCATE repayment_allocations, repayments, loan_charges, repayment_schedule_items,
                  loan_documents, loans, union_member_documents, union_member_reassignments,
                  union_members",
    )
    .execute(&mut app.conn().await)
    .await
    .expect("wipe");
    assert_ne!(snapshot(&app).await["loans"].len(), before["loans"].len());

    let wrong = restore(&app, &admin, &backup, "not-the-name.json.gz").await;
    assert_eq!(wrong.error_code(), "BAD_USER_INPUT");
    assert_eq!(wrong.error_field().as_deref(), Some("confirm"));

    let restored = restore(
        &app,
        &admin,
        &backup,
        backup["fileName"].as_str().expect("name"),
    )
    .await;
    let result = &restored.data()["restoreBackup"];
    assert_eq!(result["callerKept"], true, "{result}");
    assert_eq!(result["sessionsCleared"], true);
    assert_eq!(result["safetyBackup"]["kind"], "SAFETY");
    assert_eq!(result["safetyBackup"]["status"], "COMPLETED");

    let after = snapshot(&app).await;
    for (table, rows) in &before {
        match *table {
            "audit_logs" => {
                assert_eq!(after[table].len(), rows.len() + 1);
                let extra: Vec<&String> = after[table]
                    .iter()
                    .filter(|row| !rows.contains(row))
                    .collect();
                assert_eq!(extra.len(), 1);
                let entry: Value = serde_json::from_str(extra[0]).expect("audit row");
                assert_eq!(entry["action"], "SYSTEM_RESTORED");
                assert_eq!(entry["actor_user_id"], admin.user.id.to_string());
                assert_eq!(entry["metadata"]["backup"]["fileName"], backup["fileName"]);
            }
            "staff_sessions" => {
                // Sessions were not in the backup: only the restoring admin's is kept.
                assert!(!after[table].is_empty());
                for row in &after[table] {
                    let session: Value = serde_json::from_str(row).expect("session");
                    assert_eq!(session["user_id"], admin.user.id.to_string());
                }
            }
            _ => assert_eq!(
                &after[table], rows,
                "table {table} differs after the restore"
            ),
        }
    }
    let awkward: Vec<Line> = diesel::sql_query(
        "SELECT concat_ws('|', address, company) AS line FROM union_members
          WHERE id = (SELECT id FROM union_members ORDER BY id LIMIT 1)",
    )
    .load(&mut app.conn().await)
    .await
    .expect("awkward text");
    assert_eq!(
        awkward[0].line,
        "Plot 7\tBlock \"C\"\nKampala \\ Uganda\r\n\\N é 🙂|\\N"
    );
    assert_invariants(&app).await;

    // The admin's session goes on; everybody else logs in again.
    let me = app.gql("{ me { email } }").by(&admin).send().await;
    assert_eq!(me.data()["me"]["email"], admin.user.email.as_str());
    let other = app.gql("{ me { email } }").by(&officer).send().await;
    assert_eq!(other.status(), 401);
}

#[tokio::test]
async fn a_damaged_or_foreign_backup_is_refused_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    crate::support::Org::new(&app).await;
    let backup = create_backup(&app, &admin, json!({ "includeSessions": true })).await;
    assert_eq!(backup["status"], "COMPLETED");
    let name = backup["fileName"].as_str().expect("name").to_owned();
    let file = stored_file(&app, &backup);
    let sound = std::fs::read(&file).expect("file");
    let before = snapshot(&app).await;

    // One byte changed in the middle.
    let mut flipped = sound.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x55;
    std::fs::write(&file, &flipped).expect("damage");
    let refused = restore(&app, &admin, &backup, &name).await;
    assert_eq!(
        refused.error_code(),
        "BAD_USER_INPUT",
        "{:?}",
        refused.body()
    );
    let message = refused.error_message();
    assert!(
        message.contains("damaged") || message.contains("checksum"),
        "{message}"
    );

    // Cut short.
    std::fs::write(&file, &sound[..sound.len() * 2 / 3]).expect("truncate");
    let refused = restore(&app, &admin, &backup, &name).await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert!(
        refused.error_message().contains("incomplete"),
        "{}",
        refused.error_message()
    );

    // Sound again, but the database has moved on to another schema version.
    std::fs::write(&file, &sound).expect("repair");
    diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('99991231000000')")
        .execute(&mut app.conn().await)
        .await
        .expect("a newer migration");
    let refused = restore(&app, &admin, &backup, &name).await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert!(
        refused.error_message().contains("schema version"),
        "{}",
        refused.error_message()
    );
    diesel::sql_query("DELETE FROM __diesel_schema_migrations WHERE version = '99991231000000'")
        .execute(&mut app.conn().await)
        .await
        .expect("back");

    // Nothing changed, and no safety backup was taken for a refused file.
    assert_eq!(business(&snapshot(&app).await), business(&before));
    let safety = app
        .gql("{ backups(filter: { kind: SAFETY }) { totalCount } }")
        .by(&admin)
        .send()
        .await;
    assert_eq!(safety.data()["backups"]["totalCount"], 0);

    // The sound file restores.
    let restored = restore(&app, &admin, &backup, &name).await;
    assert_eq!(restored.data()["restoreBackup"]["sessionsCleared"], false);
}

/// The binary with the test app's database and store.
fn cli(app: &TestApp, args: &[&str]) -> std::process::Command {
    let url = server().url(&app.database);
    let data_dir = app.data_dir.display().to_string();
    let mut command = millennium(&[
        ("DATABASE_URL", url.expose()),
        ("DATA_DIR", &data_dir),
        ("JWT_SECRET", crate::support::app::JWT_SECRET),
    ]);
    command.args(args);
    command
}

/// Changes the data after a backup: the "old" data that a restore replaces.
async fn move_on(app: &TestApp) {
    let mut conn = app.conn().await;
    for statement in [
        "UPDATE union_members SET note = 'changed after the backup'",
        "UPDATE repayments SET notes = 'changed after the backup'
          WHERE id IN (SELECT id FROM repayments ORDER BY id LIMIT 50)",
        "INSERT INTO document_types (code, name) VALUES ('AFTER', 'Added after the backup')",
    ] {
        diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .expect("change");
    }
}

#[tokio::test]
async fn a_restore_killed_at_any_point_leaves_the_old_data_or_the_new() {
    let app = seeded().await;
    let admin = app.login_as(Role::Admin).await;
    let backup = create_backup(&app, &admin, json!({})).await;
    let new = business(&snapshot(&app).await);
    let id = backup["id"].as_str().expect("id").to_owned();

    // The data moves on after the backup: that is the "old" data a restore replaces.
    move_on(&app).await;
    let old = business(&snapshot(&app).await);
    assert_ne!(old, new);

    // Killed while checking the file, during the safety backup, and at tables of the load.
    let kill_points = [
        "check:",
        "taking a safety backup",
        "restore: ",
        ", loans",
        ", repayment_allocations",
        ", audit_logs",
    ];
    let mut outcomes = Vec::new();
    for point in kill_points {
        let mut running = Running::start(cli(&app, &["backup", "restore", &id, "--yes"]));
        running.wait_for(point);
        let printed = running.kill_now();
        wait_for_quiet_database(&app).await;
        let now = business(&snapshot(&app).await);
        let outcome = if now == old {
            "old"
        } else if now == new {
            "new"
        } else {
            panic!(
                "killed at {point:?}, the data is neither old nor new:\n{}",
                printed.join("\n")
            )
        };
        outcomes.push((point, outcome));
        if outcome == "new" {
            // Put the old data back for the next kill.
            move_on(&app).await;
        }
    }
    eprintln!("kill points and what they left: {outcomes:?}");
    assert!(
        outcomes.iter().any(|(_, outcome)| *outcome == "old"),
        "no kill landed before the commit: {outcomes:?}"
    );

    // Left to finish, the restore gives the new data.
    let (status, printed) =
        Running::start(cli(&app, &["backup", "restore", &id, "--yes"])).finish();
    assert!(status.success(), "{}", printed.join("\n"));
    assert!(
        printed
            .iter()
            .any(|line| line.contains("everybody must log in again")),
        "{}",
        printed.join("\n")
    );
    assert_eq!(business(&snapshot(&app).await), new);
    assert_invariants(&app).await;

    // The safety backups of the killed runs are not left IN_PROGRESS forever.
    app.clock.advance(TimeDelta::minutes(3));
    backups::fail_abandoned(&app.state).await.expect("sweep");
    let admin = app.login_as(Role::Admin).await;
    let stuck = app
        .gql("{ backups(filter: { status: IN_PROGRESS }) { totalCount } }")
        .by(&admin)
        .send()
        .await;
    assert_eq!(stuck.data()["backups"]["totalCount"], 0);
}

#[tokio::test]
async fn a_backup_whose_process_dies_is_marked_failed() {
    let app = seeded().await;
    let mut running = Running::start(cli(&app, &["backup", "create"]));
    running.wait_for("backup: ");
    running.kill_now();
    wait_for_quiet_database(&app).await;

    let admin = app.login_as(Role::Admin).await;
    let list = "{ backups { nodes { status kind errorMessage createdByName } } }";
    let response = app.gql(list).by(&admin).send().await;
    let nodes = response.data()["backups"]["nodes"].clone();
    assert_eq!(nodes[0]["status"], "IN_PROGRESS", "{nodes}");
    assert!(
        nodes[0]["createdByName"]
            .as_str()
            .is_some_and(|name| name.starts_with("command line")),
        "{nodes}"
    );

    // A fresh heartbeat is not swept; a stale one is.
    assert_eq!(backups::fail_abandoned(&app.state).await.expect("sweep"), 0);
    app.clock.advance(TimeDelta::minutes(3));
    assert_eq!(backups::fail_abandoned(&app.state).await.expect("sweep"), 1);
    let admin = app.login_as(Role::Admin).await;
    let response = app.gql(list).by(&admin).send().await;
    let failed = &response.data()["backups"]["nodes"][0];
    assert_eq!(failed["status"], "FAILED");
    assert!(
        failed["errorMessage"]
            .as_str()
            .is_some_and(|error| error.contains("stopped before it finished")),
        "{failed}"
    );
    // No partial object is left under the backup's name.
    assert!(
        std::fs::read_dir(app.data_dir.join("files/backups"))
            .map(|entries| entries.count())
            .unwrap_or(0)
            == 0
    );

    // The command line lists it, and a backup from the command line completes.
    let output = cli(&app, &["backup", "create"]).output().expect("create");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(printed.contains("Created millennium-backup-"), "{printed}");
    let output = cli(&app, &["backup", "list"]).output().expect("list");
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(listed.contains("FAILED"), "{listed}");
    assert!(listed.contains("COMPLETED"), "{listed}");
}

#[tokio::test]
async fn two_instances_take_one_scheduled_backup_and_apply_retention() {
    let first = TestApp::spawn().await;
    let data_dir = first.data_dir.display().to_string();
    let url = server().url(&first.database);
    let second =
        TestApp::on_database(first.database.clone(), &url, &[("DATA_DIR", &data_dir)]).await;
    let admin = first.login_as(Role::Admin).await;

    let response = first
        .gql(
            "mutation { updateBackupSchedule(input: { frequency: DAILY, retentionDays: 7 }) {
                frequency retentionDays nextBackupAt } }",
        )
        .by(&admin)
        .send()
        .await;
    let schedule = response.data()["updateBackupSchedule"].clone();
    assert_eq!(schedule["frequency"], "DAILY");
    let next = schedule["nextBackupAt"].as_str().expect("next").to_owned();

    // Not due yet.
    assert_eq!(
        backups::run_schedule_once(&first.state, "first")
            .await
            .expect("run"),
        ScheduleOutcome::NotDue
    );

    // Old scheduled backups exist from earlier runs.
    let mut conn = first.conn().await;
    for days_ago in [30, 20, 3] {
        diesel::sql_query(format!(
            "INSERT INTO backup_records (file_name, storage_key, kind, status, completed_at, created_at, updated_at)
             VALUES ('old-{days_ago}.json.gz', 'backups/old-{days_ago}.json.gz', 'SCHEDULED', 'COMPLETED',
                     now() - interval '{days_ago} days', now() - interval '{days_ago} days', now())"
        ))
        .execute(&mut conn)
        .await
        .expect("old backup");
    }
    drop(conn);

    // A day later both instances look at once: one takes the backup.
    first.clock.advance(TimeDelta::days(1));
    second.clock.advance(TimeDelta::days(1));
    let (a, b) = tokio::join!(
        backups::run_schedule_once(&first.state, "first"),
        backups::run_schedule_once(&second.state, "second"),
    );
    let outcomes = [a.expect("first"), b.expect("second")];
    let ran: Vec<_> = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, ScheduleOutcome::Ran { .. }))
        .collect();
    assert_eq!(ran.len(), 1, "{outcomes:?}");
    let ScheduleOutcome::Ran {
        status, deleted, ..
    } = ran[0]
    else {
        unreachable!()
    };
    assert_eq!(*status, BackupStatus::Completed);
    assert_eq!(deleted.len(), 2, "the 30- and 20-day-old backups go");

    let mut conn = first.conn().await;
    let scheduled: Vec<Line> = diesel::sql_query(
        "SELECT file_name AS line FROM backup_records
          WHERE kind = 'SCHEDULED' AND deleted_at IS NULL ORDER BY created_at",
    )
    .load(&mut conn)
    .await
    .expect("scheduled");
    let names: Vec<&str> = scheduled.iter().map(|row| row.line.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[0], "old-3.json.gz");
    assert!(names[1].contains("-scheduled-"), "{names:?}");
    drop(conn);

    // Run again the same day: nothing (the next run is tomorrow).
    for (app, holder) in [(&first, "first"), (&second, "second")] {
        assert_eq!(
            backups::run_schedule_once(&app.state, holder)
                .await
                .expect("again"),
            ScheduleOutcome::NotDue
        );
    }
    let admin = first.login_as(Role::Admin).await;
    let response = first
        .gql("{ backupSchedule { lastBackupAt nextBackupAt } }")
        .by(&admin)
        .send()
        .await;
    let schedule = &response.data()["backupSchedule"];
    assert!(schedule["lastBackupAt"].is_string());
    assert!(schedule["nextBackupAt"].as_str().expect("next") > next.as_str());
    let _ = BackupKind::Scheduled;
}

#[tokio::test]
async fn only_administrators_take_restore_and_download_backups() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let supervisor = app.login_as(Role::Supervisor).await;
    let officer = app.login_as(Role::CreditOfficer).await;
    let backup = create_backup(&app, &admin, json!({})).await;
    let id = backup["id"].as_str().expect("id");

    // Supervisors read; officers do not; only administrators act.
    let list = "{ backups { totalCount } backupSchedule { frequency } }";
    let read = app.gql(list).by(&supervisor).send().await;
    assert_eq!(read.data()["backups"]["totalCount"], 1);
    assert_eq!(read.data()["backupSchedule"]["frequency"], "DISABLED");
    assert_eq!(
        app.gql(list).by(&officer).send().await.error_code(),
        "FORBIDDEN"
    );
    for who in [&supervisor, &officer] {
        let create = app
            .gql("mutation { createBackup { id } }")
            .by(who)
            .send()
            .await;
        assert_eq!(create.error_code(), "FORBIDDEN");
        let delete = app
            .gql("mutation($id: ID!) { deleteBackup(id: $id) { id } }")
            .var("id", id)
            .by(who)
            .send()
            .await;
        assert_eq!(delete.error_code(), "FORBIDDEN");
        let restored = restore(
            &app,
            who,
            &backup,
            backup["fileName"].as_str().expect("name"),
        )
        .await;
        assert_eq!(restored.error_code(), "FORBIDDEN");
    }

    // The download streams the stored file to administrators only.
    let path = format!("/backups/{id}/download");
    let anonymous = app.get(&path).await;
    assert_eq!(anonymous.status, 401);
    let download = |session: &Session| {
        axum::http::Request::get(path.as_str())
            .header("authorization", format!("Bearer {}", session.access_token))
            .body(axum::body::Body::empty())
            .expect("request")
    };
    assert_eq!(app.send(download(&supervisor)).await.status, 403);
    let response = app.send(download(&admin)).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("application/gzip")
    );
    let stored = std::fs::read(stored_file(&app, &backup)).expect("file");
    assert_eq!(response.bytes, stored);
    assert_eq!(
        response.header("content-length"),
        Some(stored.len().to_string())
    );
    assert!(
        response
            .header("content-disposition")
            .is_some_and(|value| value.contains(backup["fileName"].as_str().expect("name")))
    );
    let missing = app
        .send(
            axum::http::Request::get("/backups/00000000-0000-0000-0000-000000000000/download")
                .header("authorization", format!("Bearer {}", admin.access_token))
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(missing.status, 404);

    // Deleting removes the record and the file; the audit log has both.
    let deleted = app
        .gql("mutation($id: ID!) { deleteBackup(id: $id) { id } }")
        .var("id", id)
        .by(&admin)
        .send()
        .await;
    assert_eq!(deleted.data()["deleteBackup"]["id"], id);
    assert!(!stored_file(&app, &backup).exists());
    let actions: Vec<Line> = diesel::sql_query(
        "SELECT action AS line FROM audit_logs WHERE entity_name = 'Backup' ORDER BY created_at, action",
    )
    .load(&mut app.conn().await)
    .await
    .expect("audit");
    let actions: Vec<&str> = actions.iter().map(|row| row.line.as_str()).collect();
    assert_eq!(actions, ["BACKUP_CREATED", "BACKUP_DELETED"]);
}

/// Found by `tests/bench/fuzz.sh`: a burst of `createBackup` started as many backups, each
/// holding a connection, until other requests waited out the acquire timeout (503). One backup
/// is written at a time.
#[tokio::test]
async fn a_backup_is_refused_while_another_is_being_written() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    diesel::sql_query(
        "INSERT INTO backup_records (file_name, storage_key, status, holder, started_at, \
         heartbeat_at) VALUES ('running.json.gz', 'backups/running.json.gz', 'IN_PROGRESS', \
         'elsewhere', now(), now())",
    )
    .execute(&mut *app.conn().await)
    .await
    .expect("a backup being written");
    let refused = app
        .gql("mutation { createBackup { id } }")
        .by(&admin)
        .send()
        .await;
    assert_eq!(refused.error_code(), "CONFLICT", "{}", refused.body());
    assert!(
        refused.errors()[0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("running.json.gz"))
    );
}

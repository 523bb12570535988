//! `DATABASE_READ_URL`: a real streaming replica (`pg_basebackup -R`) of the test's own primary.
//! Reports read from it while writes and their answers come from the primary; with the replica
//! gone, reports fall back to the primary.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use diesel_async::RunQueryDsl;
use millennium::db::{Endpoint, migrations};
use millennium::domain::Role;
use millennium::embedded_pg::{EmbeddedOptions, EmbeddedPostgres, PgPrograms};
use serde_json::json;

use crate::support::TestApp;
use crate::support::UserFactory;
use crate::support::app::Session;
use crate::support::db::unique_name;

async fn start(options: EmbeddedOptions) -> EmbeddedPostgres {
    tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&options))
        .await
        .expect("join")
        .expect("start PostgreSQL")
}

/// Copies the running `primary` (whose data directory is `primary_dir`) into `replica_dir` as a
/// standby that streams from it.
fn base_backup(
    programs: &PgPrograms,
    primary: &EmbeddedPostgres,
    primary_dir: &Path,
    replica_dir: &Path,
) {
    std::fs::create_dir_all(replica_dir).expect("replica directory");
    let url = url::Url::parse(primary.url("postgres").expose()).expect("the primary's URL");
    // Beside the real `postgres` (the one found may be a link from another directory).
    let server = std::fs::canonicalize(programs.bin_dir.join("postgres")).expect("postgres");
    let program = server.with_file_name("pg_basebackup");
    let mut command = if nix::unistd::Uid::effective().is_root() {
        // As the user the servers run as, who must own the copy.
        let owner = nix::unistd::User::from_name("postgres")
            .ok()
            .flatten()
            .expect("the postgres user");
        nix::unistd::chown(replica_dir, Some(owner.uid), Some(owner.gid)).expect("chown");
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    };
    let output = command
        .arg("-D")
        .arg(replica_dir.join("postgres"))
        .args(["-R", "-X", "stream", "-h", "127.0.0.1"])
        .args(["-p", &primary.port().to_string(), "-U", url.username()])
        .env("PGPASSWORD", url.password().expect("a password"))
        .output()
        .expect("run pg_basebackup");
    assert!(
        output.status.success(),
        "pg_basebackup failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::copy(
        primary_dir.join("postgres.password"),
        replica_dir.join("postgres.password"),
    )
    .expect("the superuser's password");
}

async fn unions_on_the_dashboard(app: &TestApp, admin: &Session) -> i64 {
    app.gql("{ dashboard { unions } }")
        .by(admin)
        .send()
        .await
        .data()["dashboard"]["unions"]
        .as_i64()
        .expect("a count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_read_from_a_streaming_replica_and_fall_back_to_the_primary() {
    let programs = PgPrograms::discover(None).expect("PostgreSQL programs");
    let primary_dir = std::env::temp_dir().join(unique_name("millennium-primary-pg"));
    let primary = start(EmbeddedOptions::persistent(
        primary_dir.clone(),
        programs.clone(),
    ))
    .await;
    let primary_url = primary.url("postgres");
    migrations::run_pending(&Endpoint::parse(&primary_url).expect("endpoint"))
        .await
        .expect("migrate the primary");
    let replica_dir = std::env::temp_dir().join(unique_name("millennium-replica-pg"));
    {
        let (programs, primary_dir, replica_dir) =
            (programs.clone(), primary_dir.clone(), replica_dir.clone());
        let primary = &primary;
        tokio::task::block_in_place(|| base_backup(&programs, primary, &primary_dir, &replica_dir));
    }
    let replica = start(EmbeddedOptions::persistent(replica_dir.clone(), programs)).await;
    let replica_url = replica.url("postgres");
    let app = TestApp::on_database(
        "postgres".into(),
        &primary_url,
        &[
            ("DATABASE_READ_URL", replica_url.expose()),
            ("DB_ACQUIRE_TIMEOUT_MS", "2000"),
        ],
    )
    .await;
    let admin = app.login_as(Role::Admin).await;
    let officer = UserFactory::new().insert(&app).await;

    // The replica replays the primary; then its replay is held still.
    let mut standby = Endpoint::parse(&replica_url)
        .expect("endpoint")
        .establish()
        .await
        .expect("connect to the replica");
    diesel::sql_query("SELECT pg_wal_replay_pause()")
        .execute(&mut standby)
        .await
        .expect("pause the replay");
    #[derive(diesel::QueryableByName)]
    struct PauseState {
        #[diesel(sql_type = diesel::sql_types::Text)]
        state: String,
    }
    for _ in 0..100 {
        let paused: PauseState =
            diesel::sql_query("SELECT pg_get_wal_replay_pause_state() AS state")
                .get_result(&mut standby)
                .await
                .expect("the replay's state");
        if paused.state == "paused" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A write goes to the primary, and its answer shows it.
    let made = app
        .gql("mutation($input: CreateUnionInput!) { createUnion(input: $input) { id name } }")
        .var(
            "input",
            json!({ "name": "Replica Weavers", "creditOfficerId": officer.id.to_string() }),
        )
        .by(&admin)
        .send()
        .await;
    assert_eq!(made.data()["createUnion"]["name"], "Replica Weavers");
    // The report reads the replica, which has not replayed it yet.
    assert_eq!(unions_on_the_dashboard(&app, &admin).await, 0);
    let scrape = app.state.metrics.render(app.state.db.status().into());
    assert!(
        scrape.contains(r#"millennium_db_replica_reads_total{served_by="replica"}"#),
        "{scrape}"
    );

    // Once replayed, the report shows it.
    diesel::sql_query("SELECT pg_wal_replay_resume()")
        .execute(&mut standby)
        .await
        .expect("resume the replay");
    drop(standby);
    let mut seen = 0;
    for _ in 0..50 {
        seen = unions_on_the_dashboard(&app, &admin).await;
        if seen == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, 1, "the replica caught up");

    // With the replica gone, reports come from the primary.
    tokio::task::spawn_blocking(move || replica.stop())
        .await
        .expect("join")
        .expect("stop the replica");
    let started = std::time::Instant::now();
    assert_eq!(unions_on_the_dashboard(&app, &admin).await, 1);
    eprintln!(
        "a report with the replica down answered in {:?}",
        started.elapsed()
    );
    let scrape = app.state.metrics.render(app.state.db.status().into());
    assert!(
        scrape.contains(r#"millennium_db_replica_reads_total{served_by="primary"}"#),
        "{scrape}"
    );

    drop(app);
    tokio::task::spawn_blocking(move || primary.stop())
        .await
        .expect("join")
        .expect("stop the primary");
    let _ = std::fs::remove_dir_all(&primary_dir);
    let _ = std::fs::remove_dir_all(&replica_dir);
}

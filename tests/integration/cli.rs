//! The `millennium` binary itself: the embedded default end to end, configuration errors,
//! production's refusal to serve on pending migrations, and the migrate, admin and seed
//! commands.

use std::path::Path;

use nix::sys::signal::Signal;
use serde_json::{Value, json};

use crate::support::process::{Running, free_port, millennium, run};

use crate::support::db::{migration_names, server, unique_name};
use crate::support::http_client;

fn graphql(port: u16, query: &str, variables: Value) -> Value {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let reply = http_client::send(port, "POST", "/graphql", Some(&body)).expect("POST /graphql");
    serde_json::from_str(&reply.body).expect("JSON reply")
}

fn login(port: u16, email: &str, password: &str) -> Value {
    graphql(
        port,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { role } } }",
        json!({ "e": email, "p": password }),
    )
}

/// Processes whose command line mentions `path`.
fn processes_using(path: &Path) -> Vec<String> {
    let needle = path.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .chars()
                .all(|c| c.is_ascii_digit())
        })
        .filter_map(|entry| {
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(&needle).then_some(cmdline)
        })
        .collect()
}

#[test]
fn the_embedded_default_serves_keeps_its_data_and_stops_cleanly() {
    let data_dir = std::env::temp_dir().join(unique_name("millennium-embedded"));
    let port = free_port();
    let vars = |port: u16| {
        vec![
            (
                "DATA_DIR".to_owned(),
                data_dir.to_string_lossy().into_owned(),
            ),
            ("PORT".to_owned(), port.to_string()),
        ]
    };
    let command = |port: u16| {
        let vars = vars(port);
        let borrowed: Vec<(&str, &str)> =
            vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        millennium(&borrowed)
    };

    // First start: a new cluster, the bootstrap administrator printed once.
    let mut first = Running::start(command(port));
    let password_line = first.wait_for("password:");
    let password = password_line
        .split("password:")
        .nth(1)
        .expect("password")
        .trim()
        .to_owned();
    let address = first.wait_for("GraphiQL:");
    assert!(
        address.contains(&format!("http://127.0.0.1:{port}/graphiql")),
        "{address}"
    );

    let health = http_client::send(port, "GET", "/health", None).expect("health");
    assert_eq!(health.status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&health.body).expect("json")["database"],
        "connected"
    );
    let logged_in = login(port, "admin@localhost", &password);
    assert_eq!(
        logged_in["data"]["login"]["user"]["role"], "ADMIN",
        "{logged_in}"
    );
    the_service_runs_without_privileges(&data_dir);

    // A second server on the same data directory is turned away with a clear message.
    let second = run(&mut command(free_port()));
    assert!(!second.status.success());
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(
        message.contains("already using the data directory"),
        "{message}"
    );

    let cluster = data_dir.canonicalize().expect("data dir").join("postgres");
    assert!(
        !processes_using(&cluster).is_empty(),
        "PostgreSQL should be running"
    );
    first.stop_with(Signal::SIGINT);
    assert!(
        processes_using(&cluster).is_empty(),
        "a postgres process outlived the server: {:?}",
        processes_using(&cluster)
    );
    assert!(
        !cluster.join("postmaster.pid").exists(),
        "PostgreSQL did not shut down cleanly"
    );

    // Second start: same data, nothing generated.
    let port = free_port();
    let mut again = Running::start(command(port));
    again.wait_for("GraphiQL:");
    let logged_in = login(port, "admin@localhost", &password);
    assert_eq!(
        logged_in["data"]["login"]["user"]["role"], "ADMIN",
        "{logged_in}"
    );
    let printed = again.stop_with(Signal::SIGTERM);
    assert!(
        !printed.iter().any(|line| line.contains("password:")),
        "the password was printed twice"
    );
    assert!(processes_using(&cluster).is_empty());

    std::fs::remove_dir_all(&data_dir).expect("remove the data directory");
}

/// A query as the holder of `token`.
fn graphql_as(port: u16, token: &str, query: &str) -> Value {
    let body = json!({ "query": query }).to_string();
    let authorization = format!("Bearer {token}");
    let reply = http_client::send_with_headers(
        port,
        "POST",
        "/graphql",
        &[("Authorization", &authorization)],
        Some(&body),
    )
    .expect("POST /graphql");
    serde_json::from_str(&reply.body).expect("JSON reply")
}

/// The counts a member of staff sees: unions, members, and members created (audit rows).
fn seen_by(port: u16, email: &str, password: &str) -> (i64, i64, Option<i64>) {
    let logged_in = login(port, email, password);
    let token = logged_in["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{email} cannot log in: {logged_in}"))
        .to_owned();
    let seen = graphql_as(
        port,
        &token,
        r#"{ unions { totalCount } unionMembers { totalCount }
             auditLogs(filter: { action: "MEMBER_CREATED" }) { totalCount } }"#,
    );
    let count = |list: &str| seen["data"][list]["totalCount"].as_i64();
    (
        count("unions").unwrap_or_else(|| panic!("{seen}")),
        count("unionMembers").unwrap_or_else(|| panic!("{seen}")),
        count("auditLogs"),
    )
}

/// The URL of the embedded cluster's database for the service's own role, from the files the
/// running cluster keeps under `data_dir`.
fn embedded_database_url(data_dir: &Path) -> String {
    let password = std::fs::read_to_string(data_dir.join("app.password")).expect("password");
    let pid = std::fs::read_to_string(data_dir.join("postgres/postmaster.pid")).expect("pid file");
    let port = pid.lines().nth(3).expect("port line").trim().to_owned();
    format!(
        "postgres://millennium_app:{}@127.0.0.1:{port}/millennium",
        password.trim()
    )
}

#[test]
fn seed_demo_fills_an_empty_loan_book_once() {
    let data_dir = std::env::temp_dir().join(unique_name("millennium-seed"));
    let data = data_dir.to_string_lossy().into_owned();
    let port = free_port();
    let port_text = port.to_string();
    let embedded = [("DATA_DIR", data.as_str()), ("PORT", port_text.as_str())];

    let seeded = run(millennium(&embedded).args(["seed", "demo"]));
    let stdout = String::from_utf8_lossy(&seeded.stdout).into_owned();
    assert!(
        seeded.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    assert!(
        stdout.contains("9 staff accounts, 30 unions, 600 members, 4 loan types, 5 document types"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("http://127.0.0.1:{port}/graphiql")),
        "{stdout}"
    );
    // Six months of loans in every status (tests/integration/seed.rs checks them in detail).
    let history = stdout
        .lines()
        .find(|line| line.starts_with("Loan history over six months:"))
        .unwrap_or_else(|| panic!("{stdout}"));
    for status in [
        "ACTIVE",
        "COMPLETED",
        "DEFAULTED",
        "WRITTEN_OFF",
        "CANCELED",
        "DRAFT",
    ] {
        assert!(history.contains(status), "{history}");
    }
    assert!(
        history.contains("reversed") && history.contains("penalty charges"),
        "{history}"
    );
    // The table of logins: email, role, name, password.
    let logins: Vec<(String, String, String)> = stdout
        .lines()
        .map(str::split_whitespace)
        .filter_map(|mut words| {
            let email = words.next()?;
            let role = words.next()?;
            let password = words.last()?;
            email
                .contains('@')
                .then(|| (email.to_owned(), role.to_owned(), password.to_owned()))
        })
        .collect();
    let with_role = |role: &str| {
        logins
            .iter()
            .filter(|login| login.1 == role)
            .collect::<Vec<_>>()
    };
    assert_eq!(with_role("ADMIN").len(), 1, "{stdout}");
    assert_eq!(with_role("SUPERVISOR").len(), 2, "{stdout}");
    assert_eq!(with_role("CREDIT_OFFICER").len(), 6, "{stdout}");

    // The operators' checker finds every money invariant true in the seeded history.
    let checked = run(millennium(&embedded).arg("check"));
    let report = String::from_utf8_lossy(&checked.stdout).into_owned();
    assert!(
        checked.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(report.contains("every money invariant holds"), "{report}");

    let mut server = Running::start(millennium(&embedded));
    server.wait_for("GraphiQL:");
    let (admin, supervisor, officer) = (
        with_role("ADMIN")[0],
        with_role("SUPERVISOR")[0],
        with_role("CREDIT_OFFICER")[0],
    );
    assert_eq!(
        seen_by(port, &officer.0, &officer.2),
        (5, 100, None),
        "a credit officer sees their own unions and no audit log"
    );
    assert_eq!(seen_by(port, &supervisor.0, &supervisor.2).0, 15);
    assert_eq!(seen_by(port, &admin.0, &admin.2), (30, 600, Some(600)));

    // Seeding again is refused, through DATABASE_URL while the server runs...
    let url = embedded_database_url(&data_dir);
    let external = [("DATABASE_URL", url.as_str()), ("DATA_DIR", data.as_str())];
    let again = run(millennium(&external).args(["seed", "demo"]));
    let refusal = String::from_utf8_lossy(&again.stderr).into_owned();
    assert!(!again.status.success(), "{refusal}");
    assert!(
        refusal.contains("already holds business data (30 unions, 600 members")
            && refusal.contains("seed demo only runs on an empty loan book"),
        "{refusal}"
    );
    assert_eq!(seen_by(port, &admin.0, &admin.2), (30, 600, Some(600)));
    let printed = server.stop_with(Signal::SIGTERM);
    assert!(
        !printed.iter().any(|line| line.contains("password:")),
        "no bootstrap administrator on a seeded database: {printed:?}"
    );

    // ...and on the embedded default, which it leaves stopped.
    let again = run(millennium(&embedded).args(["seed", "demo"]));
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds business data"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let cluster = data_dir.canonicalize().expect("data dir").join("postgres");
    assert!(
        processes_using(&cluster).is_empty(),
        "{:?}",
        processes_using(&cluster)
    );
    std::fs::remove_dir_all(&data_dir).expect("remove the data directory");
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Login {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    superuser: bool,
}

/// Connected to the embedded cluster as its superuser: the service's own connections use a
/// role that owns the database and its tables and is no superuser; the secrets are private.
fn the_service_runs_without_privileges(data_dir: &Path) {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    use std::os::unix::fs::PermissionsExt;

    for file in ["postgres.password", "app.password", "jwt.secret"] {
        let mode = std::fs::metadata(data_dir.join(file))
            .expect("secret file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    let password = std::fs::read_to_string(data_dir.join("postgres.password")).expect("password");
    let pid = std::fs::read_to_string(data_dir.join("postgres/postmaster.pid")).expect("pid file");
    let port = pid.lines().nth(3).expect("port line").trim().to_owned();
    let url = |database: &str| {
        format!(
            "postgres://millennium:{}@127.0.0.1:{port}/{database}",
            password.trim()
        )
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let mut conn = AsyncPgConnection::establish(&url("postgres"))
            .await
            .expect("superuser connection");
        let logins: Vec<Login> = diesel::sql_query(
            "SELECT DISTINCT a.usename::text AS name, r.rolsuper AS superuser \
             FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename \
             WHERE a.datname = 'millennium'",
        )
        .load(&mut conn)
        .await
        .expect("activity");
        assert_eq!(
            logins,
            vec![Login {
                name: "millennium_app".into(),
                superuser: false
            }]
        );
        let mut conn = AsyncPgConnection::establish(&url("millennium"))
            .await
            .expect("superuser connection");
        let owners: Vec<Login> = diesel::sql_query(
            "SELECT DISTINCT pg_get_userbyid(c.relowner)::text AS name, false AS superuser \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r' \
             UNION SELECT pg_get_userbyid(datdba)::text, true FROM pg_database \
             WHERE datname = 'millennium'",
        )
        .load(&mut conn)
        .await
        .expect("owners");
        assert!(
            owners.iter().all(|owner| owner.name == "millennium_app"),
            "{owners:?}"
        );
        assert_eq!(owners.len(), 2, "tables and the database: {owners:?}");
    });
}

#[test]
fn a_configuration_error_is_one_line_naming_the_variable() {
    let output = run(&mut millennium(&[("APP_ENV", "production")]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("configuration error: DATABASE_URL"),
        "{stderr}"
    );

    let output = run(&mut millennium(&[("PORT", "eighty")]));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("PORT must be a port number"));

    let output = run(&mut millennium(&[
        ("APP_ENV", "production"),
        ("DATABASE_URL", "postgres://u:hunter2@127.0.0.1:1/db"),
        ("JWT_SECRET", "short"),
    ]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("JWT_SECRET") && !stderr.contains("short") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}

#[test]
fn schema_print_matches_the_library() {
    let output = run(millennium(&[]).args(["schema", "print"]));
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        millennium::graphql::sdl()
    );
}

#[test]
fn production_migrates_only_on_command() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = server();
    let database = runtime.block_on(server.create_empty_database());
    let url = server.url(&database);
    let production = [
        ("APP_ENV", "production"),
        ("DATABASE_URL", url.expose()),
        ("JWT_SECRET", "a-production-secret-of-sufficient-length"),
        ("PORT", "1"),
    ];

    let refused = run(&mut millennium(&production));
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("pending migration") && stderr.contains("millennium migrate run"),
        "{stderr}"
    );

    let names = migration_names();
    let (last, second_last) = (&names[names.len() - 1], &names[names.len() - 2]);
    let status = run(millennium(&production).args(["migrate", "status"]));
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|line| line.starts_with("pending"))
            .count(),
        names.len(),
        "{stdout}"
    );

    let applied = run(millennium(&production).args(["migrate", "run"]));
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&applied.stdout)
            .matches("Applied")
            .count(),
        names.len()
    );

    let reverted = run(millennium(&production).args(["migrate", "revert"]));
    assert!(String::from_utf8_lossy(&reverted.stdout).contains(&format!("Reverted {last}")));
    let redo = run(millennium(&production).args(["migrate", "redo"]));
    assert!(
        String::from_utf8_lossy(&redo.stdout).contains(&format!("Redid {second_last}")),
        "{}",
        String::from_utf8_lossy(&redo.stdout)
    );
    let applied = run(millennium(&production).args(["migrate", "run"]));
    assert!(String::from_utf8_lossy(&applied.stdout).contains(&format!("Applied {last}")));
    let status = run(millennium(&production).args(["migrate", "status"]));
    assert!(
        String::from_utf8_lossy(&status.stdout)
            .lines()
            .all(|line| line.starts_with("applied"))
    );

    let created = run(millennium(&production)
        .env("ADMIN_PASSWORD", "Operator2026")
        .args(["admin", "create", "--email", "Ops@Example.org"]));
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("ops@example.org"));
    let weak = run(millennium(&production).env("ADMIN_PASSWORD", "weak").args([
        "admin",
        "create",
        "--email",
        "second@example.org",
    ]));
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 8 characters"));

    runtime.block_on(server.drop_database(&database));
}

//! Migrations: every one reverts cleanly, and all stay within what CockroachDB accepts.

use std::path::Path;

use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use millennium::db::migrations;

use crate::support::db::{migration_names, server};

#[derive(diesel::QueryableByName)]
struct TableName {
    #[diesel(sql_type = Text)]
    table_name: String,
}

/// The tables of the public schema (diesel's own bookkeeping apart), sorted.
async fn tables(url: &str) -> Vec<String> {
    let mut conn = AsyncPgConnection::establish(url).await.expect("connect");
    let mut names: Vec<String> = diesel::sql_query(
        "SELECT table_name::text AS table_name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    )
    .load::<TableName>(&mut conn)
    .await
    .expect("list tables")
    .into_iter()
    .map(|row| row.table_name)
    .collect();
    names.sort();
    names
}

#[tokio::test]
async fn run_revert_all_and_run_again() {
    let server = server();
    let name = server.create_empty_database().await;
    let url = server.url(&name);
    let endpoint = millennium::db::Endpoint::parse(&url).expect("endpoint");
    let migrations = migration_names();

    let applied = migrations::run_pending(&endpoint).await.expect("run");
    assert_eq!(applied, migrations);
    let created = tables(url.expose()).await;
    assert_eq!(
        created,
        generated_tables(),
        "the database and src/db/schema.rs disagree: regenerate it with diesel print-schema"
    );
    assert!(
        migrations::pending(&endpoint)
            .await
            .expect("pending")
            .is_empty()
    );

    let mut reverted = Vec::new();
    while let Some(name) = migrations::revert_last(&endpoint).await.expect("revert") {
        reverted.push(name);
    }
    reverted.reverse();
    assert_eq!(reverted, migrations);
    assert_eq!(
        tables(url.expose()).await,
        Vec::<String>::new(),
        "down.sql files left tables behind"
    );
    assert_eq!(
        migrations::pending(&endpoint).await.expect("pending").len(),
        migrations.len()
    );

    let applied = migrations::run_pending(&endpoint).await.expect("run again");
    assert_eq!(applied, migrations);
    assert_eq!(tables(url.expose()).await, created);

    assert!(
        migrations::redo_last(&endpoint)
            .await
            .expect("redo")
            .is_some()
    );
    let status = migrations::status(&endpoint).await.expect("status");
    assert!(status.iter().all(|migration| migration.applied));
    server.drop_database(&name).await;
}

/// The tables `src/db/schema.rs` declares, sorted.
fn generated_tables() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/db/schema.rs");
    let schema = std::fs::read_to_string(path).expect("src/db/schema.rs");
    let mut names: Vec<String> = schema
        .split("diesel::table! {")
        .skip(1)
        .filter_map(|block| block.split_whitespace().next().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// Constructs CockroachDB does not support (SPEC 8.1), as whole words of the SQL outside string
/// literals and comments.
const FORBIDDEN: &[(&str, &str)] = &[
    ("TRIGGER", "triggers"),
    ("FUNCTION", "functions"),
    ("PROCEDURE", "procedures"),
    ("DO", "DO blocks"),
    ("SERIAL", "SERIAL"),
    ("SMALLSERIAL", "SERIAL"),
    ("BIGSERIAL", "SERIAL"),
    ("PG_ADVISORY_LOCK", "advisory locks"),
    ("PG_ADVISORY_XACT_LOCK", "advisory locks"),
    ("PG_TRY_ADVISORY_LOCK", "advisory locks"),
    ("LISTEN", "LISTEN"),
    ("NOTIFY", "NOTIFY"),
    ("INT", "bare INT (write INT4 or INT8)"),
    ("INTEGER", "bare INTEGER (write INT4 or INT8)"),
];

/// The SQL without `--` comments, `/* */` comments and string literals.
fn strip_comments_and_strings(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '-' if chars.peek() == Some(&'-') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = ' ';
                for c in chars.by_ref() {
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
                out.push(' ');
            }
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                }
                out.push_str("''");
            }
            '$' if chars.peek() == Some(&'$') => {
                // Dollar quoting only exists for function bodies and DO blocks.
                out.push_str(" DO ");
                chars.next();
            }
            c => out.push(c),
        }
    }
    out
}

/// The forbidden constructs found in `sql`.
fn forbidden_constructs(sql: &str) -> Vec<&'static str> {
    let cleaned = strip_comments_and_strings(sql).to_uppercase();
    let words: Vec<&str> = cleaned
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .collect();
    let mut found: Vec<&'static str> = FORBIDDEN
        .iter()
        .filter(|(word, _)| words.contains(word))
        .map(|(_, what)| *what)
        .collect();
    found.dedup();
    found
}

#[test]
fn the_scanner_catches_each_forbidden_construct() {
    assert!(
        forbidden_constructs(
            "CREATE TABLE t (id UUID PRIMARY KEY, n INT4, m INT8, s TEXT DEFAULT 'do it');"
        )
        .is_empty()
    );
    assert!(
        forbidden_constructs("-- a trigger is mentioned only in a comment\nSELECT 1;").is_empty()
    );
    for bad in [
        "CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW EXECUTE FUNCTION f();",
        "CREATE OR REPLACE FUNCTION f() RETURNS void AS 'select 1' LANGUAGE sql;",
        "DO $$ BEGIN END $$;",
        "CREATE TABLE t (id SERIAL PRIMARY KEY);",
        "CREATE TABLE t (id BIGSERIAL PRIMARY KEY);",
        "SELECT pg_advisory_lock(1);",
        "LISTEN channel;",
        "NOTIFY channel;",
        "CREATE TABLE t (n INT);",
        "CREATE TABLE t (n integer);",
    ] {
        assert!(!forbidden_constructs(bad).is_empty(), "not caught: {bad}");
    }
}

#[test]
fn migrations_stay_cockroachdb_compatible() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut scanned = 0;
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&root).expect("migrations directory") {
        let dir = entry.expect("entry").path();
        for file in ["up.sql", "down.sql"] {
            let path = dir.join(file);
            let sql = std::fs::read_to_string(&path)
                .unwrap_or_else(|_| panic!("{} is missing", path.display()));
            scanned += 1;
            for what in forbidden_constructs(&sql) {
                problems.push(format!("{}: {what}", path.display()));
            }
        }
    }
    assert_eq!(
        scanned,
        2 * migration_names().len(),
        "an up.sql or down.sql is missing"
    );
    assert!(
        problems.is_empty(),
        "forbidden constructs:\n{}",
        problems.join("\n")
    );
}

//! Migrations: every one reverts cleanly, and all stay within what CockroachDB accepts, in
//! their statements and in what they do inside one transaction.

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

/// What CockroachDB cannot do inside the transaction diesel runs each migration in (unless
/// its `metadata.toml` says `run_in_transaction = false`):
///
/// - a schema change after a write: refused before v25.1, and from v25.1 the write is
///   committed first (`autocommit_before_ddl`), so the migration is no longer atomic;
/// - a write or read of a column added earlier in the same transaction (it is still being
///   backfilled);
/// - `ALTER COLUMN … TYPE`, `ALTER PRIMARY KEY` and `ALTER TYPE … ADD VALUE`, which it only
///   runs outside an explicit transaction.
fn transaction_problems(sql: &str) -> Vec<String> {
    let cleaned = strip_comments_and_strings(sql).to_uppercase();
    let mut problems = Vec::new();
    let mut written = false;
    let mut added_columns: Vec<String> = Vec::new();
    for statement in cleaned.split(';') {
        let words: Vec<&str> = statement
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|word| !word.is_empty())
            .collect();
        let Some(first) = <[&str]>::first(&words).copied() else {
            continue;
        };
        let has = |phrase: &[&str]| words.windows(phrase.len()).any(|window| window == phrase);
        let schema_change = matches!(first, "CREATE" | "ALTER" | "DROP" | "COMMENT");
        let write = matches!(first, "INSERT" | "UPDATE" | "DELETE" | "WITH");
        let read = first == "SELECT";
        if schema_change && written {
            problems.push(format!(
                "a schema change after a write: {}",
                words.join(" ")
            ));
        }
        if write || read {
            written |= write;
            if let Some(column) = added_columns
                .iter()
                .find(|column| words.contains(&column.as_str()))
            {
                problems.push(format!(
                    "uses the column {column} added in the same transaction: {}",
                    words.join(" ")
                ));
            }
        }
        if first == "ALTER" {
            if has(&["ALTER", "COLUMN"]) && (has(&["TYPE"]) || has(&["SET", "DATA", "TYPE"])) {
                problems.push(format!(
                    "ALTER COLUMN … TYPE in a transaction: {}",
                    words.join(" ")
                ));
            }
            if has(&["ALTER", "PRIMARY", "KEY"]) {
                problems.push(format!(
                    "ALTER PRIMARY KEY in a transaction: {}",
                    words.join(" ")
                ));
            }
            if words.get(1) == Some(&"TYPE") && has(&["ADD", "VALUE"]) {
                problems.push(format!(
                    "ALTER TYPE … ADD VALUE in a transaction: {}",
                    words.join(" ")
                ));
            }
            for window in words.windows(3) {
                if window[0] == "ADD" && window[1] == "COLUMN" {
                    let column = if window[2] == "IF" {
                        words.iter().skip_while(|word| **word != "EXISTS").nth(1)
                    } else {
                        Some(&window[2])
                    };
                    added_columns.extend(column.map(|column| (*column).to_owned()));
                }
            }
        }
    }
    problems
}

/// Whether the migration in `dir` runs outside a transaction (`run_in_transaction = false`).
fn runs_outside_a_transaction(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("metadata.toml")).is_ok_and(|metadata| {
        metadata
            .lines()
            .any(|line| line.replace(' ', "") == "run_in_transaction=false")
    })
}

#[test]
fn the_transaction_scanner_catches_what_cockroachdb_cannot_run_in_one() {
    for fine in [
        "CREATE TABLE t (id UUID PRIMARY KEY); INSERT INTO t VALUES (gen_random_uuid());",
        "ALTER TABLE t ADD COLUMN n INT8; CREATE INDEX t_n ON t (n);",
        "ALTER TABLE t ALTER COLUMN n SET DEFAULT 0; ALTER TABLE t DROP COLUMN m;",
        "INSERT INTO t (a) VALUES ('ALTER TABLE x ADD COLUMN y');",
    ] {
        assert!(transaction_problems(fine).is_empty(), "flagged: {fine}");
    }
    for (bad, cause) in [
        (
            "UPDATE t SET n = 1; ALTER TABLE t ADD COLUMN m INT8;",
            "after a write",
        ),
        (
            "ALTER TABLE t ADD COLUMN m INT8; UPDATE t SET m = n;",
            "column M added",
        ),
        (
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS m INT8; INSERT INTO u SELECT m FROM t;",
            "column M",
        ),
        (
            "ALTER TABLE t ALTER COLUMN n TYPE INT8;",
            "TYPE in a transaction",
        ),
        (
            "ALTER TABLE t ALTER COLUMN n SET DATA TYPE TEXT;",
            "TYPE in a transaction",
        ),
        (
            "ALTER TABLE t ALTER PRIMARY KEY USING COLUMNS (id);",
            "PRIMARY KEY",
        ),
        ("ALTER TYPE status ADD VALUE 'CLOSED';", "ADD VALUE"),
    ] {
        let problems = transaction_problems(bad);
        assert!(
            problems.iter().any(|problem| problem.contains(cause)),
            "{bad}: {problems:?}"
        );
    }
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
            if !runs_outside_a_transaction(&dir) {
                for what in transaction_problems(&sql) {
                    problems.push(format!("{}: {what}", path.display()));
                }
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

//! Databases of a server: whether one exists, creating one (optionally from a template),
//! dropping one, and giving one to an unprivileged owner. Used by the embedded default and the
//! test harness.

use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::config::Secret;

/// `name` as a quoted SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub async fn exists(conn: &mut AsyncPgConnection, name: &str) -> diesel::QueryResult<bool> {
    diesel::select(
        diesel::dsl::sql::<Bool>("EXISTS (SELECT 1 FROM pg_database WHERE datname = ")
            .bind::<Text, _>(name)
            .sql(")"),
    )
    .get_result(conn)
    .await
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    name: &str,
    template: Option<&str>,
) -> diesel::QueryResult<()> {
    let mut statement = format!("CREATE DATABASE {}", quote_ident(name));
    if let Some(template) = template {
        statement.push_str(&format!(" TEMPLATE {}", quote_ident(template)));
    }
    diesel::sql_query(statement).execute(conn).await.map(drop)
}

pub async fn drop_if_exists(conn: &mut AsyncPgConnection, name: &str) -> diesel::QueryResult<()> {
    diesel::sql_query(format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_ident(name)
    ))
    .execute(conn)
    .await
    .map(drop)
}

/// `text` as a quoted SQL string literal.
fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[derive(diesel::QueryableByName)]
struct Relation {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Makes `role` — a login role with `password` and no other privilege (not a superuser, cannot
/// create databases or roles) — the owner of the database `name`, creating the role and the
/// database as needed, and hands it the tables an earlier version created as another user.
/// Runs as a superuser, connected through `maintenance_url` (another database of the server)
/// and `database_url` (the database itself).
pub async fn provision_owner(
    maintenance_url: &str,
    database_url: &str,
    name: &str,
    role: &str,
    password: &Secret,
) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(maintenance_url).await?;
    let role_exists: bool = diesel::select(
        diesel::dsl::sql::<Bool>("EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ")
            .bind::<Text, _>(role)
            .sql(")"),
    )
    .get_result(&mut conn)
    .await?;
    let attributes = format!(
        "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD {}",
        quote_literal(password.expose())
    );
    let statement = if role_exists {
        format!("ALTER ROLE {} {attributes}", quote_ident(role))
    } else {
        format!("CREATE ROLE {} {attributes}", quote_ident(role))
    };
    diesel::sql_query(statement).execute(&mut conn).await?;
    let statement = if exists(&mut conn, name).await? {
        format!(
            "ALTER DATABASE {} OWNER TO {}",
            quote_ident(name),
            quote_ident(role)
        )
    } else {
        format!(
            "CREATE DATABASE {} OWNER {}",
            quote_ident(name),
            quote_ident(role)
        )
    };
    diesel::sql_query(statement).execute(&mut conn).await?;
    diesel::sql_query(format!(
        "REVOKE ALL ON DATABASE {} FROM PUBLIC",
        quote_ident(name)
    ))
    .execute(&mut conn)
    .await?;

    let mut conn = AsyncPgConnection::establish(database_url).await?;
    diesel::sql_query(format!(
        "ALTER SCHEMA public OWNER TO {}",
        quote_ident(role)
    ))
    .execute(&mut conn)
    .await?;
    let foreign: Vec<Relation> = diesel::sql_query(
        "SELECT c.relname::text AS name FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') \
         AND pg_get_userbyid(c.relowner) <> $1",
    )
    .bind::<Text, _>(role)
    .load(&mut conn)
    .await?;
    for relation in foreign {
        diesel::sql_query(format!(
            "ALTER TABLE public.{} OWNER TO {}",
            quote_ident(&relation.name),
            quote_ident(role)
        ))
        .execute(&mut conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{quote_ident, quote_literal};

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(quote_ident("millennium"), "\"millennium\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }
}

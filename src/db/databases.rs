//! Databases of a server: whether one exists, creating one (optionally from a template), and
//! dropping one. Used by the embedded default and the test harness.

use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

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

/// Creates `name` on the server of `maintenance_url` unless it exists.
pub async fn ensure(maintenance_url: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(maintenance_url).await?;
    if !exists(&mut conn, name).await? {
        create(&mut conn, name, None).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::quote_ident;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("millennium"), "\"millennium\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}

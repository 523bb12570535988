//! Writing many rows at once: multi-row `INSERT`s cut into statements that stay under
//! PostgreSQL's limit of 65,535 bind parameters (used by `seed demo` for its volume).

use diesel::QueryResult;
use diesel_async::RunQueryDsl;

use super::DbConn;

/// The most bind parameters one statement may carry.
pub const MAX_BIND_PARAMETERS: usize = 65_535;

/// Rows per statement for a table written with `columns` values a row: as many as the limit
/// allows, at most `5_000` (larger statements are not faster, and hold more memory).
pub const fn rows_per_statement(columns: usize) -> usize {
    let fit = MAX_BIND_PARAMETERS / columns;
    if fit < 5_000 { fit } else { 5_000 }
}

/// Refreshes the planner's statistics of `tables` after a bulk write (autovacuum would, later).
pub async fn analyze(conn: &mut DbConn, tables: &[&str]) -> QueryResult<()> {
    if tables.is_empty() {
        return Ok(());
    }
    diesel::sql_query(format!("ANALYZE {}", tables.join(", ")))
        .execute(conn)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_stay_under_the_parameter_limit() {
        for columns in 1..=40 {
            let rows = rows_per_statement(columns);
            assert!(
                rows >= 1 && rows * columns <= MAX_BIND_PARAMETERS,
                "{columns}"
            );
        }
        assert_eq!(rows_per_statement(21), 3_120);
        assert_eq!(rows_per_statement(2), 5_000);
    }
}

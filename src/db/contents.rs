//! How much a database holds: the rows of the business tables, deleted ones included, for the
//! commands that run only on an empty loan book (`seed demo`).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::DbConn;
use super::schema::{document_types, loan_types, loans, union_members, unions, users};
use crate::domain::Role;

/// Row counts of the business tables, soft-deleted rows included. The settings and counter rows
/// that the migrations insert are not business data and are not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Contents {
    pub staff: i64,
    /// Of `staff`, the administrators.
    pub admins: i64,
    pub unions: i64,
    pub members: i64,
    pub loan_types: i64,
    pub document_types: i64,
    pub loans: i64,
}

/// Counts the business rows.
pub async fn count(conn: &mut DbConn) -> QueryResult<Contents> {
    Ok(Contents {
        staff: users::table.count().get_result(conn).await?,
        admins: users::table
            .filter(users::role.eq(Role::Admin))
            .count()
            .get_result(conn)
            .await?,
        unions: unions::table.count().get_result(conn).await?,
        members: union_members::table.count().get_result(conn).await?,
        loan_types: loan_types::table.count().get_result(conn).await?,
        document_types: document_types::table.count().get_result(conn).await?,
        loans: loans::table.count().get_result(conn).await?,
    })
}

//! How much a database holds: the rows of the business tables, deleted ones included, for the
//! commands that run only on an empty loan book (`seed demo`, the legacy import).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::DbConn;
use super::schema::{document_types, loan_types, loans, union_members, unions, users};
use crate::domain::Role;
use crate::domain::unions::plural;

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

impl Contents {
    /// Why this is not an empty loan book, for `command` that runs only on one; `None` when it
    /// is. One administrator is allowed: the one a first start or `admin create` makes.
    pub fn refusal(&self, command: &str) -> Option<String> {
        let only_an_admin = self.staff == 0 || (self.staff == 1 && self.admins == 1);
        let mut held = Vec::new();
        for (count, one, many) in [
            (self.unions, "union", "unions"),
            (self.members, "member", "members"),
            (self.loans, "loan", "loans"),
            (self.loan_types, "loan type", "loan types"),
            (self.document_types, "document type", "document types"),
        ] {
            if count > 0 {
                held.push(plural(count, one, many));
            }
        }
        if !only_an_admin {
            held.push(plural(self.staff, "staff account", "staff accounts"));
        }
        (!held.is_empty()).then(|| {
            format!(
                "The database already holds business data ({}); {command} only runs on an empty loan book. Use a new DATA_DIR or an empty database.",
                held.join(", ")
            )
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_empty_loan_book_is_accepted() {
        assert_eq!(Contents::default().refusal("seed demo"), None);
        let bootstrap_admin = Contents {
            staff: 1,
            admins: 1,
            ..Contents::default()
        };
        assert_eq!(bootstrap_admin.refusal("seed demo"), None);
        let officer_only = Contents {
            staff: 1,
            ..Contents::default()
        };
        assert!(officer_only.refusal("seed demo").is_some());
        let seeded = Contents {
            staff: 9,
            admins: 1,
            unions: 30,
            members: 600,
            loan_types: 4,
            document_types: 5,
            loans: 0,
        };
        assert_eq!(
            seeded.refusal("seed demo").as_deref(),
            Some(
                "The database already holds business data (30 unions, 600 members, 4 loan types, 5 document types, 9 staff accounts); seed demo only runs on an empty loan book. Use a new DATA_DIR or an empty database."
            )
        );
    }
}

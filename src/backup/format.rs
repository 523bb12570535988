//! The backup file: gzip over JSON lines.
//!
//! ```text
//! {"$backup":{"format":"millennium-backup","version":1,"schemaVersion":"20261124000008",…}}
//! {"$table":{"name":"users","columns":["id","email",…]}}
//! ["…","…",…]                           one line per row: its values in the columns' order,
//!                                       as PostgreSQL's json_build_array writes them
//! {"$table":{"name":"unions","columns":[…]}}
//! …
//! {"$manifest":{"schemaVersion":…,"createdAt":…,"createdBy":…,"rowCounts":{…},"sha256":…}}
//! ```
//!
//! The header says what the file is before anything is read; the manifest, last, holds the row
//! counts and the SHA-256 of every byte before it (it can only be known at the end of a
//! streamed write). A row is an array, so a line starting with `{"$` is always a marker.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the header's `format` says.
pub const FORMAT: &str = "millennium-backup";
/// The layout of the file; a reader refuses another.
pub const VERSION: u32 = 1;
/// The longest line a reader accepts (a row with a large JSON column fits many times over).
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// The parts of the data a backup may leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contents {
    pub include_audit_logs: bool,
    pub include_sessions: bool,
}

/// Whether a table is always in a backup or only when asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Always,
    AuditLogs,
    Sessions,
}

/// A table a backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    pub part: Part,
}

impl Table {
    pub fn included(&self, contents: Contents) -> bool {
        match self.part {
            Part::Always => true,
            Part::AuditLogs => contents.include_audit_logs,
            Part::Sessions => contents.include_sessions,
        }
    }
}

const fn table(name: &'static str, part: Part) -> Table {
    Table { name, part }
}

/// Every table of the business data, parents before children. Left out on purpose: `backup_records` and
/// `backup_schedule_settings` (they describe the backups themselves and outlive a restore),
/// `job_leases` and `login_throttles` (the running service's bookkeeping), `daily_figures`,
/// `monthly_figures` and `loan_status_figures` (derived from the loans; a restore recomputes
/// them).
pub const TABLES: &[Table] = &[
    table("users", Part::Always),
    table("company_settings", Part::Always),
    table("counters", Part::Always),
    table("loan_types", Part::Always),
    table("document_types", Part::Always),
    table("unions", Part::Always),
    table("union_members", Part::Always),
    table("union_assignment_history", Part::Always),
    table("union_member_reassignments", Part::Always),
    table("loans", Part::Always),
    table("repayment_schedule_items", Part::Always),
    table("loan_charges", Part::Always),
    table("repayments", Part::Always),
    table("repayment_allocations", Part::Always),
    table("union_member_documents", Part::Always),
    table("loan_documents", Part::Always),
    table("user_notes", Part::Always),
    table("report_sessions", Part::Always),
    table("user_login_history", Part::Always),
    table("staff_sessions", Part::Sessions),
    table("audit_logs", Part::AuditLogs),
];

/// The table named `name`, if a backup may hold it.
pub fn find_table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|table| table.name == name)
}

/// The first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub schema_version: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(flatten)]
    pub contents: Contents,
    pub tables: Vec<String>,
}

/// The last line: what a restore checks the data against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub schema_version: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(flatten)]
    pub contents: Contents,
    pub row_counts: BTreeMap<String, u64>,
    /// SHA-256 (hex) of every byte of the uncompressed file before the manifest's line.
    pub sha256: String,
    /// How many bytes that is.
    pub data_bytes: u64,
}

/// The line that starts a table's rows: its name and columns, in the order of the values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableStart {
    pub name: String,
    pub columns: Vec<String>,
}

/// A line that is not a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Marker {
    #[serde(rename = "$backup")]
    Backup(Header),
    #[serde(rename = "$table")]
    Table(TableStart),
    #[serde(rename = "$manifest")]
    Manifest(Manifest),
}

impl Marker {
    /// The line, with its newline.
    pub fn line(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }

    /// Whether `line` is a marker rather than a row.
    pub fn is_marker(line: &[u8]) -> bool {
        line.starts_with(b"{\"$")
    }
}

/// A backup's file name: `millennium-backup-20261124-101500-<kind>-<id8>.json.gz`.
pub fn file_name(created_at: DateTime<Utc>, kind: &str, id: uuid::Uuid) -> String {
    format!(
        "millennium-backup-{}-{}-{}.json.gz",
        created_at.format("%Y%m%d-%H%M%S"),
        kind.to_ascii_lowercase(),
        &id.simple().to_string()[..8]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_are_told_from_rows() {
        let header = Marker::Backup(Header {
            format: FORMAT.into(),
            version: VERSION,
            schema_version: "20261124000008".into(),
            created_at: Utc::now(),
            created_by: "admin@example.com".into(),
            contents: Contents {
                include_audit_logs: true,
                include_sessions: false,
            },
            tables: vec!["users".into()],
        });
        let line = header.line();
        assert!(Marker::is_marker(&line));
        assert_eq!(
            serde_json::from_slice::<Marker>(&line).expect("parse"),
            header
        );
        let table = Marker::Table(TableStart {
            name: "users".into(),
            columns: vec!["id".into()],
        })
        .line();
        assert_eq!(
            table,
            b"{\"$table\":{\"name\":\"users\",\"columns\":[\"id\"]}}\n"
        );
        assert!(!Marker::is_marker(b"[\"x\"]"));
    }

    #[test]
    fn every_table_is_listed_once_and_parents_come_first() {
        let names: Vec<&str> = TABLES.iter().map(|table| table.name).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        let position = |name: &str| names.iter().position(|n| *n == name).expect(name);
        for (child, parent) in [
            ("unions", "users"),
            ("union_members", "unions"),
            ("loans", "union_members"),
            ("loans", "loan_types"),
            ("repayment_allocations", "repayments"),
            ("repayment_allocations", "loan_charges"),
            ("repayment_allocations", "repayment_schedule_items"),
            ("loan_documents", "document_types"),
            ("audit_logs", "users"),
        ] {
            assert!(
                position(parent) < position(child),
                "{parent} before {child}"
            );
        }
    }

    #[test]
    fn file_names_say_when_and_what() {
        let at = DateTime::parse_from_rfc3339("2026-11-24T10:15:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let id = uuid::Uuid::parse_str("0123456789abcdef0123456789abcdef").expect("id");
        assert_eq!(
            file_name(at, "MANUAL", id),
            "millennium-backup-20261124-101500-manual-01234567.json.gz"
        );
    }
}

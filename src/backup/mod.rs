//! Backups (SPEC 8.4): the whole business data as one gzip file of JSON lines, written and
//! read as streams so that memory stays flat whatever the size of the book.
//!
//! - [`format`]: the file's layout — header, tables of rows, and the manifest last.
//! - [`export`]: rows read in chunks through a cursor of one repeatable-read snapshot,
//!   encoded by PostgreSQL (`json_build_array`), compressed and stored part by part.
//! - [`restore`]: a reader that checks the file (gzip, layout, schema version, row counts,
//!   SHA-256) and a loader that streams the rows through `COPY … FROM STDIN` inside the
//!   caller's transaction, so a restore is all or nothing.
//!
//! What a backup is in the service — records, who may, the schedule — is
//! [`crate::services::backups`].

pub mod catalog;
pub mod export;
pub mod format;
pub mod progress;
pub mod restore;

use crate::storage::StorageError;

/// What taking or reading a backup failed with.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The file is not a backup this database can take: the message says why, for a person.
    #[error("{0}")]
    Invalid(String),
    #[error("the database failed: {0}")]
    Database(#[from] diesel::result::Error),
    /// In the direct session of a restore.
    #[error("the database failed: {0}")]
    Session(#[from] tokio_postgres::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("reading or writing the backup failed: {0}")]
    Io(#[from] std::io::Error),
}

impl BackupError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }
}

/// Hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

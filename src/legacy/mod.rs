//! The original system's data brought across (SPEC 8.5): `millennium import legacy-backup FILE`.
//!
//! - [`file`]: the original's backup file read as a stream of rows, its envelope checked (shape,
//!   arrays, counts, checksum).
//! - [`rows`]: its rows, typed.
//! - [`facts`]: the first pass, which reads and checks everything before anything is written.
//! - [`import`]: the second pass, which maps and writes every row in one transaction.
//! - [`replay`]: every loan's repayments allocated again by this system's rules, and compared
//!   with the file.
//! - [`summary`]: what was imported, repaired and refused, and why.
//! - [`ids`]: legacy ids as UUIDs.

pub mod facts;
pub mod file;
pub mod ids;
pub mod import;
pub mod replay;
pub mod rows;
pub mod summary;

use file::Array;

/// Why a legacy backup file cannot be imported. Each message is for the person running the
/// import: what is wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum LegacyError {
    #[error("The file is not a backup of the original system: {0}.")]
    NotLegacy(String),
    #[error(
        "The file is incomplete: it ends in the middle of the document (it was truncated or its copy was interrupted)."
    )]
    Truncated,
    #[error("The file is not valid JSON: at byte {offset}, expected {expected}.")]
    Syntax { offset: u64, expected: String },
    #[error("The file has a row larger than {limit} bytes (at byte {offset}).")]
    TooLarge { offset: u64, limit: usize },
    #[error(
        "The file's checksum does not match its contents (metadata.checksum says {stated}, the contents give {computed}): it was edited or damaged after the original system wrote it."
    )]
    Checksum { stated: String, computed: String },
    #[error(
        "The file's metadata.recordCounts says {} rows of \"{array}\", and the file holds {read}.", stated.map_or_else(|| "no count".to_owned(), |n| n.to_string())
    )]
    Counts {
        array: Array,
        stated: Option<u64>,
        read: u64,
    },
    #[error("Row {} of \"{array}\" cannot be read: {message}.", index + 1)]
    Row {
        array: Array,
        /// The row's position in its array, from 0.
        index: u64,
        message: String,
    },
    #[error("Reading the file failed: {0}")]
    Io(#[from] std::io::Error),
}

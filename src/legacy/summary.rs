//! What an import did: per array, the rows read, imported, repaired and refused, and every
//! repair, refusal and money difference with the legacy id and the reason. Printed at the end
//! of `millennium import legacy-backup` and written as JSON with `--report`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::file::Array;

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// Imported with a change, said in the reason.
    Repaired,
    /// Not imported, for the reason given.
    Refused,
    /// Imported as it is; the re-play of its loan's money differs from the file's figures.
    Difference,
}

/// One repair, refusal or difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub array: &'static str,
    /// The row's id in the original system.
    pub legacy_id: String,
    /// What identifies the row for a person (a loan number, a member code, an e-mail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub outcome: Outcome,
    pub reason: String,
}

/// The counts of one array.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub read: u64,
    pub imported: u64,
    pub repaired: u64,
    pub refused: u64,
}

/// The whole account of an import.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub file: String,
    pub checksum: String,
    pub legacy_created_at: chrono::DateTime<chrono::Utc>,
    pub dry_run: bool,
    pub arrays: BTreeMap<&'static str, Counts>,
    pub notes: Vec<Note>,
}

impl Summary {
    pub fn new(
        file: String,
        checksum: String,
        legacy_created_at: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        Self {
            file,
            checksum,
            legacy_created_at,
            dry_run: false,
            arrays: Array::ALL
                .iter()
                .map(|array| (array.name(), Counts::default()))
                .collect(),
            notes: Vec::new(),
        }
    }

    fn counts(&mut self, array: Array) -> &mut Counts {
        self.arrays.entry(array.name()).or_default()
    }

    pub fn read(&mut self, array: Array) {
        self.counts(array).read += 1;
    }

    /// A row imported as it is.
    pub fn imported(&mut self, array: Array) {
        self.counts(array).imported += 1;
    }

    /// A row imported with a change.
    pub fn repaired(&mut self, array: Array, legacy_id: &str, label: Option<&str>, reason: String) {
        let counts = self.counts(array);
        counts.imported += 1;
        counts.repaired += 1;
        self.note(array, legacy_id, label, Outcome::Repaired, reason);
    }

    /// A row imported earlier and changed afterwards (it is already counted as imported).
    pub fn repaired_later(
        &mut self,
        array: Array,
        legacy_id: &str,
        label: Option<&str>,
        reason: String,
    ) {
        self.counts(array).repaired += 1;
        self.note(array, legacy_id, label, Outcome::Repaired, reason);
    }

    /// A row not imported.
    pub fn refused(&mut self, array: Array, legacy_id: &str, label: Option<&str>, reason: String) {
        self.counts(array).refused += 1;
        self.note(array, legacy_id, label, Outcome::Refused, reason);
    }

    /// A loan whose re-played money differs from the file's.
    pub fn difference(&mut self, legacy_id: &str, label: Option<&str>, reason: String) {
        self.note(Array::Loans, legacy_id, label, Outcome::Difference, reason);
    }

    fn note(
        &mut self,
        array: Array,
        legacy_id: &str,
        label: Option<&str>,
        outcome: Outcome,
        reason: String,
    ) {
        self.notes.push(Note {
            array: array.name(),
            legacy_id: legacy_id.to_owned(),
            label: label.map(str::to_owned),
            outcome,
            reason,
        });
    }

    /// One array's counts, as a line.
    pub fn line(&self, array: Array) -> String {
        let counts = self.arrays.get(array.name()).copied().unwrap_or_default();
        format!(
            "{array}: {} read, {} imported, {} repaired, {} refused",
            counts.read, counts.imported, counts.repaired, counts.refused
        )
    }

    /// Rows imported in all.
    pub fn total_imported(&self) -> u64 {
        self.arrays.values().map(|counts| counts.imported).sum()
    }

    /// Rows read in all.
    pub fn total_read(&self) -> u64 {
        self.arrays.values().map(|counts| counts.read).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} {} (taken {}, checksum {}):",
            if self.dry_run {
                "Dry run of the import of"
            } else {
                "Imported"
            },
            self.file,
            self.legacy_created_at.format("%Y-%m-%d %H:%M UTC"),
            self.checksum
        )?;
        writeln!(
            f,
            "  {:<26} {:>9} {:>9} {:>9} {:>9}",
            "array", "read", "imported", "repaired", "refused"
        )?;
        for array in Array::ALL {
            let counts = self.arrays.get(array.name()).copied().unwrap_or_default();
            writeln!(
                f,
                "  {:<26} {:>9} {:>9} {:>9} {:>9}",
                array.name(),
                counts.read,
                counts.imported,
                counts.repaired,
                counts.refused
            )?;
        }
        for (outcome, title) in [
            (Outcome::Repaired, "Repaired"),
            (Outcome::Refused, "Refused"),
            (
                Outcome::Difference,
                "Money re-played differently from the file",
            ),
        ] {
            let notes: Vec<&Note> = self
                .notes
                .iter()
                .filter(|note| note.outcome == outcome)
                .collect();
            if notes.is_empty() {
                continue;
            }
            writeln!(f, "{title} ({}):", notes.len())?;
            for note in notes {
                let label = note
                    .label
                    .as_deref()
                    .map(|label| format!(" {label}"))
                    .unwrap_or_default();
                writeln!(
                    f,
                    "  {} {}{label}: {}",
                    note.array, note.legacy_id, note.reason
                )?;
            }
        }
        if self.dry_run {
            writeln!(f, "Nothing was written: this was a dry run.")?;
        }
        Ok(())
    }
}

//! Lists as files (SPEC 6 and 8.2): a table of readable columns and typed cells, written as CSV
//! ([`csv`]) or XLSX ([`xlsx`]) a chunk of rows at a time, so that a list of any length costs the
//! memory of one chunk. What goes in the rows is decided by `services::exports`; this module
//! only knows cells.

pub mod csv;
pub mod xlsx;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// An amount of money: two decimals.
    Money(Decimal),
    /// Any other decimal number (a rate), as precise as stored.
    Number(Decimal),
    Integer(i64),
    /// A calendar day.
    Date(NaiveDate),
    /// An instant, in UTC.
    Instant(DateTime<Utc>),
    Bool(bool),
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }

    /// A text that may be missing.
    pub fn optional_text(value: Option<impl Into<String>>) -> Self {
        value.map_or(Self::Empty, |value| Self::Text(value.into()))
    }

    pub fn optional_date(value: Option<NaiveDate>) -> Self {
        value.map_or(Self::Empty, Self::Date)
    }

    pub fn optional_instant(value: Option<DateTime<Utc>>) -> Self {
        value.map_or(Self::Empty, Self::Instant)
    }
}

/// A row of cells, one per column.
pub type Row = Vec<Cell>;

/// A column: its header and how wide a spreadsheet shows it (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub width: u8,
}

impl Column {
    pub const fn new(header: &'static str, width: u8) -> Self {
        Self { header, width }
    }
}

/// What an export is: the sheet's title and its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// The list's name in the URL and the file name (`loans`).
    pub name: &'static str,
    /// The worksheet's title (`Loans`).
    pub title: &'static str,
    pub columns: &'static [Column],
}

/// The two file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// The format of a file extension (`csv`, `xlsx`).
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    pub const fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// The file name of an export taken on `day`: `loans-2026-11-24.csv`.
pub fn file_name(table: &Table, format: Format, day: NaiveDate) -> String {
    format!(
        "{}-{}.{}",
        table.name,
        day.format("%Y-%m-%d"),
        format.extension()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_carry_the_list_and_the_day() {
        let table = Table {
            name: "loans",
            title: "Loans",
            columns: &[],
        };
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).expect("a day");
        assert_eq!(file_name(&table, Format::Csv, day), "loans-2026-11-24.csv");
        assert_eq!(
            file_name(&table, Format::Xlsx, day),
            "loans-2026-11-24.xlsx"
        );
        assert_eq!(Format::from_extension("xlsx"), Some(Format::Xlsx));
        assert_eq!(Format::from_extension("pdf"), None);
    }
}

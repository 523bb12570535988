//! CSV (RFC 4180, UTF-8) written with the `csv` crate a chunk at a time: each chunk of rows
//! becomes a piece of the response body as soon as it is read.
//!
//! Money has two decimals (`1234.50`), days are `YYYY-MM-DD`, instants RFC 3339 in UTC, yes/no
//! values `Yes`/`No`. A text a spreadsheet would run as a formula — starting with `=`, `@`, a tab
//! or a carriage return, or with `+` or `-` and more than a number (a phone number such as
//! `+2348031234567` stays as it is) — gets a leading `'`, so that opening the file never runs it.

use bytes::Bytes;

use super::{Cell, Column, Row};

/// The header line.
pub fn header(columns: &[Column]) -> Result<Bytes, csv::Error> {
    write(std::iter::once(
        columns
            .iter()
            .map(|column| column.header.to_owned())
            .collect::<Vec<_>>(),
    ))
}

/// The lines of `rows`.
pub fn rows(rows: &[Row]) -> Result<Bytes, csv::Error> {
    write(
        rows.iter()
            .map(|row| row.iter().map(text).collect::<Vec<_>>()),
    )
}

fn write(records: impl Iterator<Item = Vec<String>>) -> Result<Bytes, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for record in records {
        writer.write_record(&record)?;
    }
    let buffer = writer
        .into_inner()
        .map_err(|err| csv::Error::from(err.into_error()))?;
    Ok(Bytes::from(buffer))
}

/// A cell as CSV text.
pub fn text(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => neutralised(text),
        Cell::Money(amount) => format!("{:.2}", amount.round_dp(2)),
        Cell::Number(number) => number.normalize().to_string(),
        Cell::Integer(number) => number.to_string(),
        Cell::Date(day) => day.format("%Y-%m-%d").to_string(),
        Cell::Instant(at) => at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        Cell::Bool(true) => "Yes".to_owned(),
        Cell::Bool(false) => "No".to_owned(),
    }
}

/// A text a spreadsheet would take for a formula, made plain.
fn neutralised(text: &str) -> String {
    let formula = match text.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !text[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-' | '.')),
        _ => false,
    };
    if formula {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn cells_are_written_for_people_and_programs() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).expect("a day");
        let at = Utc
            .with_ymd_and_hms(2026, 11, 24, 9, 30, 0)
            .single()
            .expect("an instant");
        let row = vec![
            Cell::text("Adé, \"Bísí\""),
            Cell::Money(dec!(1234.5)),
            Cell::Number(dec!(2.5000)),
            Cell::Integer(12),
            Cell::Date(day),
            Cell::Instant(at),
            Cell::Bool(true),
            Cell::Empty,
            Cell::text("=HYPERLINK(\"x\")"),
            Cell::text("+2348031234567"),
            Cell::text("-1+cmd"),
        ];
        let columns = [Column::new("Member", 20), Column::new("Principal", 12)];
        assert_eq!(header(&columns).expect("header"), "Member,Principal\n");
        assert_eq!(
            rows(&[row]).expect("rows"),
            "\"Adé, \"\"Bísí\"\"\",1234.50,2.5,12,2026-11-24,2026-11-24T09:30:00Z,Yes,,\
             \"'=HYPERLINK(\"\"x\"\")\",+2348031234567,'-1+cmd\n"
        );
    }
}

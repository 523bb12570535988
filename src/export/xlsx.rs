//! XLSX written with `rust_xlsxwriter` in its constant-memory mode: each worksheet's rows go to
//! a temporary file as they are written (nothing of a row stays in memory once the next one
//! starts), and saving zips those files into the workbook's own file. An XLSX is a zip, so it
//! can only be sent once complete; the caller writes it to a temporary file and streams that.
//!
//! Money is a number with the format `#,##0.00`, days and instants are spreadsheet dates
//! (`yyyy-mm-dd`, `yyyy-mm-dd hh:mm:ss` in UTC), the header row is bold and frozen. A sheet
//! holds at most 1,048,575 rows under its header; a longer list continues on `Loans (2)`, and
//! so on.

use std::io::Write;
use std::path::Path;

use chrono::Timelike;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{Cell, Row, Table};

/// Rows of a worksheet below its header (the format's limit is 1,048,576 rows in all).
const ROWS_PER_SHEET: u32 = 1_048_575;

/// A workbook being written.
pub struct XlsxWriter {
    workbook: Workbook,
    table: Table,
    formats: Formats,
    /// Worksheets so far.
    sheets: usize,
    /// The next row to write on the current worksheet.
    next_row: u32,
}

struct Formats {
    header: Format,
    money: Format,
    number: Format,
    date: Format,
    instant: Format,
    text: Format,
}

impl XlsxWriter {
    /// A workbook for `table`, its first worksheet headed; temporary files go to `tempdir`
    /// (the system's temporary directory when `None`).
    pub fn new(table: Table, tempdir: Option<&Path>) -> Result<Self, XlsxError> {
        let mut workbook = Workbook::new();
        if let Some(dir) = tempdir {
            workbook.set_tempdir(dir)?;
        }
        // A worksheet's XML may pass 4 GiB before compression on the longest lists.
        workbook.use_zip_large_file(true);
        let mut writer = Self {
            workbook,
            table,
            formats: Formats {
                header: Format::new().set_bold(),
                money: Format::new().set_num_format("#,##0.00"),
                number: Format::new().set_num_format("0.00##"),
                date: Format::new().set_num_format("yyyy-mm-dd"),
                instant: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
                text: Format::new(),
            },
            sheets: 0,
            next_row: 0,
        };
        writer.start_sheet()?;
        Ok(writer)
    }

    /// Appends `rows`, starting another worksheet when one is full.
    pub fn write(&mut self, rows: &[Row]) -> Result<(), XlsxError> {
        for row in rows {
            if self.next_row > ROWS_PER_SHEET {
                self.start_sheet()?;
            }
            let at = self.next_row;
            let sheet = self.workbook.worksheet_from_index(self.sheets - 1)?;
            for (column, cell) in row.iter().enumerate() {
                let column = u16::try_from(column).map_err(|_| XlsxError::RowColumnLimitError)?;
                write_cell(sheet, &self.formats, at, column, cell)?;
            }
            self.next_row += 1;
        }
        Ok(())
    }

    /// Zips the workbook into `out`.
    pub fn finish(mut self, out: impl Write + Send) -> Result<(), XlsxError> {
        self.workbook.save_to_writer(out)
    }

    fn start_sheet(&mut self) -> Result<(), XlsxError> {
        self.sheets += 1;
        let title = if self.sheets == 1 {
            self.table.title.to_owned()
        } else {
            format!("{} ({})", self.table.title, self.sheets)
        };
        let sheet = self.workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(title)?;
        for (column, spec) in self.table.columns.iter().enumerate() {
            let column = u16::try_from(column).map_err(|_| XlsxError::RowColumnLimitError)?;
            sheet.set_column_width(column, spec.width)?;
            sheet.write_string_with_format(0, column, spec.header, &self.formats.header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        self.next_row = 1;
        Ok(())
    }
}

fn write_cell(
    sheet: &mut Worksheet,
    formats: &Formats,
    row: u32,
    column: u16,
    cell: &Cell,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(text) => {
            sheet.write_string_with_format(row, column, text, &formats.text)?;
        }
        Cell::Money(amount) => {
            let value = amount.round_dp(2).to_f64().unwrap_or_default();
            sheet.write_number_with_format(row, column, value, &formats.money)?;
        }
        Cell::Number(number) => {
            let value = number.to_f64().unwrap_or_default();
            sheet.write_number_with_format(row, column, value, &formats.number)?;
        }
        Cell::Integer(number) => {
            // Counts and sequence numbers: far below 2^53, exact as a spreadsheet number.
            let value = number.to_f64().unwrap_or_default();
            sheet.write_number(row, column, value)?;
        }
        Cell::Date(day) => {
            sheet.write_datetime_with_format(row, column, day, &formats.date)?;
        }
        Cell::Instant(at) => {
            // To the second, as the format shows it.
            let at = at.naive_utc();
            let at = at.with_nanosecond(0).unwrap_or(at);
            sheet.write_datetime_with_format(row, column, at, &formats.instant)?;
        }
        Cell::Bool(value) => {
            let text = if *value { "Yes" } else { "No" };
            sheet.write_string_with_format(row, column, text, &formats.text)?;
        }
    }
    Ok(())
}

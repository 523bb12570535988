//! A credit officer's collection sheet for a day: union by union, each member with a loan
//! that has something due that day or overdue — member, loan number, due today,
//! overdue, penalties, the total to collect — and an empty column to write what was collected;
//! a union's subtotal, the sheet's total, and signature lines at the end. A long sheet breaks
//! into pages with the table's header repeated on each.

#![expect(
    clippy::float_arithmetic,
    reason = "page geometry in points; amounts are only formatted"
)]

use rust_decimal::Decimal;

use super::layout::{Align, MARGIN, PAGE_WIDTH, PdfError, Sheet, Style, TableColumn};
use super::{instant, money};
use crate::services::printouts::{CollectionSheet, SheetLine};

/// The table's columns; amounts are printed without the currency sign (the sheet says which
/// currency once), so that a member's 9,999,999.99 and a union's subtotal as large fit.
fn columns() -> Vec<TableColumn> {
    vec![
        TableColumn::new("Member", 94.0, Align::Left),
        TableColumn::new("Loan", 66.0, Align::Left),
        TableColumn::new("Due today", 69.0, Align::Right),
        TableColumn::new("Overdue", 69.0, Align::Right),
        TableColumn::new("Penalties", 69.0, Align::Right),
        TableColumn::new("Total", 69.0, Align::Right),
        TableColumn::new("Collected", 79.0, Align::Left),
    ]
}

fn sums(lines: &[&SheetLine]) -> [Decimal; 4] {
    lines.iter().fold(
        [Decimal::ZERO; 4],
        |[due, overdue, penalties, total], line| {
            [
                due + line.due,
                overdue + line.overdue,
                penalties + line.penalties,
                total + line.total,
            ]
        },
    )
}

/// The collection sheet as a PDF.
pub fn render(sheet_data: &CollectionSheet) -> Result<Vec<u8>, PdfError> {
    let symbol = sheet_data.letterhead.currency_symbol.as_str();
    let day = sheet_data.date.format("%A %d %B %Y").to_string();
    let officer = sheet_data.officer_name.as_deref().unwrap_or("—");
    let mut sheet = Sheet::new()?;
    super::letterhead(&mut sheet, &sheet_data.letterhead, "Collection sheet");
    sheet.advance(16.0);
    sheet.field(MARGIN, 80.0, "Day", &day, Style::new(10.5).bold());
    sheet.advance(15.0);
    sheet.field(MARGIN, 80.0, "Credit officer", officer, Style::new(10.5));
    sheet.advance(15.0);
    let currency = format!("in {symbol}");
    sheet.field(MARGIN, 80.0, "Amounts", &currency, Style::new(10.5));
    sheet.advance(22.0);
    sheet.set_running_title(format!("Collection sheet — {officer} — {day} (continued)"));

    let mut all: Vec<&SheetLine> = Vec::new();
    if sheet_data.unions.is_empty() {
        sheet.text(
            MARGIN,
            Style::new(10.0),
            "Nothing is due or overdue on this day.",
            Align::Left,
        );
        sheet.advance(20.0);
    }
    for union in &sheet_data.unions {
        sheet.keep(17.0 * 4.0);
        sheet.text(MARGIN, Style::new(11.0).bold(), &union.name, Align::Left);
        sheet.advance(6.0);
        sheet.start_table(columns());
        let top = sheet.y();
        for line in &union.lines {
            sheet.row(
                &[
                    line.member_name.clone(),
                    line.loan_number.clone(),
                    money("", line.due),
                    money("", line.overdue),
                    money("", line.penalties),
                    money("", line.total),
                    String::new(),
                ],
                false,
            );
            all.push(line);
        }
        let lines: Vec<&SheetLine> = union.lines.iter().collect();
        let [due, overdue, penalties, total] = sums(&lines);
        sheet.row(
            &[
                match union.lines.len() {
                    1 => "1 member".to_owned(),
                    count => format!("{count} members"),
                },
                String::new(),
                money("", due),
                money("", overdue),
                money("", penalties),
                money("", total),
                String::new(),
            ],
            true,
        );
        if sheet.y() > top {
            sheet.column_rules(top);
        }
        sheet.end_table();
        sheet.advance(18.0);
    }

    sheet.keep(120.0);
    let [due, overdue, penalties, total] = sums(&all);
    let figures = [
        ("Due today", due),
        ("Overdue", overdue),
        ("Penalties", penalties),
    ];
    for (label, amount) in figures {
        sheet.text(MARGIN, Style::new(9.5).grey(), label, Align::Left);
        sheet.text(
            MARGIN + 250.0,
            Style::new(9.5),
            &money(symbol, amount),
            Align::Right,
        );
        sheet.advance(14.0);
    }
    sheet.text(
        MARGIN,
        Style::new(11.0).bold(),
        "Total to collect",
        Align::Left,
    );
    sheet.text(
        MARGIN + 250.0,
        Style::new(11.0).bold(),
        &money(symbol, total),
        Align::Right,
    );
    sheet.advance(16.0);
    sheet.text(
        MARGIN,
        Style::new(9.5).grey(),
        "Total collected",
        Align::Left,
    );
    let y = sheet.y();
    sheet.line((MARGIN + 160.0, y + 2.0), (MARGIN + 250.0, y + 2.0), 0.6);

    sheet.advance(50.0);
    let y = sheet.y();
    let half = (PAGE_WIDTH - 2.0 * MARGIN) / 2.0;
    sheet.line((MARGIN, y), (MARGIN + half - 30.0, y), 0.6);
    sheet.line((MARGIN + half + 10.0, y), (PAGE_WIDTH - MARGIN, y), 0.6);
    sheet.advance(12.0);
    sheet.text(
        MARGIN,
        Style::new(8.0).grey(),
        &format!("Credit officer: {officer}"),
        Align::Left,
    );
    sheet.text(
        MARGIN + half + 10.0,
        Style::new(8.0).grey(),
        "Checked by (supervisor)",
        Align::Left,
    );
    sheet.render(&format!(
        "{} — collection sheet of {} — printed {}",
        sheet_data.letterhead.company,
        sheet_data.date,
        instant(sheet_data.printed_at)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::layout::TABLE_TEXT;

    #[test]
    fn loan_numbers_and_amounts_fit_their_columns_without_being_cut() {
        let sheet = Sheet::new().expect("the embedded fonts");
        let widest = money("", Decimal::new(999_999_999, 2));
        let columns = columns();
        assert_eq!(
            columns.iter().map(|column| column.width).sum::<f32>(),
            PAGE_WIDTH - 2.0 * MARGIN
        );
        // Loan numbers: `LN` and eight digits.
        assert!(sheet.width("LN00000000", TABLE_TEXT) <= columns[1].width - 6.0);
        for column in columns.iter().filter(|column| column.align == Align::Right) {
            let room = column.width - 6.0;
            assert!(
                sheet.width(&widest, TABLE_TEXT.bold()) <= room,
                "{}",
                column.title
            );
        }
    }
}

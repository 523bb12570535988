//! A credit officer's collection sheet for a day: union by union, each member with a loan
//! that has something due that day or overdue — member, code, loan number, due today,
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

fn columns() -> Vec<TableColumn> {
    vec![
        TableColumn::new("Member", 104.0, Align::Left),
        TableColumn::new("Code", 60.0, Align::Left),
        TableColumn::new("Loan", 62.0, Align::Left),
        TableColumn::new("Due today", 58.0, Align::Right),
        TableColumn::new("Overdue", 58.0, Align::Right),
        TableColumn::new("Penalties", 56.0, Align::Right),
        TableColumn::new("Total", 62.0, Align::Right),
        TableColumn::new("Collected", 55.0, Align::Left),
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
                    line.member_code.clone(),
                    line.loan_number.clone(),
                    money(symbol, line.due),
                    money(symbol, line.overdue),
                    money(symbol, line.penalties),
                    money(symbol, line.total),
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
                String::new(),
                money(symbol, due),
                money(symbol, overdue),
                money(symbol, penalties),
                money(symbol, total),
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

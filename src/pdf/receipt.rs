//! A repayment's receipt on one A4 page: the organisation, the receipt's reference and date,
//! the loan, the member and their union, the amount in large figures, where the money went
//! (per installment or charge: principal, interest, fees, penalty), the loan's balance after
//! the payment and who received it. A reversed repayment says REVERSED in red at the top,
//! with when, by whom and why.

#![expect(
    clippy::float_arithmetic,
    reason = "page geometry in points; amounts are only formatted"
)]

use super::layout::{
    Align, CONTENT_WIDTH, MARGIN, PAGE_WIDTH, PdfError, Sheet, Style, TableColumn,
};
use super::{instant, money};
use rust_decimal::Decimal;

use crate::services::printouts::{Receipt, ReceiptLine};

/// The receipt as a PDF.
pub fn render(receipt: &Receipt) -> Result<Vec<u8>, PdfError> {
    let symbol = receipt.letterhead.currency_symbol.as_str();
    let repayment = &receipt.repayment;
    let mut sheet = Sheet::new()?;
    super::letterhead(&mut sheet, &receipt.letterhead, "Repayment receipt");

    if let Some(reversed_at) = repayment.reversed_at {
        sheet.advance(30.0);
        sheet.text(
            MARGIN,
            Style::new(26.0).bold().red(),
            "REVERSED",
            Align::Left,
        );
        sheet.advance(18.0);
        let by = receipt.reversed_by.as_deref().unwrap_or("—");
        sheet.text(
            MARGIN,
            Style::new(9.5).red(),
            &format!("Reversed on {} by {by}.", instant(reversed_at)),
            Align::Left,
        );
        if let Some(reason) = &repayment.reversal_reason {
            sheet.advance(13.0);
            let reason = sheet.fit(
                &format!("Reason: {reason}"),
                Style::new(9.5).red(),
                CONTENT_WIDTH,
            );
            sheet.text(MARGIN, Style::new(9.5).red(), &reason, Align::Left);
        }
        sheet.advance(13.0);
        sheet.text(
            MARGIN,
            Style::new(9.5).red(),
            "This payment no longer counts towards the loan.",
            Align::Left,
        );
        sheet.advance(10.0);
    }

    sheet.advance(14.0);
    let value = Style::new(10.5);
    let left = MARGIN;
    let right = MARGIN + CONTENT_WIDTH / 2.0 + 10.0;
    let rows: [(&str, String, &str, String); 4] = [
        (
            "Receipt no.",
            repayment.id.to_string()[..8].to_uppercase(),
            "Loan number",
            receipt.loan_number.clone(),
        ),
        (
            "Reference",
            repayment
                .reference
                .clone()
                .unwrap_or_else(|| "—".to_owned()),
            "Member",
            receipt.member_name.clone(),
        ),
        (
            "Paid on",
            instant(repayment.paid_at),
            "Member code",
            receipt.member_code.clone(),
        ),
        (
            "Method",
            repayment.method.as_str().to_owned(),
            "Union",
            receipt.union_name.clone(),
        ),
    ];
    for (label, text, other_label, other_text) in rows {
        let text = sheet.fit(&text, value, CONTENT_WIDTH / 2.0 - 80.0);
        let other_text = sheet.fit(&other_text, value, CONTENT_WIDTH / 2.0 - 90.0);
        sheet.field(left, 75.0, label, &text, value);
        sheet.field(right, 80.0, other_label, &other_text, value);
        sheet.advance(16.0);
    }

    sheet.advance(10.0);
    let top = sheet.y() - 14.0;
    sheet.shade(MARGIN, top, CONTENT_WIDTH, 44.0);
    sheet.advance(4.0);
    sheet.text(
        MARGIN + 12.0,
        Style::new(10.0).grey(),
        "Amount received",
        Align::Left,
    );
    sheet.advance(20.0);
    sheet.text(
        MARGIN + 12.0,
        Style::new(20.0).bold(),
        &money(symbol, repayment.amount),
        Align::Left,
    );
    sheet.advance(32.0);

    sheet.text(MARGIN, Style::new(11.0).bold(), "Allocation", Align::Left);
    sheet.advance(8.0);
    let amount = |width| TableColumn::new("", width, Align::Right);
    sheet.start_table(vec![
        TableColumn::new("Paid towards", 175.0, Align::Left),
        TableColumn {
            title: "Principal",
            ..amount(68.0)
        },
        TableColumn {
            title: "Interest",
            ..amount(68.0)
        },
        TableColumn {
            title: "Fees",
            ..amount(68.0)
        },
        TableColumn {
            title: "Penalty",
            ..amount(68.0)
        },
        TableColumn {
            title: "Total",
            ..amount(68.0)
        },
    ]);
    if receipt.lines.is_empty() {
        sheet.row(&["Nothing (reversed)".to_owned()], false);
    }
    for line in &receipt.lines {
        sheet.row(
            &[
                line.label.clone(),
                money(symbol, line.principal),
                money(symbol, line.interest),
                money(symbol, line.fee),
                money(symbol, line.penalty),
                money(symbol, line.amount),
            ],
            false,
        );
    }
    if !receipt.lines.is_empty() {
        let sum =
            |part: fn(&ReceiptLine) -> Decimal| -> Decimal { receipt.lines.iter().map(part).sum() };
        sheet.row(
            &[
                "Total".to_owned(),
                money(symbol, sum(|line| line.principal)),
                money(symbol, sum(|line| line.interest)),
                money(symbol, sum(|line| line.fee)),
                money(symbol, sum(|line| line.penalty)),
                money(symbol, sum(|line| line.amount)),
            ],
            true,
        );
    }
    sheet.end_table();

    sheet.advance(26.0);
    sheet.keep(90.0);
    let balance = &receipt.balance_after;
    sheet.text(
        MARGIN,
        Style::new(11.0).bold(),
        &format!(
            "The loan after this payment (as of {})",
            balance.as_of.format("%d %b %Y")
        ),
        Align::Left,
    );
    sheet.advance(18.0);
    let figures = [
        ("Total paid", balance.total_paid),
        ("Principal outstanding", balance.principal_outstanding),
        ("Interest outstanding", balance.interest_outstanding),
        ("Penalties outstanding", balance.penalties_outstanding),
    ];
    for (label, amount) in figures {
        sheet.text(MARGIN, Style::new(9.5).grey(), label, Align::Left);
        sheet.text(
            MARGIN + 260.0,
            Style::new(9.5),
            &money(symbol, amount),
            Align::Right,
        );
        sheet.advance(14.0);
    }
    sheet.text(
        MARGIN,
        Style::new(10.5).bold(),
        "Balance outstanding",
        Align::Left,
    );
    sheet.text(
        MARGIN + 260.0,
        Style::new(10.5).bold(),
        &money(symbol, balance.total_outstanding),
        Align::Right,
    );

    sheet.advance(40.0);
    sheet.keep(60.0);
    let received_by = receipt.received_by.as_deref().unwrap_or("—");
    sheet.field(MARGIN, 75.0, "Received by", received_by, Style::new(10.5));
    let y = sheet.y();
    sheet.line(
        (PAGE_WIDTH - MARGIN - 180.0, y),
        (PAGE_WIDTH - MARGIN, y),
        0.6,
    );
    sheet.advance(12.0);
    sheet.text(
        PAGE_WIDTH - MARGIN - 90.0,
        Style::new(8.0).grey(),
        "Signature",
        Align::Center,
    );
    sheet.render(&format!(
        "{} — receipt {} — printed {}",
        receipt.letterhead.company,
        repayment.id,
        instant(receipt.printed_at)
    ))
}

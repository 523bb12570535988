//! Printed documents: a repayment's receipt ([`receipt`]) and a credit officer's collection
//! sheet ([`collection_sheet`]), laid out by [`layout`] and written as PDF with the embedded
//! DejaVu Sans font. The data comes from `services::printouts`; this module only places it on
//! pages.

pub mod collection_sheet;
pub mod layout;
pub mod receipt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

pub use layout::PdfError;
use layout::{Align, MARGIN, RIGHT, Sheet, Style};

use crate::services::printouts::Letterhead;

/// An amount with the currency symbol and thousands separators: `₦12,345.60`, `-₦5.00`.
pub fn money(symbol: &str, amount: Decimal) -> String {
    let text = format!("{:.2}", amount.round_dp(2).abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if amount.is_sign_negative() && !amount.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{symbol}{grouped}.{cents}")
}

/// An instant as printed: `24 Nov 2026, 09:30 UTC`.
pub fn instant(at: DateTime<Utc>) -> String {
    at.format("%d %b %Y, %H:%M UTC").to_string()
}

/// The organisation's name, address and phone, the document's title on the right, a rule.
fn letterhead(sheet: &mut Sheet, letterhead: &Letterhead, title: &str) {
    sheet.advance(12.0);
    sheet.text(
        MARGIN,
        Style::new(16.0).bold(),
        &letterhead.company,
        Align::Left,
    );
    sheet.text(RIGHT, Style::new(14.0).bold().grey(), title, Align::Right);
    for line in [&letterhead.address, &letterhead.phone]
        .into_iter()
        .flatten()
    {
        sheet.advance(13.0);
        sheet.text(MARGIN, Style::new(9.0).grey(), line, Align::Left);
    }
    sheet.advance(10.0);
    let y = sheet.y();
    sheet.rule(y, 1.0);
    sheet.advance(8.0);
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn money_is_grouped_with_two_places() {
        assert_eq!(money("₦", dec!(1234567.5)), "₦1,234,567.50");
        assert_eq!(money("₦", dec!(999)), "₦999.00");
        assert_eq!(money("₦", dec!(1000)), "₦1,000.00");
        assert_eq!(money("₦", dec!(0)), "₦0.00");
        assert_eq!(money("$", dec!(-5)), "-$5.00");
    }
}

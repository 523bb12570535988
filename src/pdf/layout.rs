//! A small page layout for printed documents: A4 portrait, text in DejaVu Sans (regular and
//! bold, embedded and subset by `krilla`), lines and shaded boxes, tables whose header row is
//! repeated on every page, and "Page n of m" at the foot of each page.
//!
//! Layout first, drawing last: [`Sheet`] collects what each page shows (positions in points from
//! the top-left corner) and starts a new page when the next block does not fit; [`Sheet::render`]
//! then draws every page with `krilla`, once the number of pages is known.
//!
//! DejaVu Sans (`assets/fonts`, from Debian's `fonts-dejavu-core`) is used because it has the
//! Naira sign (U+20A6) and the Latin letters of Yoruba, Igbo and Hausa names; its licence (the
//! Bitstream Vera licence, DejaVu changes in the public domain) allows embedding and
//! redistribution, and is kept beside it as `assets/fonts/LICENSE`.

#![expect(
    clippy::float_arithmetic,
    reason = "page geometry in points; no money is computed here"
)]

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.0;
pub const PAGE_HEIGHT: f32 = 842.0;
/// The margin on every side.
pub const MARGIN: f32 = 40.0;
/// The width between the margins.
pub const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// The right margin's x.
pub const RIGHT: f32 = PAGE_WIDTH - MARGIN;
/// Where the page's content ends, above the footer.
const BOTTOM: f32 = PAGE_HEIGHT - MARGIN - 14.0;

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font could not be read")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// Where a text stands against its x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Center,
}

/// A style of text: size, weight, grey level (0 black, 255 white) or red.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub size: f32,
    pub weight: Weight,
    pub color: (u8, u8, u8),
}

impl Style {
    pub const fn new(size: f32) -> Self {
        Self {
            size,
            weight: Weight::Regular,
            color: (0, 0, 0),
        }
    }

    pub const fn bold(mut self) -> Self {
        self.weight = Weight::Bold;
        self
    }

    pub const fn grey(mut self) -> Self {
        self.color = (90, 90, 90);
        self
    }

    pub const fn red(mut self) -> Self {
        self.color = (190, 20, 20);
        self
    }
}

/// One thing drawn on a page.
#[derive(Debug, Clone)]
enum Mark {
    Text {
        x: f32,
        y: f32,
        style: Style,
        text: String,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
    },
    Shade {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
}

/// The two faces, for measuring text as it will be drawn.
struct Faces {
    regular: ttf_parser::Face<'static>,
    bold: ttf_parser::Face<'static>,
}

impl Faces {
    fn load() -> Result<Self, PdfError> {
        Ok(Self {
            regular: ttf_parser::Face::parse(REGULAR, 0).map_err(|_| PdfError::Font)?,
            bold: ttf_parser::Face::parse(BOLD, 0).map_err(|_| PdfError::Font)?,
        })
    }

    /// The advance width of `text` in `style`, in points.
    fn width(&self, text: &str, style: Style) -> f32 {
        let face = match style.weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        };
        let units: u32 = text
            .chars()
            .map(|c| {
                face.glyph_index(c)
                    .and_then(|glyph| face.glyph_hor_advance(glyph))
                    .map_or(0, u32::from)
            })
            .sum();
        units as f32 * style.size / f32::from(face.units_per_em())
    }
}

/// A table's column: title, width in points, alignment.
#[derive(Debug, Clone)]
pub struct TableColumn {
    pub title: &'static str,
    pub width: f32,
    pub align: Align,
}

impl TableColumn {
    pub const fn new(title: &'static str, width: f32, align: Align) -> Self {
        Self {
            title,
            width,
            align,
        }
    }
}

/// The height of a table row.
pub const ROW_HEIGHT: f32 = 17.0;
/// The text of a table's rows (bold for totals and the header).
pub const TABLE_TEXT: Style = Style::new(8.5);

/// A document being laid out, page by page.
pub struct Sheet {
    faces: Faces,
    pages: Vec<Vec<Mark>>,
    /// The baseline of the next line on the current page.
    y: f32,
    /// Shown at the top of every page after the first (a title and "continued").
    running_title: Option<String>,
    /// The table whose header is repeated on a new page.
    table: Option<Vec<TableColumn>>,
}

impl Sheet {
    pub fn new() -> Result<Self, PdfError> {
        Ok(Self {
            faces: Faces::load()?,
            pages: vec![Vec::new()],
            y: MARGIN,
            running_title: None,
            table: None,
        })
    }

    /// The title repeated at the top of the following pages.
    pub fn set_running_title(&mut self, title: impl Into<String>) {
        self.running_title = Some(title.into());
    }

    /// The current baseline.
    pub fn y(&self) -> f32 {
        self.y
    }

    /// Moves down by `height` points.
    pub fn advance(&mut self, height: f32) {
        self.y += height;
    }

    /// Starts a new page when fewer than `height` points are left on this one.
    pub fn keep(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.new_page();
        }
    }

    /// Starts a new page: the running title, and the header of the current table if any.
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
        if let Some(title) = self.running_title.clone() {
            self.text(MARGIN, Style::new(9.0).grey(), &title, Align::Left);
            self.advance(18.0);
        }
        if let Some(columns) = self.table.clone() {
            self.draw_table_header(&columns);
        }
    }

    fn mark(&mut self, mark: Mark) {
        if let Some(page) = self.pages.last_mut() {
            page.push(mark);
        }
    }

    /// The width of `text` in `style`.
    pub fn width(&self, text: &str, style: Style) -> f32 {
        self.faces.width(text, style)
    }

    /// Draws `text` on the current baseline at `x` (its left end, right end or centre).
    pub fn text(&mut self, x: f32, style: Style, text: &str, align: Align) {
        let x = match align {
            Align::Left => x,
            Align::Right => x - self.width(text, style),
            Align::Center => x - self.width(text, style) / 2.0,
        };
        self.mark(Mark::Text {
            x,
            y: self.y,
            style,
            text: text.to_owned(),
        });
    }

    /// `text` cut (with "…") to fit `width`.
    pub fn fit(&self, text: &str, style: Style, width: f32) -> String {
        if self.width(text, style) <= width {
            return text.to_owned();
        }
        let mut fitted: String = text.to_owned();
        while !fitted.is_empty() && self.width(&format!("{fitted}…"), style) > width {
            fitted.pop();
        }
        format!("{}…", fitted.trim_end())
    }

    /// A horizontal line across the content at `y`.
    pub fn rule(&mut self, y: f32, width: f32) {
        self.line((MARGIN, y), (PAGE_WIDTH - MARGIN, y), width);
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32) {
        self.mark(Mark::Line { from, to, width });
    }

    /// A light grey box.
    pub fn shade(&mut self, x: f32, y: f32, width: f32, height: f32) {
        self.mark(Mark::Shade {
            x,
            y,
            width,
            height,
        });
    }

    /// A label and its value on one line: the label in grey at `x`, the value at `x + indent`.
    pub fn field(&mut self, x: f32, indent: f32, label: &str, value: &str, style: Style) {
        self.text(x, Style::new(9.0).grey(), label, Align::Left);
        self.text(x + indent, style, value, Align::Left);
    }

    /// Starts a table with `columns` (from the left margin): its header now, and again at the
    /// top of every page until [`Sheet::end_table`].
    pub fn start_table(&mut self, columns: Vec<TableColumn>) {
        self.keep(ROW_HEIGHT * 3.0);
        self.draw_table_header(&columns);
        self.table = Some(columns);
    }

    pub fn end_table(&mut self) {
        self.table = None;
    }

    fn draw_table_header(&mut self, columns: &[TableColumn]) {
        let top = self.y;
        self.shade(MARGIN, top, CONTENT_WIDTH, ROW_HEIGHT);
        self.y = top + 12.0;
        let style = TABLE_TEXT.bold();
        let mut x = MARGIN;
        for column in columns {
            let title = self.fit(column.title, style, column.width - 6.0);
            self.cell(x, column, style, &title);
            x += column.width;
        }
        self.y = top + ROW_HEIGHT;
        self.rule(self.y, 0.6);
    }

    fn cell(&mut self, x: f32, column: &TableColumn, style: Style, text: &str) {
        match column.align {
            Align::Left => self.text(x + 3.0, style, text, Align::Left),
            Align::Right => self.text(x + column.width - 3.0, style, text, Align::Right),
            Align::Center => self.text(x + column.width / 2.0, style, text, Align::Center),
        }
    }

    /// A row of the current table (one text per column, cut to fit), ruled below; `bold` for
    /// totals. A new page (with the header again) when it does not fit.
    pub fn row(&mut self, cells: &[String], bold: bool) {
        let Some(columns) = self.table.clone() else {
            return;
        };
        self.keep(ROW_HEIGHT);
        let top = self.y;
        self.y = top + 12.0;
        let style = if bold { TABLE_TEXT.bold() } else { TABLE_TEXT };
        let mut x = MARGIN;
        for (column, text) in columns.iter().zip(cells) {
            let text = self.fit(text, style, column.width - 6.0);
            self.cell(x, column, style, &text);
            x += column.width;
        }
        self.y = top + ROW_HEIGHT;
        self.rule(self.y, 0.3);
    }

    /// Vertical lines between the columns of the current table, from `top` to the current
    /// line (for a column to write in).
    pub fn column_rules(&mut self, top: f32) {
        let Some(columns) = self.table.clone() else {
            return;
        };
        let mut x = MARGIN;
        self.line((x, top), (x, self.y), 0.3);
        for column in &columns {
            x += column.width;
            self.line((x, top), (x, self.y), 0.3);
        }
    }

    /// Draws every page, with "Page n of m" and `footer` at the foot, as a PDF.
    pub fn render(self, footer: &str) -> Result<Vec<u8>, PdfError> {
        let regular = Font::new(REGULAR.into(), 0).ok_or(PdfError::Font)?;
        let bold = Font::new(BOLD.into(), 0).ok_or(PdfError::Font)?;
        let count = self.pages.len();
        let mut document = Document::new();
        for (index, marks) in self.pages.iter().enumerate() {
            let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
                .ok_or_else(|| PdfError::Write("bad page size".into()))?;
            let mut page = document.start_page_with(settings);
            let mut surface = page.surface();
            let foot = Style::new(7.5).grey();
            let number = format!("Page {} of {count}", index + 1);
            let number_x = PAGE_WIDTH - MARGIN - self.faces.width(&number, foot);
            let marks = marks.iter().cloned().chain([
                Mark::Text {
                    x: MARGIN,
                    y: PAGE_HEIGHT - MARGIN + 4.0,
                    style: foot,
                    text: footer.to_owned(),
                },
                Mark::Text {
                    x: number_x,
                    y: PAGE_HEIGHT - MARGIN + 4.0,
                    style: foot,
                    text: number,
                },
            ]);
            for mark in marks {
                match mark {
                    Mark::Text { x, y, style, text } => {
                        let (r, g, b) = style.color;
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill {
                            paint: rgb::Color::new(r, g, b).into(),
                            ..Fill::default()
                        }));
                        let font = match style.weight {
                            Weight::Regular => regular.clone(),
                            Weight::Bold => bold.clone(),
                        };
                        surface.draw_text(
                            Point::from_xy(x, y),
                            font,
                            style.size,
                            &text,
                            false,
                            TextDirection::Auto,
                        );
                    }
                    Mark::Line { from, to, width } => {
                        let mut path = PathBuilder::new();
                        path.move_to(from.0, from.1);
                        path.line_to(to.0, to.1);
                        if let Some(path) = path.finish() {
                            surface.set_fill(None);
                            surface.set_stroke(Some(Stroke {
                                width,
                                ..Stroke::default()
                            }));
                            surface.draw_path(&path);
                        }
                    }
                    Mark::Shade {
                        x,
                        y,
                        width,
                        height,
                    } => {
                        let mut path = PathBuilder::new();
                        if let Some(rect) = Rect::from_xywh(x, y, width, height) {
                            path.push_rect(rect);
                        }
                        if let Some(path) = path.finish() {
                            surface.set_stroke(None);
                            surface.set_fill(Some(Fill {
                                paint: rgb::Color::new(232, 232, 232).into(),
                                ..Fill::default()
                            }));
                            surface.draw_path(&path);
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document
            .finish()
            .map_err(|err| PdfError::Write(format!("{err:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_the_naira_sign() {
        let faces = Faces::load().expect("the fonts");
        assert!(faces.regular.glyph_index('₦').is_some());
        assert!(faces.bold.glyph_index('₦').is_some());
        assert!(faces.regular.glyph_index('ọ').is_some());
    }

    #[test]
    fn long_texts_are_cut_to_their_column() {
        let sheet = Sheet::new().expect("a sheet");
        let style = Style::new(9.0);
        let long = "Oluwadamilare Adebayo-Ogunleye of the Oja Oba Traders Union";
        let fitted = sheet.fit(long, style, 80.0);
        assert!(fitted.ends_with('…'));
        assert!(sheet.width(&fitted, style) <= 80.0);
        assert_eq!(sheet.fit("Ada", style, 80.0), "Ada");
    }

    #[test]
    fn a_long_table_breaks_into_pages_with_its_header_each_time() {
        let mut sheet = Sheet::new().expect("a sheet");
        sheet.set_running_title("Collection sheet (continued)");
        sheet.start_table(vec![
            TableColumn::new("Member", 200.0, Align::Left),
            TableColumn::new("Amount", 100.0, Align::Right),
        ]);
        for n in 0..100 {
            sheet.row(&[format!("Member {n}"), "₦1,000.00".to_owned()], false);
        }
        assert!(sheet.pages.len() >= 3);
        for page in &sheet.pages[1..] {
            let headers = page
                .iter()
                .filter(|mark| matches!(mark, Mark::Text { text, .. } if text == "Member"))
                .count();
            assert_eq!(headers, 1);
        }
        let pdf = sheet.render("Test").expect("a PDF");
        assert!(pdf.starts_with(b"%PDF-"));
    }
}

//! Rules of uploaded documents that need no storage: the name a document is shown under, and
//! where its object is kept.

use super::file_kind::FileKind;

/// The folder of the object store that holds documents.
pub const STORAGE_PREFIX: &str = "documents";

/// The longest file name kept for display, in characters (the extension included).
pub const MAX_FILE_NAME_CHARS: usize = 120;

/// A new, opaque object key for a document: never derived from the client's file name.
pub fn new_storage_key() -> String {
    format!("{STORAGE_PREFIX}/{}", uuid::Uuid::new_v4())
}

/// Characters that change how text around them is shown without being visible themselves
/// (bidirectional overrides, zero-width characters): `invoice\u{202E}fdp.exe` would read as
/// `invoiceexe.pdf`.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// Whether the text after a name's last dot is an extension (`pdf`, `jpeg`) rather than part
/// of the name (`Dr. Ada`).
fn looks_like_extension(text: &str) -> bool {
    (1..=5).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The name a document is shown and downloaded under, from the name the client sent: the last
/// path component only, without control or invisible formatting characters, at most
/// [`MAX_FILE_NAME_CHARS`] long, and ending in an extension of the kind its content was found
/// to be (`photo.jpg` holding a PDF becomes `photo.pdf`, `contract` becomes `contract.docx`). A name with nothing left is
/// `document` with the extension.
pub fn display_name(client_name: &str, kind: FileKind) -> String {
    let last = client_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.');
    let (stem, extension) = match cleaned.rsplit_once('.') {
        Some((stem, extension)) if looks_like_extension(extension) => {
            let known = kind
                .extensions()
                .iter()
                .any(|known| known.eq_ignore_ascii_case(extension));
            (stem, if known { extension } else { kind.extension() })
        }
        _ => (cleaned, kind.extension()),
    };
    let stem = stem.trim_end_matches(['.', ' ']);
    let stem = if stem.is_empty() { "document" } else { stem };
    let room = MAX_FILE_NAME_CHARS - extension.chars().count() - 1;
    let stem: String = stem.chars().take(room).collect();
    format!("{}.{extension}", stem.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_keeps_the_client_s_words_and_the_content_s_extension() {
        assert_eq!(
            display_name("Ada ID card.JPG", FileKind::Jpeg),
            "Ada ID card.JPG"
        );
        assert_eq!(display_name("scan.jpeg", FileKind::Jpeg), "scan.jpeg");
        assert_eq!(display_name("photo.jpg", FileKind::Pdf), "photo.pdf");
        assert_eq!(display_name("Dr. Ada", FileKind::Pdf), "Dr. Ada.pdf");
        assert_eq!(display_name("contract", FileKind::Docx), "contract.docx");
        assert_eq!(
            display_name("statement.pdf", FileKind::Pdf),
            "statement.pdf"
        );
        assert_eq!(display_name("Ìdánimọ̀.png", FileKind::Png), "Ìdánimọ̀.png");
    }

    #[test]
    fn paths_controls_and_disguises_are_removed() {
        assert_eq!(
            display_name("../../etc/passwd", FileKind::Pdf),
            "passwd.pdf"
        );
        assert_eq!(
            display_name("C:\\Users\\ada\\bill.pdf", FileKind::Pdf),
            "bill.pdf"
        );
        assert_eq!(
            display_name("bill\r\nSet-Cookie: x.pdf", FileKind::Pdf),
            "billSet-Cookie: x.pdf"
        );
        assert_eq!(
            display_name("invoice\u{202E}fdp.exe", FileKind::Pdf),
            "invoicefdp.pdf"
        );
        assert_eq!(display_name(".htaccess", FileKind::Png), "htaccess.png");
    }

    #[test]
    fn an_empty_name_becomes_document_and_a_long_one_is_cut() {
        assert_eq!(display_name("", FileKind::Pdf), "document.pdf");
        assert_eq!(display_name("  /  ", FileKind::Jpeg), "document.jpg");
        assert_eq!(display_name("...", FileKind::Pdf), "document.pdf");
        assert_eq!(display_name(".pdf", FileKind::Pdf), "pdf.pdf");
        let long = format!("{}.pdf", "a".repeat(500));
        let name = display_name(&long, FileKind::Pdf);
        assert_eq!(name.chars().count(), MAX_FILE_NAME_CHARS);
        assert!(name.ends_with("a.pdf"));
    }

    #[test]
    fn storage_keys_are_opaque_and_under_the_documents_folder() {
        let key = new_storage_key();
        assert!(key.starts_with("documents/"));
        assert_ne!(key, new_storage_key());
        assert!(uuid::Uuid::parse_str(&key["documents/".len()..]).is_ok());
    }
}

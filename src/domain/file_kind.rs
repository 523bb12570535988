//! What an uploaded file is, decided from its bytes alone (SPEC 8.3): JPEG, PNG, PDF, DOC or
//! DOCX. Neither the file's name nor the content type a client declares is trusted. Each check
//! reads the start of the file *and* its end (or its index), so a renamed program, a file cut
//! short in transfer, and an archive or compound file that is not a Word document are refused.

/// A kind of document the loan book stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Pdf,
    /// A Word 97–2003 document: an OLE2 compound file holding a `WordDocument` stream.
    Doc,
    /// A Word 2007+ document: a ZIP archive holding `word/document.xml`.
    Docx,
}

impl FileKind {
    /// The canonical media type, stored with the document and sent on download.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Pdf => "application/pdf",
            Self::Doc => "application/msword",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    }

    /// The usual file extension, without the dot.
    pub const fn extension(self) -> &'static str {
        self.extensions()[0]
    }

    /// Every extension that names this kind (compare ignoring ASCII case), the usual one first.
    pub const fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Jpeg => &["jpg", "jpeg", "jpe"],
            Self::Png => &["png"],
            Self::Pdf => &["pdf"],
            Self::Doc => &["doc"],
            Self::Docx => &["docx"],
        }
    }
}

/// The kind of document `bytes` hold, or `None` for anything else (including an empty or
/// truncated file).
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if is_jpeg(bytes) {
        Some(FileKind::Jpeg)
    } else if is_png(bytes) {
        Some(FileKind::Png)
    } else if is_pdf(bytes) {
        Some(FileKind::Pdf)
    } else if is_word_97(bytes).unwrap_or(false) {
        Some(FileKind::Doc)
    } else if is_docx(bytes).unwrap_or(false) {
        Some(FileKind::Docx)
    } else {
        None
    }
}

fn u16_le(bytes: &[u8], at: usize) -> Option<u16> {
    let pair = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([pair[0], pair[1]]))
}

fn u32_le(bytes: &[u8], at: usize) -> Option<u32> {
    let quad = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([quad[0], quad[1], quad[2], quad[3]]))
}

fn usize_le(bytes: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u32_le(bytes, at)?).ok()
}

/// Start of image (`FF D8`), a marker, … end of image (`FF D9`) as the last bytes.
fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.len() >= 6
        && bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        && bytes[3] >= 0xC0
        && bytes[3] != 0xFF
        && bytes.ends_with(&[0xFF, 0xD9])
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
/// The `IEND` chunk, which ends every PNG: length 0, type, CRC.
const PNG_END: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];

/// The signature, an `IHDR` chunk of 13 bytes first, and the `IEND` chunk last.
fn is_png(bytes: &[u8]) -> bool {
    bytes.len() >= PNG_SIGNATURE.len() + 25 + PNG_END.len()
        && bytes.starts_with(&PNG_SIGNATURE)
        && bytes[8..16] == [0, 0, 0, 13, b'I', b'H', b'D', b'R']
        && bytes.ends_with(&PNG_END)
}

/// How far from the end a PDF's `%%EOF` may be (writers add a line end or a little padding).
const PDF_EOF_WINDOW: usize = 1024;

/// The `%PDF-` header, and an `%%EOF` marker near the end.
fn is_pdf(bytes: &[u8]) -> bool {
    if bytes.len() < 10 || !bytes.starts_with(b"%PDF-") {
        return false;
    }
    let tail = &bytes[bytes.len().saturating_sub(PDF_EOF_WINDOW).max(5)..];
    tail.windows(5).any(|window| window == b"%%EOF")
}

const CFB_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const CFB_HEADER: usize = 512;
/// The sector number that ends a chain.
const CFB_END_OF_CHAIN: u32 = 0xFFFF_FFFE;
/// FAT sectors listed in the header itself: enough to map 6.8 MiB with 512-byte sectors, more
/// than an upload may hold.
const CFB_HEADER_FAT_SECTORS: usize = 109;
const CFB_DIRECTORY_ENTRY: usize = 128;
/// `WordDocument` in UTF-16LE, as a directory entry names it.
const WORD_DOCUMENT_NAME: &[u8] = b"W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t\0";
const CFB_STREAM: u8 = 2;

/// An OLE2 compound file (MS-CFB) whose directory holds a `WordDocument` stream: what Word 97
/// to 2003 write. Other compound files (spreadsheets, installers) are refused. The directory's
/// sectors are followed through the allocation table, so a file cut short fails too.
fn is_word_97(bytes: &[u8]) -> Option<bool> {
    if bytes.len() < CFB_HEADER || !bytes.starts_with(&CFB_SIGNATURE) {
        return Some(false);
    }
    if u16_le(bytes, 28)? != 0xFFFE {
        return Some(false);
    }
    let sector_size = match u16_le(bytes, 30)? {
        9 => 512,
        12 => 4096,
        _ => return Some(false),
    };
    // Sector `n` starts after the header, which takes one sector's room.
    let sector = |id: u32| -> Option<&[u8]> {
        let start = usize::try_from(id)
            .ok()?
            .checked_add(1)?
            .checked_mul(sector_size)?;
        bytes.get(start..start.checked_add(sector_size)?)
    };
    let next_in_chain = |id: u32| -> Option<u32> {
        let per_sector = sector_size / 4;
        let id = usize::try_from(id).ok()?;
        let fat_index = id / per_sector;
        if fat_index >= CFB_HEADER_FAT_SECTORS {
            return None;
        }
        let fat_sector = sector(u32_le(bytes, 76 + 4 * fat_index)?)?;
        u32_le(fat_sector, (id % per_sector) * 4)
    };
    let mut id = u32_le(bytes, 48)?;
    // A chain is never longer than the file has sectors; this also ends any cycle.
    for _ in 0..=bytes.len() / sector_size {
        if id == CFB_END_OF_CHAIN {
            return Some(false);
        }
        for entry in sector(id)?.chunks_exact(CFB_DIRECTORY_ENTRY) {
            let name_bytes = usize::from(u16_le(entry, 64)?);
            let name = entry.get(..name_bytes.saturating_sub(2))?;
            if name == WORD_DOCUMENT_NAME && entry[66] == CFB_STREAM {
                return Some(true);
            }
        }
        id = next_in_chain(id)?;
    }
    Some(false)
}

const ZIP_LOCAL_HEADER: &[u8] = b"PK\x03\x04";
const ZIP_CENTRAL_HEADER: u32 = 0x0201_4B50;
const ZIP_END_OF_DIRECTORY: &[u8] = b"PK\x05\x06";
const ZIP_END_RECORD: usize = 22;
const DOCX_MAIN_PART: &[u8] = b"word/document.xml";

/// A ZIP archive whose central directory — found through the end-of-central-directory record
/// that closes the file — lists `word/document.xml`, with that entry's local header in place.
/// A truncated archive has no closing record and fails; so does a ZIP of anything else.
fn is_docx(bytes: &[u8]) -> Option<bool> {
    if !bytes.starts_with(ZIP_LOCAL_HEADER) || bytes.len() < ZIP_END_RECORD {
        return Some(false);
    }
    // The record is the last thing in the file, followed only by its comment (< 64 KiB).
    let earliest = bytes
        .len()
        .saturating_sub(ZIP_END_RECORD + usize::from(u16::MAX));
    let Some(end) = (earliest..=bytes.len() - ZIP_END_RECORD).rev().find(|&at| {
        bytes[at..].starts_with(ZIP_END_OF_DIRECTORY)
            && u16_le(bytes, at + 20)
                .is_some_and(|comment| at + ZIP_END_RECORD + usize::from(comment) == bytes.len())
    }) else {
        return Some(false);
    };
    let entries = u16_le(bytes, end + 10)?;
    let directory_size = usize_le(bytes, end + 12)?;
    let directory_start = usize_le(bytes, end + 16)?;
    let directory_end = directory_start.checked_add(directory_size)?;
    if directory_end > end {
        return Some(false);
    }
    let mut at = directory_start;
    for _ in 0..entries {
        if u32_le(bytes, at)? != ZIP_CENTRAL_HEADER {
            return Some(false);
        }
        let name_length = usize::from(u16_le(bytes, at + 28)?);
        let extra_length = usize::from(u16_le(bytes, at + 30)?);
        let comment_length = usize::from(u16_le(bytes, at + 32)?);
        let local_header = usize_le(bytes, at + 42)?;
        let name = bytes.get(at + 46..at + 46 + name_length)?;
        if name == DOCX_MAIN_PART {
            return Some(bytes.get(local_header..)?.starts_with(ZIP_LOCAL_HEADER));
        }
        at += 46 + name_length + extra_length + comment_length;
        if at > directory_end {
            return Some(false);
        }
    }
    Some(false)
}

/// Small well-formed files of every kind, shared with the integration tests.
#[cfg(test)]
#[path = "../../tests/integration/support/samples.rs"]
mod samples;

#[cfg(test)]
mod tests {
    use super::samples::*;
    use super::*;

    #[test]
    fn each_accepted_kind_is_recognised_from_its_bytes() {
        assert_eq!(sniff(&jpeg()), Some(FileKind::Jpeg));
        assert_eq!(sniff(&png()), Some(FileKind::Png));
        assert_eq!(sniff(&pdf()), Some(FileKind::Pdf));
        assert_eq!(sniff(&doc()), Some(FileKind::Doc));
        assert_eq!(sniff(&docx()), Some(FileKind::Docx));
    }

    #[test]
    fn programs_and_empty_files_are_refused() {
        assert_eq!(sniff(b""), None);
        let mut windows = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0".to_vec();
        windows.resize(300, 0);
        assert_eq!(sniff(&windows), None);
        assert_eq!(sniff(b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"), None);
        assert_eq!(sniff(b"#!/bin/sh\nrm -rf /\n"), None);
        assert_eq!(sniff(b"<html><script>alert(1)</script></html>"), None);
    }

    #[test]
    fn truncated_files_are_refused() {
        for sample in [jpeg(), png(), pdf(), docx()] {
            let cut = &sample[..sample.len() - 8];
            assert_eq!(sniff(cut), None, "{:?}", sniff(&sample));
        }
        // The directory sector of the compound file is missing.
        assert_eq!(sniff(&doc()[..1024]), None);
        // A PDF header alone, and a PNG without its end chunk.
        assert_eq!(sniff(b"%PDF-1.7\n"), None);
        assert_eq!(sniff(&png()[..33]), None);
    }

    #[test]
    fn archives_and_compound_files_that_are_not_word_documents_are_refused() {
        let plain = zip(&[("photo.jpg", &jpeg()), ("word/other.xml", b"<x/>")]);
        assert_eq!(sniff(&plain), None);
        assert_eq!(sniff(&zip(&[])), None);
        // A spreadsheet and an installer are compound files too.
        assert_eq!(sniff(&compound_file("Workbook")), None);
        assert_eq!(sniff(&compound_file("\u{4840}\u{3B3F}")), None);
    }

    #[test]
    fn a_docx_with_a_comment_or_more_entries_is_still_a_docx() {
        let mut commented = docx();
        let len = commented.len();
        commented[len - 2..].copy_from_slice(&5u16.to_le_bytes());
        commented.extend_from_slice(b"hello");
        assert_eq!(sniff(&commented), Some(FileKind::Docx));
        // Bytes after the end record (other than its comment) are not a well-formed archive.
        let mut trailing = docx();
        trailing.extend_from_slice(b"junk");
        assert_eq!(sniff(&trailing), None);
    }

    #[test]
    fn a_broken_directory_offset_is_refused_not_read_out_of_bounds() {
        let mut broken = docx();
        let end = broken.len() - 22;
        broken[end + 16..end + 20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(sniff(&broken), None);
        let mut cyclic = doc();
        // The directory sector's chain points back to itself.
        cyclic[512 + 4..512 + 8].copy_from_slice(&1u32.to_le_bytes());
        let len = cyclic.len();
        cyclic[len - 384..len - 256].fill(0);
        assert_eq!(sniff(&cyclic), None);
    }

    #[test]
    fn every_kind_names_its_type_and_extension() {
        assert_eq!(FileKind::Jpeg.extension(), "jpg");
        assert_eq!(FileKind::Docx.extension(), "docx");
        assert_eq!(FileKind::Doc.content_type(), "application/msword");
        assert!(FileKind::Jpeg.extensions().contains(&"jpeg"));
    }
}

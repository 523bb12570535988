//! Small but well-formed files of every kind a document may be (JPEG, PNG, PDF, DOC, DOCX),
//! built byte by byte, and the containers they come in: the unit tests of
//! `domain::file_kind` and the integration tests share this file.

/// The sector number that ends a chain in a compound file.
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

/// A JPEG: start of image, a JFIF segment, end of image.
pub fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// A PNG: signature, IHDR, IEND.
pub fn png() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend_from_slice(&[0, 0, 0, 13]);
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
    bytes.extend_from_slice(&[0x1F, 0x15, 0xC4, 0x89]);
    bytes.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
    bytes
}

pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// A compound file of 512-byte sectors: the header, one FAT sector (0), one directory
/// sector (1) holding the root entry and a stream named `stream`.
pub fn compound_file(stream: &str) -> Vec<u8> {
    let mut bytes = vec![0u8; 512 * 3];
    bytes[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    bytes[24..26].copy_from_slice(&0x003Eu16.to_le_bytes());
    bytes[26..28].copy_from_slice(&3u16.to_le_bytes());
    bytes[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    bytes[30..32].copy_from_slice(&9u16.to_le_bytes());
    bytes[32..34].copy_from_slice(&6u16.to_le_bytes());
    bytes[44..48].copy_from_slice(&1u32.to_le_bytes());
    bytes[48..52].copy_from_slice(&1u32.to_le_bytes());
    bytes[56..60].copy_from_slice(&4096u32.to_le_bytes());
    bytes[60..64].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
    bytes[68..72].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
    for slot in 0..109 {
        let at = 76 + 4 * slot;
        let value: u32 = if slot == 0 { 0 } else { 0xFFFF_FFFF };
        bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }
    // The FAT: sector 0 is a FAT sector, sector 1 ends the directory's chain.
    let fat = 512;
    bytes[fat..fat + 512].fill(0xFF);
    bytes[fat..fat + 4].copy_from_slice(&0xFFFF_FFFDu32.to_le_bytes());
    bytes[fat + 4..fat + 8].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
    let directory = 1024;
    write_entry(&mut bytes[directory..directory + 128], "Root Entry", 5);
    write_entry(&mut bytes[directory + 128..directory + 256], stream, 2);
    bytes
}

fn write_entry(entry: &mut [u8], name: &str, kind: u8) {
    let units: Vec<u16> = name.encode_utf16().collect();
    for (index, unit) in units.iter().enumerate() {
        entry[2 * index..2 * index + 2].copy_from_slice(&unit.to_le_bytes());
    }
    let length = u16::try_from(2 * units.len() + 2).unwrap_or(64);
    entry[64..66].copy_from_slice(&length.to_le_bytes());
    entry[66] = kind;
    entry[68..80].fill(0xFF);
}

pub fn doc() -> Vec<u8> {
    compound_file("WordDocument")
}

/// A stored (uncompressed) ZIP archive of `entries` (name, content), with its central
/// directory and end record.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut directory = Vec::new();
    for (name, content) in entries {
        let offset = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        let size = u32::try_from(content.len()).unwrap_or(u32::MAX);
        let name_length = u16::try_from(name.len()).unwrap_or(u16::MAX);
        bytes.extend_from_slice(b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0");
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&size.to_le_bytes());
        bytes.extend_from_slice(&size.to_le_bytes());
        bytes.extend_from_slice(&name_length.to_le_bytes());
        bytes.extend_from_slice(&0u16.to_le_bytes());
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(content);
        directory.extend_from_slice(b"PK\x01\x02\x14\0\x14\0\0\0\0\0\0\0\0\0");
        directory.extend_from_slice(&0u32.to_le_bytes());
        directory.extend_from_slice(&size.to_le_bytes());
        directory.extend_from_slice(&size.to_le_bytes());
        directory.extend_from_slice(&name_length.to_le_bytes());
        directory.extend_from_slice(&[0; 12]);
        directory.extend_from_slice(&offset.to_le_bytes());
        directory.extend_from_slice(name.as_bytes());
    }
    let directory_start = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    let directory_size = u32::try_from(directory.len()).unwrap_or(u32::MAX);
    let count = u16::try_from(entries.len()).unwrap_or(u16::MAX);
    bytes.extend_from_slice(&directory);
    bytes.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    bytes.extend_from_slice(&count.to_le_bytes());
    bytes.extend_from_slice(&count.to_le_bytes());
    bytes.extend_from_slice(&directory_size.to_le_bytes());
    bytes.extend_from_slice(&directory_start.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes
}

pub fn docx() -> Vec<u8> {
    zip(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w:document/>"),
    ])
}

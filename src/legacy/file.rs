//! The original system's backup file, read as a stream: `{"metadata": {…}, "data": {"<array>":
//! [rows…], …}}`, indented JSON of any size. [`LegacyFile`] hands out one row at a time (its
//! JSON, compact) and checks the envelope as it goes: the shape, the 19 arrays in their order,
//! the row counts of `metadata.recordCounts`, and `metadata.checksum` — the SHA-256 of the whole
//! document written compactly without that key, which the reader computes from the compact
//! bytes it produces anyway. Memory holds one row, never the file.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::LegacyError;

/// The arrays of `data`, in the order the original writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Array {
    CompanySettings,
    LoanTypes,
    DocumentTypes,
    Users,
    Unions,
    UnionMembers,
    Loans,
    RepaymentScheduleItems,
    Repayments,
    RepaymentAllocations,
    UnionMemberDocuments,
    LoanDocuments,
    AuditLogs,
    StaffSessions,
    UnionAssignmentHistory,
    UnionMemberReassignments,
    UserLoginHistory,
    UserNotes,
    ReportSessions,
}

impl Array {
    pub const ALL: [Array; 19] = [
        Array::CompanySettings,
        Array::LoanTypes,
        Array::DocumentTypes,
        Array::Users,
        Array::Unions,
        Array::UnionMembers,
        Array::Loans,
        Array::RepaymentScheduleItems,
        Array::Repayments,
        Array::RepaymentAllocations,
        Array::UnionMemberDocuments,
        Array::LoanDocuments,
        Array::AuditLogs,
        Array::StaffSessions,
        Array::UnionAssignmentHistory,
        Array::UnionMemberReassignments,
        Array::UserLoginHistory,
        Array::UserNotes,
        Array::ReportSessions,
    ];

    /// The array's key in the file.
    pub const fn name(self) -> &'static str {
        match self {
            Array::CompanySettings => "companySettings",
            Array::LoanTypes => "loanTypes",
            Array::DocumentTypes => "documentTypes",
            Array::Users => "users",
            Array::Unions => "unions",
            Array::UnionMembers => "unionMembers",
            Array::Loans => "loans",
            Array::RepaymentScheduleItems => "repaymentScheduleItems",
            Array::Repayments => "repayments",
            Array::RepaymentAllocations => "repaymentAllocations",
            Array::UnionMemberDocuments => "unionMemberDocuments",
            Array::LoanDocuments => "loanDocuments",
            Array::AuditLogs => "auditLogs",
            Array::StaffSessions => "staffSessions",
            Array::UnionAssignmentHistory => "unionAssignmentHistory",
            Array::UnionMemberReassignments => "unionMemberReassignments",
            Array::UserLoginHistory => "userLoginHistory",
            Array::UserNotes => "userNotes",
            Array::ReportSessions => "reportSessions",
        }
    }
}

impl std::fmt::Display for Array {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `metadata`, as the original writes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub version: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub system_version: String,
    pub record_counts: BTreeMap<String, u64>,
    pub checksum: String,
}

/// One step through the file.
#[derive(Debug)]
pub enum Event<'a> {
    /// The rows that follow belong to this array.
    Array(Array),
    /// A row of the current array: its position in the array (from 0) and its JSON, compact.
    Row(Array, u64, &'a [u8]),
    /// The end of the file: the checksum and the counts matched.
    End,
}

/// The deepest nesting accepted within a row (JSON columns included).
const MAX_DEPTH: usize = 64;
/// The longest row accepted, compact.
const MAX_ROW_BYTES: usize = 16 * 1024 * 1024;
/// The longest `metadata` accepted, compact.
const MAX_METADATA_BYTES: usize = 64 * 1024;

/// Where the reader is in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Before `data`'s first array.
    Start,
    /// Between arrays; the index of the next one in [`Array::ALL`].
    BetweenArrays(usize),
    /// Inside the array at this index, before its first row.
    ArrayStart(usize),
    /// Inside the array at this index, after a row.
    InArray(usize),
    Done,
}

/// A legacy backup being read and checked.
pub struct LegacyFile<R> {
    scanner: Scanner<R>,
    metadata: Metadata,
    /// SHA-256 of the compact document without `metadata.checksum`, so far.
    hash: Sha256,
    row: Vec<u8>,
    position: Position,
    counts: BTreeMap<Array, u64>,
}

impl<R: BufRead> LegacyFile<R> {
    /// Opens the file and reads `metadata`, which comes first.
    pub fn open(input: R) -> Result<Self, LegacyError> {
        let mut scanner = Scanner::new(input);
        let not_legacy = |what: &str| {
            LegacyError::NotLegacy(format!(
                "{what}; a backup of the original system is an object holding \"metadata\" and then \"data\""
            ))
        };
        match scanner.peek_token()? {
            Some(b'{') => scanner.bump(),
            Some(_) => return Err(not_legacy("the file is not a JSON object")),
            None => return Err(not_legacy("the file is empty")),
        }
        let key = scanner.key()?;
        if key != "metadata" {
            return Err(not_legacy(&format!("its first key is {key:?}")));
        }
        let mut raw = Vec::new();
        scanner.value(&mut raw, 0, MAX_METADATA_BYTES)?;
        let metadata: Metadata = serde_json::from_slice(&raw).map_err(|err| {
            LegacyError::NotLegacy(format!(
                "its \"metadata\" is not the original system's ({err})"
            ))
        })?;
        if metadata.checksum.len() != 64
            || !metadata
                .checksum
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(LegacyError::NotLegacy(
                "its metadata.checksum is not 64 lower-case hex digits".into(),
            ));
        }
        let mut hash = Sha256::new();
        hash.update(b"{\"metadata\":");
        hash.update(without_checksum(&raw)?);
        match scanner.peek_token()? {
            Some(b',') => scanner.bump(),
            Some(_) => return Err(scanner.syntax("a comma after \"metadata\"")),
            None => return Err(LegacyError::Truncated),
        }
        let key = scanner.key()?;
        if key != "data" {
            return Err(not_legacy(&format!(
                "its key after \"metadata\" is {key:?}, not \"data\""
            )));
        }
        hash.update(b",\"data\":");
        Ok(Self {
            scanner,
            metadata,
            hash,
            row: Vec::new(),
            position: Position::Start,
            counts: BTreeMap::new(),
        })
    }

    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// Rows read so far, per array.
    pub fn counts(&self) -> &BTreeMap<Array, u64> {
        &self.counts
    }

    /// Bytes of the file read so far.
    pub fn offset(&self) -> u64 {
        self.scanner.offset
    }

    /// The next array, row or the end.
    pub fn step(&mut self) -> Result<Event<'_>, LegacyError> {
        loop {
            match self.position {
                Position::Start => {
                    self.scanner.expect(b'{', "the object \"data\"")?;
                    self.hash.update(b"{");
                    self.position = Position::BetweenArrays(0);
                }
                Position::BetweenArrays(index) => {
                    let Some(&array) = Array::ALL.get(index) else {
                        self.finish()?;
                        return Ok(Event::End);
                    };
                    if self.scanner.peek_token()? == Some(b'}') {
                        return Err(LegacyError::NotLegacy(format!(
                            "its \"data\" has no array \"{array}\""
                        )));
                    }
                    if index > 0 {
                        self.scanner.expect(b',', "a comma before the next array")?;
                        self.hash.update(b",");
                    }
                    let key = self.scanner.key()?;
                    if key != array.name() {
                        let later = Array::ALL[index..].iter().any(|other| other.name() == key);
                        return Err(LegacyError::NotLegacy(if later {
                            format!(
                                "its \"data\" has no array \"{array}\" before \"{key}\" (the original writes all 19 arrays, in a fixed order)"
                            )
                        } else {
                            format!("its \"data\" has an array {key:?} where \"{array}\" belongs")
                        }));
                    }
                    self.hash.update(format!("\"{array}\":[").as_bytes());
                    self.scanner.expect(b'[', "the array's opening bracket")?;
                    self.counts.insert(array, 0);
                    self.position = Position::ArrayStart(index);
                    return Ok(Event::Array(array));
                }
                Position::ArrayStart(index) | Position::InArray(index) => {
                    let array = Array::ALL[index];
                    let first = self.position == Position::ArrayStart(index);
                    match self.scanner.peek_token()? {
                        Some(b']') => {
                            self.scanner.bump();
                            self.hash.update(b"]");
                            self.position = Position::BetweenArrays(index + 1);
                            continue;
                        }
                        Some(b',') if !first => {
                            self.scanner.bump();
                            self.hash.update(b",");
                        }
                        Some(_) if first => {}
                        Some(_) => return Err(self.scanner.syntax("a comma between rows")),
                        None => return Err(LegacyError::Truncated),
                    }
                    self.row.clear();
                    if self.scanner.peek_token()? != Some(b'{') {
                        return Err(LegacyError::Row {
                            array,
                            index: self.counts[&array],
                            message: "a row is not a JSON object".into(),
                        });
                    }
                    self.scanner.value(&mut self.row, 0, MAX_ROW_BYTES)?;
                    self.hash.update(&self.row);
                    let count = self.counts.entry(array).or_default();
                    *count += 1;
                    let position = *count - 1;
                    self.position = Position::InArray(index);
                    return Ok(Event::Row(array, position, &self.row));
                }
                Position::Done => return Ok(Event::End),
            }
        }
    }

    /// After the last array: the closing brackets, nothing after them, then the counts and the
    /// checksum.
    fn finish(&mut self) -> Result<(), LegacyError> {
        match self.scanner.peek_token()? {
            Some(b'}') => self.scanner.bump(),
            Some(b',') => {
                self.scanner.bump();
                let key = self.scanner.key()?;
                return Err(LegacyError::NotLegacy(format!(
                    "its \"data\" has an array {key:?} after the last one the original writes"
                )));
            }
            Some(_) => return Err(self.scanner.syntax("the end of \"data\"")),
            None => return Err(LegacyError::Truncated),
        }
        match self.scanner.peek_token()? {
            Some(b'}') => self.scanner.bump(),
            Some(b',') => {
                return Err(LegacyError::NotLegacy(
                    "it has more than \"metadata\" and \"data\"".into(),
                ));
            }
            Some(_) => return Err(self.scanner.syntax("the end of the document")),
            None => return Err(LegacyError::Truncated),
        }
        if self.scanner.peek_token()?.is_some() {
            return Err(self.scanner.syntax("nothing after the document"));
        }
        self.hash.update(b"}}");
        self.position = Position::Done;
        let computed = crate::backup::hex(&self.hash.clone().finalize());
        if computed != self.metadata.checksum {
            return Err(LegacyError::Checksum {
                stated: self.metadata.checksum.clone(),
                computed,
            });
        }
        for array in Array::ALL {
            let stated = self.metadata.record_counts.get(array.name()).copied();
            let read = self.counts.get(&array).copied().unwrap_or(0);
            if stated != Some(read) {
                return Err(LegacyError::Counts {
                    array,
                    stated,
                    read,
                });
            }
        }
        Ok(())
    }
}

/// The compact `metadata` object without its `checksum` member, as the checksum covers it.
fn without_checksum(raw: &[u8]) -> Result<Vec<u8>, LegacyError> {
    let mut scanner = Scanner::new(raw);
    let mut out = Vec::with_capacity(raw.len());
    scanner.expect(b'{', "the metadata object")?;
    out.push(b'{');
    let mut first = true;
    loop {
        match scanner.peek_token()? {
            Some(b'}') => break,
            Some(b',') if !first => scanner.bump(),
            _ if first => {}
            _ => return Err(scanner.syntax("a comma in the metadata")),
        }
        first = false;
        let mut member = Vec::new();
        scanner.string(&mut member)?;
        let skip = member == b"\"checksum\"";
        scanner.expect(b':', "a colon")?;
        member.push(b':');
        scanner.value(&mut member, 0, MAX_METADATA_BYTES)?;
        if !skip {
            if out.len() > 1 {
                out.push(b',');
            }
            out.extend_from_slice(&member);
        }
    }
    out.push(b'}');
    Ok(out)
}

/// A byte-level reader of JSON that copies values in their compact form (whitespace between
/// tokens dropped, every token as written) and checks their structure; the values themselves
/// are parsed later by serde.
struct Scanner<R> {
    input: R,
    offset: u64,
}

impl<R: BufRead> Scanner<R> {
    fn new(input: R) -> Self {
        Self { input, offset: 0 }
    }

    fn io(err: std::io::Error) -> LegacyError {
        LegacyError::Io(err)
    }

    fn consume(&mut self, n: usize) {
        self.input.consume(n);
        self.offset += n as u64;
    }

    fn bump(&mut self) {
        self.consume(1);
    }

    /// The next byte that is not whitespace, left unread; `None` at the end of the input.
    fn peek_token(&mut self) -> Result<Option<u8>, LegacyError> {
        loop {
            let buf = self.input.fill_buf().map_err(Self::io)?;
            if buf.is_empty() {
                return Ok(None);
            }
            let blank = buf
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
                .count();
            if blank < buf.len() {
                let next = buf[blank];
                self.consume(blank);
                return Ok(Some(next));
            }
            self.consume(blank);
        }
    }

    fn syntax(&self, expected: &str) -> LegacyError {
        LegacyError::Syntax {
            offset: self.offset,
            expected: expected.to_owned(),
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), LegacyError> {
        match self.peek_token()? {
            Some(b) if b == byte => {
                self.bump();
                Ok(())
            }
            Some(_) => Err(self.syntax(what)),
            None => Err(LegacyError::Truncated),
        }
    }

    /// A member's key and its colon; the key unescaped.
    fn key(&mut self) -> Result<String, LegacyError> {
        let mut raw = Vec::new();
        self.string(&mut raw)?;
        self.expect(b':', "a colon after a key")?;
        serde_json::from_slice(&raw).map_err(|_| self.syntax("a key"))
    }

    /// Copies the next value to `out`, compact; refuses nesting deeper than [`MAX_DEPTH`] and a
    /// value growing `out` past `limit`.
    fn value(&mut self, out: &mut Vec<u8>, depth: usize, limit: usize) -> Result<(), LegacyError> {
        if depth > MAX_DEPTH {
            return Err(self.syntax(&format!("at most {MAX_DEPTH} levels of nesting")));
        }
        if out.len() > limit {
            return Err(LegacyError::TooLarge {
                offset: self.offset,
                limit,
            });
        }
        match self.peek_token()? {
            None => Err(LegacyError::Truncated),
            Some(open @ (b'{' | b'[')) => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.bump();
                out.push(open);
                if self.peek_token()? == Some(close) {
                    self.bump();
                    out.push(close);
                    return Ok(());
                }
                loop {
                    if open == b'{' {
                        self.string(out)?;
                        self.expect(b':', "a colon after a key")?;
                        out.push(b':');
                    }
                    self.value(out, depth + 1, limit)?;
                    match self.peek_token()? {
                        Some(b',') => {
                            self.bump();
                            out.push(b',');
                        }
                        Some(b) if b == close => {
                            self.bump();
                            out.push(close);
                            return Ok(());
                        }
                        Some(_) => return Err(self.syntax("a comma or the end of a list")),
                        None => return Err(LegacyError::Truncated),
                    }
                }
            }
            Some(b'"') => self.string(out),
            Some(b'-' | b'0'..=b'9') => self.scalar(out, |b| {
                matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
            }),
            Some(b't' | b'f' | b'n') => {
                let start = out.len();
                self.scalar(out, |b| b.is_ascii_lowercase())?;
                match &out[start..] {
                    b"true" | b"false" | b"null" => Ok(()),
                    _ => Err(self.syntax("a JSON value")),
                }
            }
            Some(_) => Err(self.syntax("a JSON value")),
        }
    }

    /// Copies a run of bytes matching `part` (a number or a literal; serde checks it later).
    fn scalar(&mut self, out: &mut Vec<u8>, part: impl Fn(u8) -> bool) -> Result<(), LegacyError> {
        loop {
            let buf = self.input.fill_buf().map_err(Self::io)?;
            if buf.is_empty() {
                return Ok(());
            }
            let n = buf.iter().take_while(|&&b| part(b)).count();
            out.extend_from_slice(&buf[..n]);
            let done = n < buf.len();
            self.consume(n);
            if done {
                return Ok(());
            }
        }
    }

    /// Copies a string, quotes and escapes as written.
    fn string(&mut self, out: &mut Vec<u8>) -> Result<(), LegacyError> {
        match self.peek_token()? {
            Some(b'"') => {}
            Some(_) => return Err(self.syntax("a string")),
            None => return Err(LegacyError::Truncated),
        }
        self.bump();
        out.push(b'"');
        let mut escaped = false;
        loop {
            let buf = self.input.fill_buf().map_err(Self::io)?;
            if buf.is_empty() {
                return Err(LegacyError::Truncated);
            }
            let mut end = None;
            for (i, &b) in buf.iter().enumerate() {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    end = Some(i);
                    break;
                } else if b < 0x20 {
                    let offset = self.offset + i as u64;
                    return Err(LegacyError::Syntax {
                        offset,
                        expected: "no control character inside a string".into(),
                    });
                }
            }
            match end {
                Some(i) => {
                    out.extend_from_slice(&buf[..=i]);
                    self.consume(i + 1);
                    return Ok(());
                }
                None => {
                    let n = buf.len();
                    out.extend_from_slice(buf);
                    self.consume(n);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small document in the original's layout, indented, with its checksum.
    fn document(tamper: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
        let mut data = serde_json::Map::new();
        let mut counts = serde_json::Map::new();
        for array in Array::ALL {
            let rows = match array {
                Array::Users => serde_json::json!([
                    {"id": "cuser1", "email": "a@b.c", "note": "tab\there \"q\" ₦"},
                    {"id": "cuser2", "email": null, "n": 31.957446808510635}
                ]),
                Array::Loans => serde_json::json!([{"id": "cloan1", "principalAmount": "10000"}]),
                _ => serde_json::json!([]),
            };
            counts.insert(
                array.name().into(),
                rows.as_array().map_or(0, Vec::len).into(),
            );
            data.insert(array.name().into(), rows);
        }
        let mut doc = serde_json::json!({
            "metadata": {
                "version": "1.0",
                "createdAt": "2026-02-16T10:41:09.523Z",
                "systemVersion": "1.0.0",
                "recordCounts": counts,
            },
            "data": data,
        });
        // serde_json's map is sorted, so write the document in the original's order by hand.
        let compact = ordered(&doc, None);
        let checksum = crate::backup::hex(&Sha256::digest(compact.as_bytes()));
        doc["metadata"]["checksum"] = checksum.into();
        tamper(&mut doc);
        ordered(&doc, Some(2)).into_bytes()
    }

    /// `doc` with the top level, `metadata` and `data` in the original's key order.
    fn ordered(doc: &serde_json::Value, indent: Option<usize>) -> String {
        let write = |value: &serde_json::Value| match indent {
            Some(_) => serde_json::to_string_pretty(value).expect("json"),
            None => serde_json::to_string(value).expect("json"),
        };
        let (sep, nl) = if indent.is_some() {
            (": ", "\n")
        } else {
            (":", "")
        };
        let meta = &doc["metadata"];
        let mut members = Vec::new();
        for key in [
            "version",
            "createdAt",
            "systemVersion",
            "recordCounts",
            "checksum",
        ] {
            if let Some(value) = meta.get(key) {
                members.push(format!("\"{key}\"{sep}{}", write(value)));
            }
        }
        let mut arrays = Vec::new();
        for array in Array::ALL {
            if let Some(rows) = doc["data"].get(array.name()) {
                arrays.push(format!("\"{array}\"{sep}{}", write(rows)));
            }
        }
        format!(
            "{{{nl}\"metadata\"{sep}{{{}}},{nl}\"data\"{sep}{{{nl}{}{nl}}}{nl}}}",
            members.join(&format!(",{nl}")),
            arrays.join(&format!(",{nl}"))
        )
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<(Array, String)>, LegacyError> {
        let mut file = LegacyFile::open(bytes)?;
        let mut rows = Vec::new();
        loop {
            match file.step()? {
                Event::Row(array, _, row) => {
                    rows.push((array, String::from_utf8(row.to_vec()).expect("utf-8")));
                }
                Event::Array(_) => {}
                Event::End => return Ok(rows),
            }
        }
    }

    #[test]
    fn a_sound_document_gives_its_rows_compact() {
        let rows = read_all(&document(|_| {})).expect("sound");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].0, Array::Users);
        assert_eq!(
            rows[0].1,
            r#"{"email":"a@b.c","id":"cuser1","note":"tab\there \"q\" ₦"}"#
        );
        assert_eq!(
            rows[2],
            (
                Array::Loans,
                r#"{"id":"cloan1","principalAmount":"10000"}"#.into()
            )
        );
    }

    #[test]
    fn damage_is_refused_with_its_reason() {
        let sound = document(|_| {});
        assert!(matches!(
            read_all(&sound[..sound.len() - 3]),
            Err(LegacyError::Truncated)
        ));
        assert!(matches!(
            read_all(&sound[..sound.len() / 2]),
            Err(LegacyError::Truncated)
        ));
        let edited = document(|doc| doc["data"]["loans"][0]["principalAmount"] = "10001".into());
        assert!(matches!(
            read_all(&edited),
            Err(LegacyError::Checksum { .. })
        ));
        let recount = document(|doc| doc["metadata"]["recordCounts"]["users"] = 3.into());
        assert!(matches!(
            read_all(&recount),
            Err(LegacyError::Checksum { .. })
        ));
        let missing = document(|doc| {
            doc["data"]
                .as_object_mut()
                .expect("data")
                .remove("userNotes");
        });
        let Err(LegacyError::NotLegacy(message)) = read_all(&missing) else {
            panic!("a missing array is refused");
        };
        assert!(message.contains("reportSessions"), "{message}");
        assert!(matches!(
            read_all(br#"{"data": {"users": []}}"#),
            Err(LegacyError::NotLegacy(_))
        ));
        assert!(matches!(
            read_all(b"[1, 2]"),
            Err(LegacyError::NotLegacy(_))
        ));
        assert!(matches!(read_all(b""), Err(LegacyError::NotLegacy(_))));
    }

    #[test]
    fn counts_that_disagree_with_the_rows_are_refused() {
        // A count changed and the checksum computed again: the file is consistent but wrong.
        let bytes = document(|_| {});
        let text = String::from_utf8(bytes).expect("utf-8");
        let mut doc: serde_json::Value = serde_json::from_str(&text).expect("json");
        doc["metadata"]["recordCounts"]["users"] = 5.into();
        doc["metadata"]
            .as_object_mut()
            .expect("meta")
            .remove("checksum");
        let checksum = crate::backup::hex(&Sha256::digest(ordered(&doc, None).as_bytes()));
        doc["metadata"]["checksum"] = checksum.into();
        let recounted = ordered(&doc, Some(2));
        assert!(matches!(
            read_all(recounted.as_bytes()),
            Err(LegacyError::Counts {
                array: Array::Users,
                stated: Some(5),
                read: 2
            })
        ));
    }

    #[test]
    fn the_sample_of_the_original_system_reads_and_its_checksum_matches() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/fixtures/legacy-backup-sample.json");
        let Ok(file) = std::fs::File::open(&path) else {
            println!("skipped: {} is not here", path.display());
            return;
        };
        let mut file = LegacyFile::open(std::io::BufReader::new(file)).expect("open");
        while !matches!(file.step().expect("read"), Event::End) {}
        assert_eq!(file.counts()[&Array::RepaymentScheduleItems], 1286);
        assert_eq!(file.counts()[&Array::AuditLogs], 1163);
    }
}

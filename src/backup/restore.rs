//! Reading a backup: [`Reader`] walks the file line by line and checks it as it goes (gzip
//! integrity, layout, known tables in order, row counts, the manifest's SHA-256 of the data);
//! [`verify`] reads a whole file that way without touching the database, and [`load`] streams
//! its rows into `COPY … FROM STDIN` (each JSON row rewritten as a line of `COPY`'s text format)
//! within the caller's transaction, which the caller commits only when the reader has reached a
//! manifest that matches.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_compression::tokio::bufread::GzipDecoder;
use bytes::{BufMut, BytesMut};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader, ReadBuf};

use super::catalog;
use super::format::{
    FORMAT, Header, MAX_LINE_BYTES, Manifest, Marker, TABLES, Table, TableStart, VERSION,
};
use super::progress::Progress;
use super::{BackupError, hex};
use crate::db::copy::{CopyError, CopyIn, escape};
use crate::db::direct::DirectSession;

/// The compressed bytes of a backup, from a file or the object store.
pub type Source = Pin<Box<dyn AsyncRead + Send>>;

/// Counts and hashes the compressed bytes as they are read, and reports them to the progress.
struct Tally<'p> {
    inner: Source,
    hasher: Sha256,
    bytes: u64,
    progress: &'p Progress,
}

impl AsyncRead for Tally<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = self.inner.as_mut().poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &polled {
            let read = &buf.filled()[before..];
            let this = &mut *self;
            this.hasher.update(read);
            this.bytes += read.len() as u64;
            this.progress.advance(read.len() as u64);
        }
        polled
    }
}

/// One line of a backup.
#[derive(Debug)]
pub enum Item<'a> {
    /// The rows that follow belong to this table, with the values of these columns.
    Table(&'static Table, Vec<String>),
    /// A row of the current table, as JSON.
    Row(&'a [u8]),
    /// The end: the manifest matched the data.
    End,
}

/// A backup being read, checked as it goes.
pub struct Reader<'p> {
    lines: BufReader<GzipDecoder<BufReader<Tally<'p>>>>,
    line: Vec<u8>,
    header: Header,
    data: Sha256,
    data_bytes: u64,
    table: Option<&'static Table>,
    /// Index in [`TABLES`] of the current table: tables come in that order.
    position: usize,
    counts: BTreeMap<String, u64>,
    manifest: Option<Manifest>,
}

impl<'p> Reader<'p> {
    /// Opens `source` and reads its header.
    pub async fn open(source: Source, progress: &'p Progress) -> Result<Self, BackupError> {
        let tally = Tally {
            inner: source,
            hasher: Sha256::new(),
            bytes: 0,
            progress,
        };
        let mut decoder = GzipDecoder::new(BufReader::new(tally));
        decoder.multiple_members(false);
        let mut reader = Self {
            lines: BufReader::with_capacity(256 * 1024, decoder),
            line: Vec::new(),
            header: Header {
                format: String::new(),
                version: 0,
                schema_version: String::new(),
                created_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
                created_by: String::new(),
                contents: super::format::Contents {
                    include_audit_logs: false,
                    include_sessions: false,
                },
                tables: Vec::new(),
            },
            data: Sha256::new(),
            data_bytes: 0,
            table: None,
            position: 0,
            counts: BTreeMap::new(),
            manifest: None,
        };
        let not_a_backup = || {
            BackupError::invalid(
                "The file is not a Millennium backup: its first line is not a backup header.",
            )
        };
        if !reader.next_line().await? {
            return Err(BackupError::invalid("The backup file is empty."));
        }
        let Ok(Marker::Backup(header)) = serde_json::from_slice::<Marker>(&reader.line) else {
            return Err(not_a_backup());
        };
        if header.format != FORMAT {
            return Err(not_a_backup());
        }
        if header.version != VERSION {
            return Err(BackupError::invalid(format!(
                "The backup file has layout version {}; this version of Millennium reads version {VERSION}.",
                header.version
            )));
        }
        reader.count_data();
        reader.header = header;
        Ok(reader)
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The manifest, once [`Item::End`] was returned.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_ref()
    }

    /// SHA-256 (hex) and size of the compressed bytes read so far (the whole file after
    /// [`Item::End`]).
    pub fn file_digest(&self) -> (String, u64) {
        let tally = self.lines.get_ref().get_ref().get_ref();
        (hex(&tally.hasher.clone().finalize()), tally.bytes)
    }

    /// Reads the next line into `self.line` without its newline; `false` at the end of the
    /// data.
    async fn next_line(&mut self) -> Result<bool, BackupError> {
        self.line.clear();
        loop {
            let available = self.lines.fill_buf().await.map_err(damaged)?;
            if available.is_empty() {
                if self.line.is_empty() {
                    return Ok(false);
                }
                return Err(BackupError::invalid(
                    "The backup file is incomplete: it ends in the middle of a line.",
                ));
            }
            let (taken, done) = match available.iter().position(|&b| b == b'\n') {
                Some(end) => (end + 1, true),
                None => (available.len(), false),
            };
            if self.line.len() + taken > MAX_LINE_BYTES {
                return Err(BackupError::invalid(format!(
                    "The backup file has a line longer than {MAX_LINE_BYTES} bytes."
                )));
            }
            self.line.extend_from_slice(&available[..taken]);
            self.lines.consume(taken);
            if done {
                return Ok(true);
            }
        }
    }

    /// Adds the current line (and its newline) to the data checksum.
    fn count_data(&mut self) {
        self.data.update(&self.line);
        self.data_bytes += self.line.len() as u64;
    }

    /// The next item, checked.
    pub async fn next(&mut self) -> Result<Item<'_>, BackupError> {
        if self.manifest.is_some() {
            return Ok(Item::End);
        }
        if !self.next_line().await? {
            return Err(BackupError::invalid(
                "The backup file is incomplete: it ends before its manifest (it was truncated or its writing was interrupted).",
            ));
        }
        if !Marker::is_marker(&self.line) {
            let Some(table) = self.table else {
                return Err(BackupError::invalid(
                    "The backup file is damaged: it has a row before any table.",
                ));
            };
            self.count_data();
            *self.counts.entry(table.name.to_owned()).or_default() += 1;
            let row = self.line.strip_suffix(b"\n").unwrap_or(&self.line);
            return Ok(Item::Row(row));
        }
        let marker = serde_json::from_slice::<Marker>(&self.line).map_err(|err| {
            BackupError::invalid(format!(
                "The backup file is damaged: a line is not valid ({err})."
            ))
        })?;
        match marker {
            Marker::Backup(_) => Err(BackupError::invalid(
                "The backup file is damaged: it has a second header.",
            )),
            Marker::Table(TableStart { name, columns }) => {
                let Some(offset) = TABLES[self.position..]
                    .iter()
                    .position(|table| table.name == name)
                else {
                    return Err(BackupError::invalid(format!(
                        "The backup file is damaged: the table {name:?} is unknown or out of order."
                    )));
                };
                if !self.header.tables.contains(&name) {
                    return Err(BackupError::invalid(format!(
                        "The backup file is damaged: the table {name:?} is not in its header."
                    )));
                }
                self.count_data();
                self.position += offset + 1;
                let table = &TABLES[self.position - 1];
                self.table = Some(table);
                self.counts.entry(name).or_default();
                Ok(Item::Table(table, columns))
            }
            Marker::Manifest(manifest) => {
                self.check_manifest(&manifest)?;
                if self.next_line().await? {
                    return Err(BackupError::invalid(
                        "The backup file is damaged: it goes on after its manifest.",
                    ));
                }
                self.manifest = Some(manifest);
                Ok(Item::End)
            }
        }
    }

    fn check_manifest(&self, manifest: &Manifest) -> Result<(), BackupError> {
        let sha256 = hex(&self.data.clone().finalize());
        if manifest.sha256 != sha256 || manifest.data_bytes != self.data_bytes {
            return Err(BackupError::invalid(format!(
                "The backup's checksum does not match its data (the manifest says {}, the data is {sha256}): the file was changed or damaged.",
                manifest.sha256
            )));
        }
        if manifest.row_counts != self.counts {
            return Err(BackupError::invalid(
                "The backup's manifest does not match its data: the row counts differ.",
            ));
        }
        let header = &self.header;
        if manifest.format != header.format
            || manifest.version != header.version
            || manifest.schema_version != header.schema_version
            || manifest.created_at != header.created_at
            || manifest.created_by != header.created_by
            || manifest.contents != header.contents
            || header
                .tables
                .iter()
                .any(|name| !self.counts.contains_key(name))
        {
            return Err(BackupError::invalid(
                "The backup's manifest does not match its header.",
            ));
        }
        Ok(())
    }
}

fn damaged(err: std::io::Error) -> BackupError {
    BackupError::invalid(format!(
        "The backup file is damaged or incomplete: it cannot be decompressed ({err})."
    ))
}

/// What a whole read of a backup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub manifest: Manifest,
    pub file_sha256: String,
    pub file_bytes: u64,
}

/// Reads all of `source`, checking it, and refuses a backup of another schema version than
/// `schema_version`.
pub async fn verify(
    source: Source,
    schema_version: &str,
    progress: &Progress,
) -> Result<Verified, BackupError> {
    let mut reader = Reader::open(source, progress).await?;
    check_schema(reader.header(), schema_version)?;
    loop {
        if let Item::End = reader.next().await? {
            break;
        }
    }
    finished(&reader)
}

fn finished(reader: &Reader<'_>) -> Result<Verified, BackupError> {
    let manifest = reader
        .manifest()
        .cloned()
        .ok_or_else(|| BackupError::invalid("The backup file has no manifest."))?;
    let (file_sha256, file_bytes) = reader.file_digest();
    Ok(Verified {
        manifest,
        file_sha256,
        file_bytes,
    })
}

/// Refuses a backup made with another schema than the database's.
pub fn check_schema(header: &Header, schema_version: &str) -> Result<(), BackupError> {
    if header.schema_version != schema_version {
        return Err(BackupError::invalid(format!(
            "The backup was made with schema version {}, and this database is at {schema_version}: restore it with the Millennium version that made it.",
            header.schema_version
        )));
    }
    Ok(())
}

/// Loads the rows of `source` into emptied tables with `COPY … FROM STDIN`, within the
/// caller's transaction on `session` (which truncated them: the rows are written frozen); the
/// caller commits only on `Ok`.
pub async fn load(
    session: &DirectSession,
    source: Source,
    schema_version: &str,
    progress: &Progress,
) -> Result<Verified, BackupError> {
    let mut reader = Reader::open(source, progress).await?;
    check_schema(reader.header(), schema_version)?;
    let mut copy: Option<Copy> = None;
    loop {
        match reader.next().await? {
            Item::Table(table, columns) => {
                if let Some(done) = copy.take() {
                    done.finish().await?;
                }
                progress.stage(table.name);
                copy = Some(Copy::start(session, table, &columns).await?);
            }
            Item::Row(row) => {
                let Some(copy) = copy.as_mut() else {
                    unreachable!("the reader returns rows only within a table");
                };
                copy.push(row).await?;
            }
            Item::End => {
                if let Some(done) = copy.take() {
                    done.finish().await?;
                }
                break;
            }
        }
    }
    finished(&reader)
}

/// One table's rows on their way into `COPY … FROM STDIN`, converted from the backup's JSON
/// arrays to `COPY`'s text format.
struct Copy {
    table: &'static str,
    /// Which columns take their value as JSON text.
    json: Vec<bool>,
    copy: CopyIn,
}

impl Copy {
    /// Starts the `COPY` of `table`, once the backup's columns are checked against the table's.
    /// The tables were truncated in this transaction, so the rows are written frozen.
    async fn start(
        session: &DirectSession,
        table: &'static Table,
        columns: &[String],
    ) -> Result<Self, BackupError> {
        let actual = catalog::columns_in(session, table.name).await?;
        let names: Vec<&str> = actual.iter().map(|column| column.name.as_str()).collect();
        if names != columns {
            return Err(BackupError::invalid(format!(
                "The backup's columns of {} ({}) are not the table's ({}).",
                table.name,
                columns.join(", "),
                names.join(", ")
            )));
        }
        let quoted: Vec<String> = actual.iter().map(catalog::Column::quoted).collect();
        let sql = format!(
            "COPY {} ({}) FROM STDIN WITH (FREEZE)",
            table.name,
            quoted.join(", ")
        );
        Ok(Self {
            table: table.name,
            json: actual.iter().map(catalog::Column::is_json).collect(),
            copy: CopyIn::with_statement(session, &sql).await?,
        })
    }

    async fn push(&mut self, row: &[u8]) -> Result<(), BackupError> {
        copy_line(row, &self.json, self.copy.raw()).map_err(|problem| {
            BackupError::invalid(format!(
                "The backup file is damaged: a row of {} {problem}.",
                self.table
            ))
        })?;
        let table = self.table;
        self.copy
            .flush_full()
            .await
            .map_err(|err| refused(table, err.into()))
    }

    async fn finish(self) -> Result<(), BackupError> {
        let table = self.table;
        self.copy
            .finish()
            .await
            .map(drop)
            .map_err(|err| refused(table, err))
    }
}

/// The database refused the rows of `table`: a value that does not fit its column.
fn refused(table: &str, err: CopyError) -> BackupError {
    match err {
        CopyError::Database(err) => match err.as_db_error() {
            Some(db) => BackupError::invalid(format!(
                "The backup's rows of {table} cannot be restored: {}",
                db.message()
            )),
            None => err.into(),
        },
        CopyError::Count { .. } => BackupError::invalid(format!(
            "The backup's rows of {table} were not all loaded: {err}."
        )),
    }
}

/// Appends a backup row (a JSON array of the values of `json.len()` columns) to `out` as a
/// line of `COPY`'s text format: `\N` for null, a string's text, a JSON column's JSON, the text
/// of a number or boolean — escaped, separated by tabs. Says what is wrong with a row that
/// is not such an array.
fn copy_line(row: &[u8], json: &[bool], out: &mut BytesMut) -> Result<(), String> {
    let values: Vec<&RawValue> =
        serde_json::from_slice(row).map_err(|err| format!("is not a JSON array ({err})"))?;
    if values.len() != json.len() {
        return Err(format!(
            "has {} values for {} columns",
            values.len(),
            json.len()
        ));
    }
    for (index, (value, &is_json)) in values.iter().zip(json).enumerate() {
        if index > 0 {
            out.put_u8(b'\t');
        }
        let raw = value.get();
        if raw == "null" {
            out.put_slice(b"\\N");
        } else if !is_json && raw.starts_with('"') {
            let text: Cow<'_, str> = serde_json::from_str(raw)
                .map_err(|err| format!("has a value that is not a JSON string ({err})"))?;
            escape(text.as_bytes(), out);
        } else {
            escape(raw.as_bytes(), out);
        }
    }
    out.put_u8(b'\n');
    Ok(())
}

/// A source reading the local file at `path`.
pub async fn file_source(path: &std::path::Path) -> Result<(Source, u64), BackupError> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|err| BackupError::invalid(format!("Cannot open {}: {err}", path.display())))?;
    let size = file.metadata().await?.len();
    Ok((Box::pin(file), size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::format::Contents;
    use std::io::Write;

    fn gzip(lines: &[Vec<u8>]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for line in lines {
            encoder.write_all(line).expect("write");
        }
        encoder.finish().expect("finish")
    }

    fn backup(rows: &[&str], tamper: impl Fn(&mut Manifest)) -> Vec<u8> {
        let contents = Contents {
            include_audit_logs: false,
            include_sessions: false,
        };
        let created_at = chrono::Utc::now();
        let header = Marker::Backup(Header {
            format: FORMAT.into(),
            version: VERSION,
            schema_version: "1".into(),
            created_at,
            created_by: "test".into(),
            contents,
            tables: vec!["users".into()],
        });
        let start = Marker::Table(TableStart {
            name: "users".into(),
            columns: vec!["id".into()],
        });
        let mut lines = vec![header.line(), start.line()];
        lines.extend(rows.iter().map(|row| format!("{row}\n").into_bytes()));
        let data: Vec<u8> = lines.concat();
        let mut manifest = Manifest {
            format: FORMAT.into(),
            version: VERSION,
            schema_version: "1".into(),
            created_at,
            created_by: "test".into(),
            contents,
            row_counts: BTreeMap::from([("users".to_owned(), rows.len() as u64)]),
            sha256: hex(&Sha256::digest(&data)),
            data_bytes: data.len() as u64,
        };
        tamper(&mut manifest);
        lines.push(Marker::Manifest(manifest).line());
        gzip(&lines)
    }

    async fn check(bytes: Vec<u8>) -> Result<Verified, BackupError> {
        verify(
            Box::pin(std::io::Cursor::new(bytes)),
            "1",
            &Progress::quiet(),
        )
        .await
    }

    fn message(result: Result<Verified, BackupError>) -> String {
        match result {
            Err(BackupError::Invalid(message)) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_sound_backup_verifies() {
        let bytes = backup(&["[1]", "[2]"], |_| {});
        let size = bytes.len() as u64;
        let verified = check(bytes).await.expect("sound");
        assert_eq!(verified.manifest.row_counts["users"], 2);
        assert_eq!(verified.file_bytes, size);
    }

    #[tokio::test]
    async fn damage_of_every_kind_is_refused_with_its_reason() {
        let sound = backup(&["[1]"], |_| {});
        assert!(message(check(sound[..sound.len() - 9].to_vec()).await).contains("incomplete"));
        assert!(message(check(sound[..sound.len() / 2].to_vec()).await).contains("incomplete"));
        assert!(message(check(b"not gzip at all".to_vec()).await).contains("damaged"));
        let wrong_sum = backup(&["[1]"], |manifest| manifest.sha256 = "0".repeat(64));
        assert!(message(check(wrong_sum).await).contains("checksum"));
        let wrong_count = backup(&["[1]"], |manifest| {
            manifest.row_counts.insert("users".into(), 5);
        });
        assert!(message(check(wrong_count).await).contains("row counts"));
        let other_json = gzip(&[b"{\"data\":{\"users\":[]}}\n".to_vec()]);
        assert!(message(check(other_json).await).contains("not a Millennium backup"));
    }

    fn line(row: &str, json: &[bool]) -> Result<String, String> {
        let mut out = BytesMut::new();
        copy_line(row.as_bytes(), json, &mut out)?;
        Ok(String::from_utf8(out.to_vec()).expect("utf-8"))
    }

    #[test]
    fn a_row_becomes_a_copy_line_with_its_text_escaped() {
        let row = r#"["a\tb\nc\\d \"q\" é\u00e9", null, 12.50, true, "\\N", "", "2026-01-02T03:04:05+00:00"]"#;
        assert_eq!(
            line(row, &[false; 7]).expect("row"),
            "a\\tb\\nc\\\\d \"q\" éé\t\\N\t12.50\ttrue\t\\\\N\t\t2026-01-02T03:04:05+00:00\n"
        );
    }

    #[test]
    fn a_json_column_keeps_its_json_and_a_null_stays_null() {
        let row = r#"[{"note": "x\ty", "n": [1, null]}, "just text", null]"#;
        assert_eq!(
            line(row, &[true, true, true]).expect("row"),
            "{\"note\": \"x\\\\ty\", \"n\": [1, null]}\t\"just text\"\t\\N\n"
        );
    }

    #[test]
    fn a_row_that_does_not_fit_the_columns_is_refused() {
        assert!(
            line("[1, 2]", &[false; 3])
                .expect_err("refused")
                .contains("2 values for 3 columns")
        );
        assert!(
            line("{\"a\": 1}", &[false])
                .expect_err("refused")
                .contains("not a JSON array")
        );
        assert!(
            line("[1, 2", &[false; 2])
                .expect_err("refused")
                .contains("not a JSON array")
        );
    }

    #[tokio::test]
    async fn another_schema_version_is_refused() {
        let bytes = backup(&[], |_| {});
        let result = verify(
            Box::pin(std::io::Cursor::new(bytes)),
            "2",
            &Progress::quiet(),
        )
        .await;
        assert!(message(result).contains("schema version 1"));
    }
}

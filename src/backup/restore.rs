//! Reading a backup: [`Reader`] walks the file line by line and checks it as it goes (gzip
//! integrity, layout, known tables in order, row counts, the manifest's SHA-256 of the data);
//! [`verify`] reads a whole file that way without touching the database, and [`load`] inserts
//! its rows in chunks within the caller's transaction, which the caller commits only when the
//! reader has reached a manifest that matches.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_compression::tokio::bufread::GzipDecoder;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader, ReadBuf};

use super::catalog;
use super::format::{
    FORMAT, Header, MAX_LINE_BYTES, Manifest, Marker, TABLES, Table, TableStart, VERSION,
};
use super::progress::Progress;
use super::{BackupError, hex};
use crate::db::DbConn;

/// The compressed bytes of a backup, from a file or the object store.
pub type Source = Pin<Box<dyn AsyncRead + Send>>;

/// Rows per `INSERT` when loading …
const INSERT_ROWS: usize = 2_000;
/// … unless their JSON reaches this size first.
const INSERT_BYTES: usize = 4 * 1024 * 1024;

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

/// Inserts the rows of `source` into emptied tables, within the caller's transaction on
/// `conn`; the caller commits only on `Ok`.
pub async fn load(
    conn: &mut DbConn,
    source: Source,
    schema_version: &str,
    progress: &Progress,
) -> Result<Verified, BackupError> {
    let mut reader = Reader::open(source, progress).await?;
    check_schema(reader.header(), schema_version)?;
    let mut batch = Batch::default();
    loop {
        match reader.next().await? {
            Item::Table(table, columns) => {
                batch.flush(conn).await?;
                progress.stage(table.name);
                batch.insert = Some(insert_statement(conn, table, &columns).await?);
            }
            Item::Row(row) => {
                batch.push(row);
                if batch.rows >= INSERT_ROWS || batch.json.len() >= INSERT_BYTES {
                    batch.flush(conn).await?;
                }
            }
            Item::End => {
                batch.flush(conn).await?;
                break;
            }
        }
    }
    finished(&reader)
}

/// The `INSERT` of a chunk of `table`'s rows (a JSON array of arrays), once the backup's
/// columns are checked against the table's: each value cast from its text to its column's
/// type, JSON columns taken as JSON. The chunk is parsed once as `jsonb`, where reading the
/// n-th value of a row is a lookup (with `json`, every value would re-read the row's text).
async fn insert_statement(
    conn: &mut DbConn,
    table: &Table,
    columns: &[String],
) -> Result<(&'static str, String), BackupError> {
    let actual = catalog::columns(conn, table.name).await?;
    let names: Vec<&str> = actual.iter().map(|column| column.name.as_str()).collect();
    if names != columns {
        return Err(BackupError::invalid(format!(
            "The backup's columns of {} ({}) are not the table's ({}).",
            table.name,
            columns.join(", "),
            names.join(", ")
        )));
    }
    let values: Vec<String> = actual
        .iter()
        .enumerate()
        .map(|(index, column)| {
            if column.is_json() {
                format!(
                    "CASE WHEN jsonb_typeof(r.v->{index}) = 'null' THEN NULL ELSE (r.v->{index})::{} END",
                    column.sql_type
                )
            } else {
                format!("(r.v->>{index})::{}", column.sql_type)
            }
        })
        .collect();
    let quoted: Vec<String> = actual.iter().map(catalog::Column::quoted).collect();
    Ok((
        table.name,
        format!(
            "INSERT INTO {} ({}) SELECT {} FROM jsonb_array_elements($1::jsonb) AS r(v)",
            table.name,
            quoted.join(", "),
            values.join(", ")
        ),
    ))
}

/// Rows of one table waiting to be inserted, as one JSON array.
#[derive(Default)]
struct Batch {
    /// The table and the statement that inserts its rows.
    insert: Option<(&'static str, String)>,
    json: Vec<u8>,
    rows: usize,
}

impl Batch {
    fn push(&mut self, row: &[u8]) {
        self.json.push(if self.rows == 0 { b'[' } else { b',' });
        self.json.extend_from_slice(row);
        self.rows += 1;
    }

    async fn flush(&mut self, conn: &mut DbConn) -> Result<(), BackupError> {
        let Some((table, insert)) = &self.insert else {
            return Ok(());
        };
        if self.rows == 0 {
            return Ok(());
        }
        self.json.push(b']');
        let json = String::from_utf8(std::mem::take(&mut self.json)).map_err(|_| {
            BackupError::invalid("The backup file is damaged: a row is not UTF-8 text.")
        })?;
        self.rows = 0;
        diesel::sql_query(insert.as_str())
            .bind::<Text, _>(json)
            .execute(conn)
            .await
            .map_err(|err| match err {
                diesel::result::Error::DatabaseError(_, info) => BackupError::invalid(format!(
                    "The backup's rows of {table} cannot be restored: {}",
                    info.message()
                )),
                other => other.into(),
            })?;
        Ok(())
    }
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

//! Writing a backup: every table's rows from one repeatable-read snapshot, fetched through a
//! cursor a chunk at a time, turned into JSON by PostgreSQL, compressed off the async threads
//! and stored part by part. Memory holds one chunk and a few upload parts, whatever the size
//! of the database.

use std::collections::BTreeMap;
use std::io::Write;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use flate2::Compression;
use flate2::write::GzEncoder;
use scoped_futures::ScopedFutureExt;
use sha2::{Digest, Sha256};

use super::catalog;
use super::format::{
    Contents, FORMAT, Header, Manifest, Marker, TABLES, Table, TableStart, VERSION,
};
use super::progress::Progress;
use super::{BackupError, hex};
use crate::db::{DbConn, Isolation};
use crate::storage::ObjectWriter;

/// Rows per `FETCH`.
const FETCH_ROWS: usize = 2_000;
/// gzip level: 1 is fastest, 9 smallest; 3 keeps a large book's backup CPU-light.
const LEVEL: u32 = 3;
/// `json_build_array` takes at most 100 arguments.
const MAX_COLUMNS: usize = 100;

/// What the caller says about the backup it takes.
#[derive(Debug, Clone)]
pub struct Request {
    pub schema_version: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub contents: Contents,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub manifest: Manifest,
    /// SHA-256 (hex) and size of the stored (compressed) file.
    pub file_sha256: String,
    pub file_bytes: u64,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// The data's two checksums and the gzip stream, moved to a blocking thread for each chunk.
struct Encoder {
    gzip: GzEncoder<Vec<u8>>,
    data: Sha256,
    data_bytes: u64,
    file: Sha256,
    file_bytes: u64,
}

impl Encoder {
    fn new() -> Self {
        Self {
            gzip: GzEncoder::new(Vec::new(), Compression::new(LEVEL)),
            data: Sha256::new(),
            data_bytes: 0,
            file: Sha256::new(),
            file_bytes: 0,
        }
    }

    /// Adds uncompressed `bytes` (counted in the data checksum when `data`); the compressed
    /// bytes ready so far.
    fn push(&mut self, bytes: &[u8], data: bool) -> std::io::Result<Vec<u8>> {
        if data {
            self.data.update(bytes);
            self.data_bytes += bytes.len() as u64;
        }
        self.gzip.write_all(bytes)?;
        Ok(self.take())
    }

    fn take(&mut self) -> Vec<u8> {
        let out = std::mem::take(self.gzip.get_mut());
        self.file.update(&out);
        self.file_bytes += out.len() as u64;
        out
    }
}

/// An encoder and the object it writes to.
struct Sink<'w> {
    encoder: Option<Encoder>,
    writer: &'w mut ObjectWriter,
}

impl Sink<'_> {
    /// Compresses `bytes` on a blocking thread and stores what comes out.
    async fn write(&mut self, bytes: Vec<u8>, data: bool) -> Result<(), BackupError> {
        let mut encoder = self
            .encoder
            .take()
            .ok_or_else(|| BackupError::invalid("the backup's encoder is gone"))?;
        let (encoder, out) = tokio::task::spawn_blocking(move || {
            let out = encoder.push(&bytes, data);
            (encoder, out)
        })
        .await
        .map_err(|err| std::io::Error::other(err.to_string()))?;
        self.encoder = Some(encoder);
        let out = out?;
        if !out.is_empty() {
            self.writer.write(Bytes::from(out)).await?;
        }
        Ok(())
    }

    /// Ends the gzip stream; the encoder's checksums.
    async fn finish(mut self) -> Result<Encoder, BackupError> {
        let mut encoder = self
            .encoder
            .take()
            .ok_or_else(|| BackupError::invalid("the backup's encoder is gone"))?;
        let trailer = encoder.gzip.try_finish().map(|()| encoder.take());
        let trailer = trailer?;
        if !trailer.is_empty() {
            self.writer.write(Bytes::from(trailer)).await?;
        }
        Ok(encoder)
    }
}

/// Writes the backup of the database behind `conn` to `writer` (which the caller finishes or
/// aborts). Runs its own read-only repeatable-read transaction without a statement timeout.
pub async fn export(
    conn: &mut DbConn,
    request: &Request,
    writer: &mut ObjectWriter,
    progress: &Progress,
) -> Result<Written, BackupError> {
    conn.run_transaction(Isolation::ReadOnlySnapshot, |conn| {
        async move {
            diesel::sql_query("SET LOCAL statement_timeout = 0")
                .execute(&mut *conn)
                .await?;
            export_in(conn, request, writer, progress).await
        }
        .scope_boxed()
    })
    .await
}

/// What the reader of the snapshot hands to the writer of the file.
enum Piece {
    /// Lines of the data, uncompressed.
    Lines(Vec<u8>),
    /// A table is complete with this many rows.
    Counted(&'static str, u64),
}

/// Chunks in flight between the two: the database reads the next while the last is
/// compressed and stored.
const PIECES_IN_FLIGHT: usize = 2;

async fn export_in(
    conn: &mut DbConn,
    request: &Request,
    writer: &mut ObjectWriter,
    progress: &Progress,
) -> Result<Written, BackupError> {
    let tables: Vec<&'static Table> = TABLES
        .iter()
        .filter(|table| table.included(request.contents))
        .collect();
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        schema_version: request.schema_version.clone(),
        created_at: request.created_at,
        created_by: request.created_by.clone(),
        contents: request.contents,
        tables: tables.iter().map(|table| table.name.to_owned()).collect(),
    };
    let (pieces, mut received) = tokio::sync::mpsc::channel(PIECES_IN_FLIGHT);
    let read = read_snapshot(conn, &tables, pieces, progress);
    let write = async {
        let mut sink = Sink {
            encoder: Some(Encoder::new()),
            writer,
        };
        sink.write(Marker::Backup(header).line(), true).await?;
        let mut row_counts = BTreeMap::new();
        while let Some(piece) = received.recv().await {
            match piece {
                Piece::Lines(lines) => sink.write(lines, true).await?,
                Piece::Counted(table, rows) => {
                    row_counts.insert(table.to_owned(), rows);
                }
            }
        }
        Ok::<_, BackupError>((sink, row_counts))
    };
    // Both run in this task: while one waits for PostgreSQL, the other waits for the
    // compressing thread or the store.
    let (read, write) = futures_util::join!(read, write);
    let (sink, row_counts) = match (read, write) {
        (_, Err(err)) | (Err(err), Ok(_)) => return Err(err),
        (Ok(()), Ok(written)) => written,
    };
    let encoder = sink
        .encoder
        .as_ref()
        .map(|encoder| (hex(&encoder.data.clone().finalize()), encoder.data_bytes));
    let (sha256, data_bytes) =
        encoder.ok_or_else(|| BackupError::invalid("the backup's encoder is gone"))?;
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        schema_version: request.schema_version.clone(),
        created_at: request.created_at,
        created_by: request.created_by.clone(),
        contents: request.contents,
        row_counts,
        sha256,
        data_bytes,
    };
    let mut sink = sink;
    sink.write(Marker::Manifest(manifest.clone()).line(), false)
        .await?;
    let encoder = sink.finish().await?;
    progress.finish();
    Ok(Written {
        manifest,
        file_sha256: hex(&encoder.file.finalize()),
        file_bytes: encoder.file_bytes,
    })
}

/// Reads every table of the snapshot in chunks and hands them on; stops early when the writer
/// is gone (it failed, and says why).
async fn read_snapshot(
    conn: &mut DbConn,
    tables: &[&'static Table],
    pieces: tokio::sync::mpsc::Sender<Piece>,
    progress: &Progress,
) -> Result<(), BackupError> {
    let gone = || BackupError::invalid("the backup's writer stopped");
    for table in tables {
        progress.stage(table.name);
        let columns = catalog::columns(conn, table.name).await?;
        if columns.is_empty() || columns.len() > MAX_COLUMNS {
            return Err(BackupError::invalid(format!(
                "the table {} has {} columns; a backup writes 1 to {MAX_COLUMNS}",
                table.name,
                columns.len()
            )));
        }
        let start = TableStart {
            name: table.name.to_owned(),
            columns: columns.iter().map(|column| column.name.clone()).collect(),
        };
        pieces
            .send(Piece::Lines(Marker::Table(start).line()))
            .await
            .map_err(|_| gone())?;
        let values: Vec<String> = columns.iter().map(catalog::Column::quoted).collect();
        // In storage order: a restore needs no order, and a sort would cost more than the read.
        diesel::sql_query(format!(
            "DECLARE backup_rows NO SCROLL CURSOR FOR \
             SELECT json_build_array({})::text AS line FROM {}",
            values.join(", "),
            table.name
        ))
        .execute(&mut *conn)
        .await?;
        let mut count = 0_u64;
        loop {
            let rows: Vec<Line> =
                diesel::sql_query(format!("FETCH FORWARD {FETCH_ROWS} FROM backup_rows"))
                    .load(&mut *conn)
                    .await?;
            if rows.is_empty() {
                break;
            }
            let mut chunk = Vec::with_capacity(rows.iter().map(|row| row.line.len() + 1).sum());
            for row in &rows {
                chunk.extend_from_slice(row.line.as_bytes());
                chunk.push(b'\n');
            }
            count += rows.len() as u64;
            progress.advance(rows.len() as u64);
            pieces.send(Piece::Lines(chunk)).await.map_err(|_| gone())?;
        }
        diesel::sql_query("CLOSE backup_rows")
            .execute(&mut *conn)
            .await?;
        pieces
            .send(Piece::Counted(table.name, count))
            .await
            .map_err(|_| gone())?;
    }
    Ok(())
}

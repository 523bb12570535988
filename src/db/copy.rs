//! Rows written through `COPY … FROM STDIN` in a [`DirectSession`], in `COPY`'s text format: a
//! [`Line`] takes a row's values one by one, typed, and escapes them; a [`CopyIn`] sends lines
//! a megabyte at a time and checks at the end that PostgreSQL took every row.

use std::pin::Pin;

use bytes::{BufMut, Bytes, BytesMut};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::SinkExt;
use rust_decimal::Decimal;
use tokio_postgres::CopyInSink;
use uuid::Uuid;

use super::direct::DirectSession;

/// How many bytes of `COPY` data are sent at a time.
const CHUNK: usize = 1024 * 1024;

/// `text` escaped for `COPY`'s text format: backslash, newline, carriage return and tab.
pub fn escape(text: &[u8], out: &mut BytesMut) {
    let special = |b: &u8| matches!(b, b'\\' | b'\n' | b'\r' | b'\t');
    if !text.iter().any(special) {
        out.put_slice(text);
        return;
    }
    for &b in text {
        match b {
            b'\\' => out.put_slice(b"\\\\"),
            b'\n' => out.put_slice(b"\\n"),
            b'\r' => out.put_slice(b"\\r"),
            b'\t' => out.put_slice(b"\\t"),
            other => out.put_u8(other),
        }
    }
}

/// One row being written: call a method per column, in the order of the `COPY`'s columns.
pub struct Line<'a> {
    out: &'a mut BytesMut,
    first: bool,
}

impl<'a> Line<'a> {
    pub fn new(out: &'a mut BytesMut) -> Self {
        Self { out, first: true }
    }

    fn separate(&mut self) {
        if !self.first {
            self.out.put_u8(b'\t');
        }
        self.first = false;
    }

    /// A value as its text, `None` as null.
    pub fn text(&mut self, value: Option<&str>) -> &mut Self {
        self.separate();
        match value {
            Some(text) => escape(text.as_bytes(), self.out),
            None => self.out.put_slice(b"\\N"),
        }
        self
    }

    /// Raw text known to need no escaping: numbers, dates, identifiers.
    fn plain(&mut self, value: Option<impl std::fmt::Display>) -> &mut Self {
        self.separate();
        match value {
            Some(value) => {
                use std::fmt::Write;
                let mut text = String::new();
                let _ = write!(text, "{value}");
                self.out.put_slice(text.as_bytes());
            }
            None => self.out.put_slice(b"\\N"),
        }
        self
    }

    pub fn uuid(&mut self, value: Option<Uuid>) -> &mut Self {
        self.plain(value)
    }

    pub fn decimal(&mut self, value: Option<Decimal>) -> &mut Self {
        self.plain(value)
    }

    pub fn int(&mut self, value: Option<i64>) -> &mut Self {
        self.plain(value)
    }

    pub fn bool(&mut self, value: Option<bool>) -> &mut Self {
        self.plain(value.map(|b| if b { "t" } else { "f" }))
    }

    pub fn date(&mut self, value: Option<NaiveDate>) -> &mut Self {
        self.plain(value)
    }

    /// An instant, written in UTC with its offset.
    pub fn instant(&mut self, value: Option<DateTime<Utc>>) -> &mut Self {
        self.plain(value.map(|at| at.format("%Y-%m-%d %H:%M:%S%.6f+00")))
    }

    /// A JSON value (for a `json` or `jsonb` column).
    pub fn json(&mut self, value: Option<&serde_json::Value>) -> &mut Self {
        self.text(value.map(serde_json::Value::to_string).as_deref())
    }

    /// Ends the row.
    pub fn end(&mut self) {
        self.out.put_u8(b'\n');
    }
}

/// A `COPY … FROM STDIN` in progress.
pub struct CopyIn {
    sink: Pin<Box<CopyInSink<Bytes>>>,
    buffer: BytesMut,
    rows: u64,
}

impl CopyIn {
    /// Starts `COPY table (columns) FROM STDIN`.
    pub async fn start(
        session: &DirectSession,
        table: &str,
        columns: &[&str],
    ) -> Result<Self, tokio_postgres::Error> {
        let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
        Self::with_statement(session, &sql).await
    }

    /// Starts the `COPY … FROM STDIN` statement `sql`.
    pub async fn with_statement(
        session: &DirectSession,
        sql: &str,
    ) -> Result<Self, tokio_postgres::Error> {
        let sink = session.copy_in(sql).await?;
        Ok(Self {
            sink: Box::pin(sink),
            buffer: BytesMut::with_capacity(CHUNK * 2),
            rows: 0,
        })
    }

    /// A new row: write its values, then [`Line::end`] it.
    pub fn line(&mut self) -> Line<'_> {
        self.rows += 1;
        Line::new(&mut self.buffer)
    }

    /// Appends a line already in `COPY`'s text format, newline included.
    pub fn raw(&mut self) -> &mut BytesMut {
        self.rows += 1;
        &mut self.buffer
    }

    /// Sends what is buffered once it reaches a chunk.
    pub async fn flush_full(&mut self) -> Result<(), tokio_postgres::Error> {
        if self.buffer.len() >= CHUNK {
            let chunk = self.buffer.split().freeze();
            self.sink.send(chunk).await?;
        }
        Ok(())
    }

    /// Sends the rest and ends the `COPY`; the number of rows PostgreSQL took, which is every
    /// row written (anything else is an error of the statement).
    pub async fn finish(mut self) -> Result<u64, CopyError> {
        if !self.buffer.is_empty() {
            let chunk = self.buffer.split().freeze();
            self.sink.send(chunk).await?;
        }
        let copied = self.sink.as_mut().finish().await?;
        if copied != self.rows {
            return Err(CopyError::Count {
                written: self.rows,
                copied,
            });
        }
        Ok(copied)
    }
}

/// A `COPY` that failed.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Database(#[from] tokio_postgres::Error),
    #[error("{written} rows were sent and {copied} copied")]
    Count { written: u64, copied: u64 },
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_line_escapes_text_and_writes_typed_values() {
        let mut out = BytesMut::new();
        let at = DateTime::parse_from_rfc3339("2026-02-16T10:41:09.523Z")
            .expect("instant")
            .with_timezone(&Utc);
        Line::new(&mut out)
            .text(Some("a\tb\\c\nd"))
            .text(None)
            .decimal(Some(dec!(4166.70)))
            .bool(Some(true))
            .date(NaiveDate::from_ymd_opt(2024, 8, 13))
            .instant(Some(at))
            .json(Some(&serde_json::json!({"k": "x\ty"})))
            .end();
        assert_eq!(
            String::from_utf8(out.to_vec()).expect("utf-8"),
            "a\\tb\\\\c\\nd\t\\N\t4166.70\tt\t2024-08-13\t2026-02-16 10:41:09.523000+00\t{\"k\":\"x\\\\ty\"}\n"
        );
    }
}

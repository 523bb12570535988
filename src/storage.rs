//! Stored files — documents and backups — behind one interface: the `object_store` crate over a
//! local directory (`DATA_DIR/files`, the default) or any S3-compatible store
//! (`STORAGE_URL=s3://bucket/prefix`). Keys are opaque and chosen here (`documents/<uuid>`),
//! never a client's file name. Objects are written whole or not at all: a local write goes to a
//! temporary file renamed into place, an S3 write is a multipart upload completed at the end.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::{BoxStream, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use crate::config::StorageConfig;

/// Parts of a streamed upload are sent in pieces of this size (S3's minimum part is 5 MiB).
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts of one upload in flight at once.
const PARTS_IN_FLIGHT: usize = 2;

/// What the store failed with.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the stored object {0} does not exist")]
    NotFound(String),
    #[error("the storage is misconfigured: {0}")]
    Config(String),
    #[error("the storage failed: {0}")]
    Store(#[from] object_store::Error),
    #[error("the storage failed: {0}")]
    Io(#[from] std::io::Error),
}

pub type StorageResult<T> = Result<T, StorageError>;

/// The object store of the service.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// Where the objects are, for logs and `millennium backup list` (no credentials).
    location: String,
    /// The directory of a local store, where an interrupted write leaves its staging file.
    local_root: Option<PathBuf>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// An object's size and last change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    pub last_modified: DateTime<Utc>,
}

/// An object being read: its size, and its bytes as they arrive.
pub struct ObjectReader {
    pub size: u64,
    pub stream: BoxStream<'static, StorageResult<Bytes>>,
}

impl Storage {
    /// The store `config` names: `STORAGE_URL` when set, else `data_dir/files`.
    pub fn open(config: &StorageConfig, data_dir: &Path) -> StorageResult<Self> {
        match config.url.as_deref() {
            None => Self::local(&data_dir.join("files")),
            Some(url) if url.starts_with("s3://") || url.starts_with("s3a://") => {
                install_tls_provider();
                let mut builder = AmazonS3Builder::new().with_url(url);
                for (key, value) in &config.s3_options {
                    let key = key
                        .parse()
                        .map_err(|err| StorageError::Config(format!("{key}: {err}")))?;
                    builder = builder.with_config(key, value.expose());
                }
                let store = builder
                    .build()
                    .map_err(|err| StorageError::Config(err.to_string()))?;
                Ok(Self {
                    store: Arc::new(store),
                    location: url.to_owned(),
                    local_root: None,
                })
            }
            Some(url) => match url.strip_prefix("file://") {
                Some(path) => Self::local(Path::new(path)),
                None => Err(StorageError::Config(format!(
                    "STORAGE_URL must be s3://bucket/prefix or file:///path, not {url:?}"
                ))),
            },
        }
    }

    /// A store in the directory `dir`, created when missing.
    pub fn local(dir: &Path) -> StorageResult<Self> {
        std::fs::create_dir_all(dir)?;
        let store = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
        Ok(Self {
            store: Arc::new(store),
            location: dir.display().to_string(),
            local_root: Some(dir.to_path_buf()),
        })
    }

    /// The same store with every key under `prefix/`.
    pub fn under(&self, prefix: &str) -> Self {
        Self {
            store: Arc::new(PrefixStore::new(
                Arc::clone(&self.store),
                ObjectPath::from(prefix),
            )),
            location: format!("{}/{prefix}", self.location),
            local_root: self.local_root.as_ref().map(|root| root.join(prefix)),
        }
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    /// Stores `bytes` under `key`, replacing what was there.
    pub async fn put(&self, key: &str, bytes: Bytes) -> StorageResult<()> {
        self.store
            .put(&ObjectPath::from(key), PutPayload::from_bytes(bytes))
            .await?;
        Ok(())
    }

    /// A writer of a large object in parts; nothing is visible under `key` until
    /// [`ObjectWriter::finish`].
    pub async fn writer(&self, key: &str) -> StorageResult<ObjectWriter> {
        let upload = self.store.put_multipart(&ObjectPath::from(key)).await?;
        Ok(ObjectWriter {
            upload: WriteMultipart::new_with_chunk_size(upload, PART_BYTES),
        })
    }

    /// Reads the object under `key` as a stream.
    pub async fn read(&self, key: &str) -> StorageResult<ObjectReader> {
        let result = self
            .store
            .get(&ObjectPath::from(key))
            .await
            .map_err(|err| not_found(key, err))?;
        let size = result.meta.size;
        let stream = result
            .into_stream()
            .map(|chunk| chunk.map_err(StorageError::from))
            .boxed();
        Ok(ObjectReader { size, stream })
    }

    /// The size and last change of the object under `key`.
    pub async fn info(&self, key: &str) -> StorageResult<ObjectInfo> {
        let meta = self
            .store
            .head(&ObjectPath::from(key))
            .await
            .map_err(|err| not_found(key, err))?;
        Ok(info(meta))
    }

    /// Removes the object under `key`; a missing object is not an error.
    pub async fn delete(&self, key: &str) -> StorageResult<()> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// Removes what a write of `key` interrupted by a crash left: the object if it was
    /// completed, and in a local store the staging file (`<key>#<n>`) a multipart write
    /// renames into place at the end. (An S3 upload that never completed is invisible; a
    /// bucket lifecycle rule aborting incomplete multipart uploads reclaims its parts.)
    pub async fn discard_incomplete(&self, key: &str) -> StorageResult<()> {
        self.delete(key).await?;
        let Some(root) = &self.local_root else {
            return Ok(());
        };
        let path = root.join(key);
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return Ok(());
        };
        let staged = format!("{}#", name.to_string_lossy());
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(err.into()),
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let file_name = file_name.to_string_lossy();
            if let Some(suffix) = file_name.strip_prefix(&staged)
                && !suffix.is_empty()
                && suffix.bytes().all(|b| b.is_ascii_digit())
            {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(())
    }

    /// Every object whose key starts with `prefix/`.
    pub fn list(&self, prefix: &str) -> BoxStream<'static, StorageResult<ObjectInfo>> {
        self.store
            .list(Some(&ObjectPath::from(prefix)))
            .map(|meta| meta.map(info).map_err(StorageError::from))
            .boxed()
    }
}

/// Makes ring the process's rustls provider, which the S3 client's HTTP connections use (built
/// without one of their own). Idempotent; a provider installed earlier stays.
fn install_tls_provider() {
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
}

fn info(meta: object_store::ObjectMeta) -> ObjectInfo {
    ObjectInfo {
        key: meta.location.to_string(),
        size: meta.size,
        last_modified: meta.last_modified,
    }
}

fn not_found(key: &str, err: object_store::Error) -> StorageError {
    match err {
        object_store::Error::NotFound { .. } => StorageError::NotFound(key.to_owned()),
        other => other.into(),
    }
}

/// A large object written in parts (a backup): [`write`](Self::write) waits while too many parts
/// are in flight, so memory stays at a few parts whatever the size.
pub struct ObjectWriter {
    upload: WriteMultipart,
}

impl ObjectWriter {
    pub async fn write(&mut self, bytes: Bytes) -> StorageResult<()> {
        self.upload.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        self.upload.put(bytes);
        Ok(())
    }

    /// Completes the object: from now on it is readable under its key.
    pub async fn finish(self) -> StorageResult<()> {
        self.upload.finish().await?;
        Ok(())
    }

    /// Abandons the object: nothing is left under its key.
    pub async fn abort(self) -> StorageResult<()> {
        self.upload.abort().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    #[tokio::test]
    async fn a_local_store_writes_reads_lists_and_deletes() {
        let dir = std::env::temp_dir().join(format!("millennium-storage-{}", uuid::Uuid::new_v4()));
        let storage = Storage::local(&dir).expect("store").under("documents");
        storage
            .put("a", Bytes::from_static(b"hello"))
            .await
            .expect("put");
        let mut writer = storage.writer("b").await.expect("writer");
        writer
            .write(Bytes::from_static(b"big "))
            .await
            .expect("write");
        writer
            .write(Bytes::from_static(b"object"))
            .await
            .expect("write");
        writer.finish().await.expect("finish");

        let read = storage.read("b").await.expect("read");
        assert_eq!(read.size, 10);
        let bytes: Vec<Bytes> = read.stream.try_collect().await.expect("bytes");
        assert_eq!(bytes.concat(), b"big object");
        assert!(dir.join("documents").join("a").is_file());

        let mut keys: Vec<String> = storage
            .list("")
            .map_ok(|object| object.key)
            .try_collect()
            .await
            .expect("list");
        keys.sort();
        assert_eq!(keys, ["a", "b"]);

        storage.delete("a").await.expect("delete");
        storage.delete("a").await.expect("a second delete is fine");
        assert!(matches!(
            storage.read("a").await,
            Err(StorageError::NotFound(_))
        ));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[tokio::test]
    async fn an_aborted_writer_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("millennium-storage-{}", uuid::Uuid::new_v4()));
        let storage = Storage::local(&dir).expect("store");
        let mut writer = storage.writer("c").await.expect("writer");
        writer
            .write(Bytes::from_static(b"partial"))
            .await
            .expect("write");
        writer.abort().await.expect("abort");
        assert!(matches!(
            storage.info("c").await,
            Err(StorageError::NotFound(_))
        ));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}

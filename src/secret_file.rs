//! Files that hold secrets (generated passwords, the development JWT secret): written whole to a
//! new file that only the owner may read (0600) and renamed into place, so that an existing
//! file's looser permissions are not inherited, a symlink planted at the path is replaced rather
//! than followed, and a reader never sees half a secret.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use rand::distr::{Alphanumeric, SampleString};

/// Writes `content` to `path` as described in the module comment.
pub fn write(path: &Path, content: &str) -> io::Result<()> {
    let file_name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a secret file needs a name"))?
        .to_string_lossy();
    let suffix = Alphanumeric.sample_string(&mut rand::rng(), 12);
    let temporary = path.with_file_name(format!(".{file_name}.{suffix}.tmp"));
    let written = (|| {
        // `create_new` refuses anything already there, a symlink included.
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(content.as_bytes())?;
        file.sync_all()?;
        // `rename` replaces the directory entry itself: a symlink at `path` is not followed.
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("millennium-secret-{}", uuid::Uuid::new_v4()));
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn an_existing_readable_file_becomes_private() {
        let dir = scratch();
        let path = dir.join("jwt.secret");
        fs::write(&path, "old").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        write(&path, "new secret").expect("write secret");
        assert_eq!(fs::read_to_string(&path).expect("read"), "new secret");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(
            fs::read_dir(&dir).expect("list").count(),
            1,
            "no temporary file left"
        );
        fs::remove_dir_all(dir).expect("cleanup");
    }

    #[test]
    fn a_symlink_is_replaced_not_followed() {
        let dir = scratch();
        let target = dir.join("somewhere-else");
        fs::write(&target, "untouched").expect("write");
        let path = dir.join("postgres.password");
        std::os::unix::fs::symlink(&target, &path).expect("symlink");
        write(&path, "secret").expect("write secret");
        assert_eq!(fs::read_to_string(&target).expect("read"), "untouched");
        assert!(fs::symlink_metadata(&path).expect("metadata").is_file());
        assert_eq!(fs::read_to_string(&path).expect("read"), "secret");
        assert_eq!(mode(&path), 0o600);
        fs::remove_dir_all(dir).expect("cleanup");
    }
}

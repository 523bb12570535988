//! The embedded default: a private PostgreSQL cluster under the data directory, run with the
//! machine's own PostgreSQL server programs.
//!
//! - Discovery: `POSTGRES_BIN_DIR`, then `PATH`, then `pg_config --bindir`, then
//!   `/usr/lib/postgresql/*/bin` (newest first).
//! - PostgreSQL refuses to run as root, so when started as root the cluster belongs to, and
//!   runs as, the `postgres` system user (or `nobody` when there is none).
//! - The server listens on a free loopback port only (no Unix socket) and authenticates with a
//!   generated password kept in the data directory.
//! - It runs under a small shell watchdog in its own process group: closing the watchdog's
//!   standard input — explicitly at shutdown, or implicitly when this process dies — makes it
//!   stop PostgreSQL with a fast shutdown, so no server outlives its owner.
//! - An exclusive lock on `millennium.lock` keeps a second server off the same data directory.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use rand::distr::{Alphanumeric, SampleString};

use crate::config::Secret;

/// The cluster's superuser, and the database the service uses by default.
pub const SUPERUSER: &str = "millennium";

const CLUSTER_DIR: &str = "postgres";
const PASSWORD_FILE: &str = "postgres.password";
const LOG_FILE: &str = "postgres.log";
const LOCK_FILE: &str = "millennium.lock";
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs PostgreSQL, and stops it with a fast shutdown when standard input closes.
/// Arguments: the `postgres` command line. `CLEANUP_DIR`, when set, is removed afterwards.
const WATCHDOG: &str = r#"
exec 3<&0
"$@" </dev/null 3<&- &
pg=$!
( read -r _ <&3; kill -INT "$pg" 2>/dev/null ) &
watcher=$!
exec 3<&-
wait "$pg"
status=$?
kill "$watcher" 2>/dev/null
if [ -n "${CLEANUP_DIR:-}" ]; then rm -rf "$CLEANUP_DIR"; fi
exit "$status"
"#;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedPgError {
    #[error(
        "No DATABASE_URL is set and the PostgreSQL server programs (initdb, postgres) were not \
         found (looked in {searched}). Install them (Debian/Ubuntu: apt-get install postgresql; \
         macOS: brew install postgresql), set POSTGRES_BIN_DIR to their directory, or set \
         DATABASE_URL to use an existing PostgreSQL server."
    )]
    ProgramsNotFound { searched: String },

    #[error(
        "Another Millennium server is already using the data directory {}. Stop it first, or \
         give this one its own DATA_DIR.", .0.display()
    )]
    DataDirInUse(PathBuf),

    #[error(
        "PostgreSQL must run as the unprivileged user '{user}', which cannot reach {}: {} is \
         closed to other users. Choose a DATA_DIR that user can reach (for example under /var/lib \
         or /srv), or start Millennium as a non-root user.", .path.display(), .blocking.display()
    )]
    Unreachable {
        user: String,
        path: PathBuf,
        blocking: PathBuf,
    },

    #[error("initdb failed for {}:\n{output}", .cluster.display())]
    InitDb { cluster: PathBuf, output: String },

    #[error("PostgreSQL did not start ({reason}). The end of its log {}:\n{log_tail}", .log.display())]
    StartFailed {
        reason: String,
        log: PathBuf,
        log_tail: String,
    },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
}

fn io_error(context: impl Into<String>) -> impl FnOnce(io::Error) -> EmbeddedPgError {
    let context = context.into();
    move |source| EmbeddedPgError::Io { context, source }
}

/// A directory holding both `initdb` and `postgres`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgPrograms {
    pub bin_dir: PathBuf,
}

impl PgPrograms {
    /// Finds the PostgreSQL server programs on this machine.
    pub fn discover(explicit: Option<&Path>) -> Result<Self, EmbeddedPgError> {
        let pg_config_bindir = || {
            Command::new("pg_config")
                .arg("--bindir")
                .output()
                .ok()
                .filter(|output| output.status.success())
                .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
        };
        Self::discover_in(
            explicit,
            std::env::var_os("PATH"),
            pg_config_bindir,
            Path::new("/usr/lib/postgresql"),
        )
    }

    /// Discovery with its inputs given, so that it can be tested.
    pub fn discover_in(
        explicit: Option<&Path>,
        path_var: Option<OsString>,
        pg_config_bindir: impl FnOnce() -> Option<PathBuf>,
        versioned_root: &Path,
    ) -> Result<Self, EmbeddedPgError> {
        let mut searched: Vec<PathBuf> = Vec::new();
        let mut check = |dir: PathBuf| -> Option<Self> {
            let found = is_program(&dir.join("initdb")) && is_program(&dir.join("postgres"));
            searched.push(dir.clone());
            found.then_some(Self { bin_dir: dir })
        };

        if let Some(dir) = explicit {
            return check(dir.to_path_buf()).ok_or_else(|| EmbeddedPgError::ProgramsNotFound {
                searched: format!("POSTGRES_BIN_DIR={}", dir.display()),
            });
        }
        for dir in path_var.iter().flat_map(std::env::split_paths) {
            if let Some(found) = check(dir) {
                return Ok(found);
            }
        }
        if let Some(found) = pg_config_bindir().and_then(&mut check) {
            return Ok(found);
        }
        let mut versions: Vec<(Vec<u32>, PathBuf)> = fs::read_dir(versioned_root)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let version: Option<Vec<u32>> =
                    name.split('.').map(|part| part.parse().ok()).collect();
                version.map(|version| (version, entry.path().join("bin")))
            })
            .collect();
        versions.sort_by(|a, b| b.0.cmp(&a.0));
        for (_, dir) in versions {
            if let Some(found) = check(dir) {
                return Ok(found);
            }
        }
        Err(EmbeddedPgError::ProgramsNotFound {
            searched: format!(
                "PATH, pg_config --bindir and {}/*/bin",
                versioned_root.display()
            ),
        })
    }

    fn program(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }
}

fn is_program(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// The unprivileged account PostgreSQL runs as when this process is root.
#[derive(Debug, Clone)]
struct RunAs {
    name: String,
    uid: u32,
    gid: u32,
}

impl RunAs {
    fn for_this_process() -> Result<Option<Self>, EmbeddedPgError> {
        if !nix::unistd::geteuid().is_root() {
            return Ok(None);
        }
        for name in ["postgres", "nobody"] {
            if let Ok(Some(user)) = nix::unistd::User::from_name(name) {
                return Ok(Some(Self {
                    name: user.name,
                    uid: user.uid.as_raw(),
                    gid: user.gid.as_raw(),
                }));
            }
        }
        Err(EmbeddedPgError::Io {
            context: "running as root, but neither a 'postgres' nor a 'nobody' user exists to \
                      run PostgreSQL"
                .into(),
            source: io::Error::from(io::ErrorKind::NotFound),
        })
    }

    fn apply(&self, command: &mut Command) {
        command.uid(self.uid).gid(self.gid);
    }

    fn take_ownership(&self, path: &Path) -> Result<(), EmbeddedPgError> {
        std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid)).map_err(io_error(format!(
            "cannot hand {} to user {}",
            path.display(),
            self.name
        )))
    }

    /// The first ancestor of `path` this user cannot traverse, if any.
    fn blocked_at(&self, path: &Path) -> Option<PathBuf> {
        path.ancestors().skip(1).find_map(|dir| {
            let meta = fs::metadata(dir).ok()?;
            let mode = meta.mode();
            let passable = mode & 0o001 != 0
                || (meta.uid() == self.uid && mode & 0o100 != 0)
                || (meta.gid() == self.gid && mode & 0o010 != 0);
            (!passable).then(|| dir.to_path_buf())
        })
    }
}

/// How to run an embedded cluster.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// Holds the cluster, its password, its log and the lock.
    pub data_dir: PathBuf,
    pub programs: PgPrograms,
    /// Extra server settings (`-c name=value`).
    pub settings: Vec<(String, String)>,
    /// The port to listen on; `None` picks a free one.
    pub port: Option<u16>,
    /// Remove `data_dir` when the server stops (a throwaway cluster for tests).
    pub remove_on_stop: bool,
}

impl EmbeddedOptions {
    /// A cluster that keeps its data between runs.
    ///
    /// It runs on the application's own machine, so it gets no parallel workers: a report runs
    /// its parts as concurrent statements on several connections, and workers inside each
    /// statement would only compete with them for the same cores (at scale 100 on 2 cores,
    /// the administrator's `dashboard` took 129 ms with the default of 2 workers and 98 ms
    /// without, `supervisorReport` 205 and 161 ms).
    pub fn persistent(data_dir: PathBuf, programs: PgPrograms) -> Self {
        Self {
            data_dir,
            programs,
            settings: vec![
                ("max_connections".into(), "100".into()),
                ("max_parallel_workers_per_gather".into(), "0".into()),
            ],
            port: None,
            remove_on_stop: false,
        }
    }

    /// A disposable cluster tuned for speed over durability.
    pub fn throwaway(data_dir: PathBuf, programs: PgPrograms) -> Self {
        let settings = [
            ("max_connections", "400"),
            ("fsync", "off"),
            ("synchronous_commit", "off"),
            ("full_page_writes", "off"),
            ("shared_buffers", "128MB"),
        ];
        Self {
            data_dir,
            programs,
            settings: settings
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            port: None,
            remove_on_stop: true,
        }
    }
}

/// A running embedded PostgreSQL. Dropping it stops the server without waiting; call
/// [`EmbeddedPostgres::stop`] to wait for a clean shutdown.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    port: u16,
    password: Secret,
    watchdog: Child,
    watchdog_stdin: Option<ChildStdin>,
    log_path: PathBuf,
    _lock: File,
}

impl EmbeddedPostgres {
    /// Creates the cluster on first use and starts it. Blocking: call from a blocking thread.
    pub fn start(options: &EmbeddedOptions) -> Result<Self, EmbeddedPgError> {
        let run_as = RunAs::for_this_process()?;
        fs::create_dir_all(&options.data_dir).map_err(io_error(format!(
            "cannot create the data directory {}",
            options.data_dir.display()
        )))?;
        let data_dir = options.data_dir.canonicalize().map_err(io_error(format!(
            "cannot resolve {}",
            options.data_dir.display()
        )))?;
        let lock = lock_data_dir(&data_dir)?;
        let cluster = data_dir.join(CLUSTER_DIR);
        if let Some(run_as) = &run_as {
            if let Some(blocking) = run_as.blocked_at(&cluster) {
                return Err(EmbeddedPgError::Unreachable {
                    user: run_as.name.clone(),
                    path: cluster,
                    blocking,
                });
            }
            if options.remove_on_stop {
                // The watchdog, running as that user, removes the directory at the end.
                run_as.take_ownership(&data_dir)?;
            }
        }
        let password = if cluster.join("PG_VERSION").is_file() {
            read_password(&data_dir)?
        } else {
            init_cluster(&options.programs, &data_dir, &cluster, run_as.as_ref())?
        };

        let port = match options.port {
            Some(port) => port,
            None => free_port()?,
        };
        let log_path = data_dir.join(LOG_FILE);
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&log_path)
            .map_err(io_error(format!("cannot open {}", log_path.display())))?;
        let log_start = log
            .metadata()
            .map_err(io_error(format!("cannot read {}", log_path.display())))?
            .len();
        let log_err = log
            .try_clone()
            .map_err(io_error("cannot duplicate the log handle"))?;

        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(WATCHDOG)
            .arg("millennium-postgres")
            .arg(options.programs.program("postgres"))
            .arg("-D")
            .arg(&cluster)
            .arg("-p")
            .arg(port.to_string())
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "unix_socket_directories="])
            .args(["-c", "logging_collector=off"]);
        for (name, value) in &options.settings {
            command.arg("-c").arg(format!("{name}={value}"));
        }
        if options.remove_on_stop {
            command.env("CLEANUP_DIR", &data_dir);
        }
        if let Some(run_as) = &run_as {
            run_as.apply(&mut command);
        }
        command
            .current_dir(&data_dir)
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err));
        let mut watchdog = command
            .spawn()
            .map_err(io_error("cannot start the PostgreSQL server"))?;
        let watchdog_stdin = watchdog.stdin.take();

        let mut server = Self {
            port,
            password,
            watchdog,
            watchdog_stdin,
            log_path,
            _lock: lock,
        };
        if let Err(reason) = server.wait_until_ready(&cluster) {
            let log_tail = read_tail(&server.log_path, log_start);
            let log = server.log_path.clone();
            drop(server.watchdog_stdin.take());
            let _ = server.watchdog.wait();
            return Err(EmbeddedPgError::StartFailed {
                reason,
                log,
                log_tail,
            });
        }
        Ok(server)
    }

    /// The port the server listens on (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL for `database` as the cluster's superuser.
    pub fn url(&self, database: &str) -> Secret {
        self.url_for(SUPERUSER, &self.password, database)
    }

    /// A connection URL for `database` as `user`.
    pub fn url_for(&self, user: &str, password: &Secret, database: &str) -> Secret {
        Secret::new(format!(
            "postgres://{user}:{}@127.0.0.1:{}/{database}",
            password.expose(),
            self.port
        ))
    }

    /// Stops the server with a fast shutdown and waits for it. Blocking.
    pub fn stop(mut self) -> Result<(), EmbeddedPgError> {
        drop(self.watchdog_stdin.take());
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            match self.watchdog.try_wait() {
                Ok(Some(_)) => return Ok(()),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => {
                    return Err(EmbeddedPgError::Io {
                        context: "PostgreSQL did not stop in time".into(),
                        source: io::Error::from(io::ErrorKind::TimedOut),
                    });
                }
                Err(err) => return Err(io_error("cannot wait for PostgreSQL to stop")(err)),
            }
        }
    }

    /// Waits for `postmaster.pid` to report the server ready, or for the server to die.
    fn wait_until_ready(&mut self, cluster: &Path) -> Result<(), String> {
        let pid_file = cluster.join("postmaster.pid");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.watchdog.try_wait() {
                return Err(format!("the server exited with {status}"));
            }
            let ready = fs::read_to_string(&pid_file).is_ok_and(|content| {
                // Line 8 of postmaster.pid is the server status since PostgreSQL 10.
                content
                    .lines()
                    .nth(7)
                    .is_some_and(|line| line.trim() == "ready")
                    && content
                        .lines()
                        .nth(3)
                        .is_some_and(|line| line.trim() == self.port.to_string())
            });
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "not ready after {} seconds",
                    START_TIMEOUT.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        // Closing the pipe makes the watchdog stop the server.
        drop(self.watchdog_stdin.take());
    }
}

fn lock_data_dir(data_dir: &Path) -> Result<File, EmbeddedPgError> {
    let path = data_dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(io_error(format!("cannot open {}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => {
            Err(EmbeddedPgError::DataDirInUse(data_dir.to_path_buf()))
        }
        Err(fs::TryLockError::Error(err)) => {
            Err(io_error(format!("cannot lock {}", path.display()))(err))
        }
    }
}

fn read_password(data_dir: &Path) -> Result<Secret, EmbeddedPgError> {
    let path = data_dir.join(PASSWORD_FILE);
    let password = fs::read_to_string(&path).map_err(io_error(format!(
        "the cluster exists but its password file {} cannot be read",
        path.display()
    )))?;
    Ok(Secret::new(password.trim()))
}

/// Runs `initdb` for a new cluster with a generated superuser password; returns the password.
fn init_cluster(
    programs: &PgPrograms,
    data_dir: &Path,
    cluster: &Path,
    run_as: Option<&RunAs>,
) -> Result<Secret, EmbeddedPgError> {
    // A half-made cluster from an interrupted first run is started over.
    if cluster.exists() {
        fs::remove_dir_all(cluster)
            .map_err(io_error(format!("cannot clear {}", cluster.display())))?;
    }
    fs::create_dir_all(cluster)
        .map_err(io_error(format!("cannot create {}", cluster.display())))?;
    fs::set_permissions(cluster, fs::Permissions::from_mode(0o700))
        .map_err(io_error(format!("cannot restrict {}", cluster.display())))?;
    let password = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let pwfile = data_dir.join(".initdb-password");
    write_private(&pwfile, &password)?;
    if let Some(run_as) = run_as {
        run_as.take_ownership(cluster)?;
        run_as.take_ownership(&pwfile)?;
    }

    let mut command = Command::new(programs.program("initdb"));
    command
        .arg("-D")
        .arg(cluster)
        .args([
            "-U",
            SUPERUSER,
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
        ])
        .arg(format!("--pwfile={}", pwfile.display()))
        .current_dir(data_dir)
        .stdin(Stdio::null());
    if let Some(run_as) = run_as {
        run_as.apply(&mut command);
    }
    let output = command.output();
    let _ = fs::remove_file(&pwfile);
    let output = output.map_err(io_error("cannot run initdb"))?;
    if !output.status.success() {
        let _ = fs::remove_dir_all(cluster);
        return Err(EmbeddedPgError::InitDb {
            cluster: cluster.to_path_buf(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        });
    }
    write_private(&data_dir.join(PASSWORD_FILE), &password)?;
    Ok(Secret::new(password))
}

fn write_private(path: &Path, content: &str) -> Result<(), EmbeddedPgError> {
    crate::secret_file::write(path, content)
        .map_err(io_error(format!("cannot write {}", path.display())))
}

fn free_port() -> Result<u16, EmbeddedPgError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(io_error("cannot find a free loopback port"))?;
    let port = listener
        .local_addr()
        .map_err(io_error("cannot find a free loopback port"))?
        .port();
    Ok(port)
}

/// The last lines PostgreSQL wrote since `from`, for an error message.
fn read_tail(path: &Path, from: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let _ = file.seek(SeekFrom::Start(from));
        let _ = file.read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_programs_the_error_says_what_to_install() {
        let empty = std::env::temp_dir().join(format!("millennium-empty-{}", uuid::Uuid::new_v4()));
        fs::create_dir_all(&empty).expect("temp dir");
        let err = PgPrograms::discover_in(None, Some(OsString::from(&empty)), || None, &empty)
            .expect_err("nothing to find");
        let message = err.to_string();
        assert!(message.contains("apt-get install postgresql"), "{message}");
        assert!(message.contains("DATABASE_URL"), "{message}");
        fs::remove_dir_all(&empty).expect("cleanup");
    }

    #[test]
    fn finds_the_newest_versioned_directory() {
        let root = std::env::temp_dir().join(format!("millennium-pg-{}", uuid::Uuid::new_v4()));
        for version in ["9.6", "15", "13"] {
            let bin = root.join(version).join("bin");
            fs::create_dir_all(&bin).expect("bin dir");
            for program in ["initdb", "postgres"] {
                let path = bin.join(program);
                fs::write(&path, "#!/bin/sh\n").expect("program");
                fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
            }
        }
        let found = PgPrograms::discover_in(None, None, || None, &root).expect("found");
        assert_eq!(found.bin_dir, root.join("15").join("bin"));
        fs::remove_dir_all(&root).expect("cleanup");
    }

    #[test]
    fn an_explicit_directory_without_programs_is_an_error() {
        let err = PgPrograms::discover_in(
            Some(Path::new("/nonexistent")),
            None,
            || None,
            Path::new("/nonexistent"),
        )
        .expect_err("nothing there");
        assert!(err.to_string().contains("POSTGRES_BIN_DIR=/nonexistent"));
    }
}

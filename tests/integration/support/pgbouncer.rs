//! Debian's PgBouncer in transaction mode, in front of the run's PostgreSQL, for one test.
//! Without the program a test prints why and skips, except in CI (`CI=true`), where it fails:
//! `.ci/run` installs it.

use std::fs;
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use millennium::config::Secret;

use super::db::unique_name;
use super::process::free_port;

const PROGRAM: &str = "/usr/sbin/pgbouncer";

/// A running PgBouncer; stopped and its files removed when dropped.
pub struct PgBouncer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl PgBouncer {
    /// A pooler in transaction mode in front of `upstream` (a `postgres://user:password@host:
    /// port/…` URL: every database of that server, as that user), with `server_connections`
    /// connections to PostgreSQL per database. `None` when the program is missing outside CI.
    pub fn start(upstream: &Secret, server_connections: u32) -> Option<Self> {
        if !std::path::Path::new(PROGRAM).is_file() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "pgbouncer is missing in CI: .ci/run installs it (apt-get install pgbouncer)"
            );
            eprintln!("skipped: {PROGRAM} is not installed (apt-get install pgbouncer)");
            return None;
        }
        let upstream = url::Url::parse(upstream.expose()).expect("the upstream URL");
        let user = upstream.username().to_owned();
        let password = upstream
            .password()
            .expect("the upstream password")
            .to_owned();
        let dir = std::env::temp_dir().join(unique_name("millennium-pgbouncer"));
        fs::create_dir_all(&dir).expect("pgbouncer directory");
        // PgBouncer refuses to run as root; as `postgres` it must read its files.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
        let port = free_port();
        let userlist = dir.join("userlist.txt");
        fs::write(&userlist, format!("\"{user}\" \"{password}\"\n")).expect("userlist");
        let config = dir.join("pgbouncer.ini");
        fs::write(
            &config,
            format!(
                "[databases]\n\
                 * = host={host} port={upstream_port}\n\
                 [pgbouncer]\n\
                 listen_addr = 127.0.0.1\n\
                 listen_port = {port}\n\
                 unix_socket_dir =\n\
                 auth_type = scram-sha-256\n\
                 auth_file = {userlist}\n\
                 pool_mode = transaction\n\
                 default_pool_size = {server_connections}\n\
                 max_client_conn = 500\n\
                 ignore_startup_parameters = extra_float_digits\n",
                host = upstream.host_str().expect("the upstream host"),
                upstream_port = upstream.port().unwrap_or(5432),
                userlist = userlist.display(),
            ),
        )
        .expect("pgbouncer.ini");
        for file in [&userlist, &config] {
            fs::set_permissions(file, fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        let log = fs::File::create(dir.join("pgbouncer.log")).expect("log");
        let mut command = Command::new(PROGRAM);
        if nix::unistd::Uid::effective().is_root() {
            command.args(["-u", "postgres"]);
        }
        let child = command
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start pgbouncer");
        let mut bouncer = Self { child, port, dir };
        bouncer.wait_until_listening();
        Some(bouncer)
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("pgbouncer exited ({status}):\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "pgbouncer did not listen:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What PgBouncer printed so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
    }

    /// `upstream` (as given to [`Self::start`]) with the pooler's port in place of the
    /// server's, and `query` added.
    pub fn url(&self, upstream: &Secret, query: &str) -> Secret {
        let mut url = url::Url::parse(upstream.expose()).expect("the upstream URL");
        url.set_port(Some(self.port)).expect("a port");
        url.set_query(Some(query));
        Secret::new(String::from(url))
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("PgBouncer's log:\n{}", self.log());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

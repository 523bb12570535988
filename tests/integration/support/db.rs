//! The test run's PostgreSQL: `TEST_DATABASE_URL` when set, otherwise a throwaway cluster
//! started once per run (found and run like the embedded default, root included) and removed
//! when the test process exits. A template database is migrated once; every test gets a clone.

use std::sync::OnceLock;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use millennium::config::Secret;
use millennium::db::{Endpoint, databases, migrations};
use millennium::embedded_pg::{EmbeddedOptions, EmbeddedPostgres, PgPrograms};

pub struct TestServer {
    /// `scheme://user:password@host:port/` — a database name is appended.
    base_url: String,
    /// The database to connect to for CREATE/DROP DATABASE.
    maintenance_db: String,
    pub template: String,
    /// Whether the server outlives this run (then test databases are dropped after use).
    pub external: bool,
    /// Keeps the throwaway cluster alive until the process exits.
    _embedded: Option<EmbeddedPostgres>,
}

impl TestServer {
    pub fn url(&self, database: &str) -> Secret {
        Secret::new(format!("{}{database}", self.base_url))
    }

    /// The service's way to `database`.
    pub fn endpoint(&self, database: &str) -> Endpoint {
        Endpoint::parse(&self.url(database)).expect("the test server's URL")
    }

    pub fn maintenance_url(&self) -> Secret {
        self.url(&self.maintenance_db)
    }

    /// A new, empty database (no migrations).
    pub async fn create_empty_database(&self) -> String {
        let name = unique_name("millennium_test");
        self.create(&name, None).await;
        name
    }

    /// A new database cloned from the migrated template. With `TEST_ISOLATION=serializable`
    /// its transactions default to SERIALIZABLE, as CockroachDB runs.
    pub async fn create_database(&self) -> String {
        let name = unique_name("millennium_test");
        self.create(&name, Some(&self.template)).await;
        if std::env::var("TEST_ISOLATION").is_ok_and(|level| level == "serializable") {
            self.default_to_serializable(&name).await;
        }
        name
    }

    /// Makes SERIALIZABLE the default isolation of new sessions on `name`.
    pub async fn default_to_serializable(&self, name: &str) {
        use diesel_async::RunQueryDsl;
        let mut conn = AsyncPgConnection::establish(self.maintenance_url().expose())
            .await
            .expect("connect to the test server");
        diesel::sql_query(format!(
            "ALTER DATABASE \"{name}\" SET default_transaction_isolation = 'serializable'"
        ))
        .execute(&mut conn)
        .await
        .expect("set the default isolation");
    }

    async fn create(&self, name: &str, template: Option<&str>) {
        let mut conn = AsyncPgConnection::establish(self.maintenance_url().expose())
            .await
            .expect("connect to the test server");
        // Concurrent clones of one template can collide briefly; try again.
        let mut attempt = 0;
        loop {
            match databases::create(&mut conn, name, template).await {
                Ok(()) => return,
                Err(err) if attempt < 20 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
                    if attempt == 20 {
                        panic!("cannot create test database {name}: {err}");
                    }
                }
                Err(err) => panic!("cannot create test database {name}: {err}"),
            }
        }
    }

    pub async fn drop_database(&self, name: &str) {
        let mut conn = AsyncPgConnection::establish(self.maintenance_url().expose())
            .await
            .expect("connect to the test server");
        databases::drop_if_exists(&mut conn, name)
            .await
            .expect("drop test database");
    }
}

pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

static SERVER: OnceLock<TestServer> = OnceLock::new();

/// The run's server, started and templated on first use.
pub fn server() -> &'static TestServer {
    SERVER.get_or_init(|| {
        // Its own thread and runtime: the calling test's runtime may be single-threaded and busy.
        std::thread::spawn(start)
            .join()
            .unwrap_or_else(|_| panic!("the test PostgreSQL could not be prepared"))
    })
}

fn start() -> TestServer {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (base_url, maintenance_db, embedded) = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => {
            let (base, db) = url
                .rsplit_once('/')
                .expect("TEST_DATABASE_URL must end with /<database>");
            (format!("{base}/"), db.to_owned(), None)
        }
        Err(_) => {
            let programs = PgPrograms::discover(
                std::env::var_os("POSTGRES_BIN_DIR")
                    .as_deref()
                    .map(std::path::Path::new),
            )
            .unwrap_or_else(|err| panic!("{err}"));
            let dir = std::env::temp_dir().join(unique_name("millennium-test-pg"));
            let server = EmbeddedPostgres::start(&EmbeddedOptions::throwaway(dir, programs))
                .unwrap_or_else(|err| panic!("cannot start the test PostgreSQL: {err}"));
            let url = server.url("");
            let base = url.expose().to_owned();
            (base, "postgres".to_owned(), Some(server))
        }
    };
    let external = embedded.is_none();
    let server = TestServer {
        base_url,
        maintenance_db,
        template: format!("millennium_template_{}", migrations_fingerprint()),
        external,
        _embedded: embedded,
    };
    runtime.block_on(prepare_template(&server));
    server
}

/// The names of the migrations in `migrations/`, oldest first, as diesel reports them.
pub fn migration_names() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut names: Vec<String> = std::fs::read_dir(root)
        .expect("migrations directory")
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A short hash of the migration files: a template is reused only while they are unchanged.
fn migrations_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&root);
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(
            file.strip_prefix(&root)
                .unwrap_or(&file)
                .to_string_lossy()
                .as_bytes(),
        );
        hasher.update(std::fs::read(&file).expect("read a migration"));
    }
    hasher
        .finalize()
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .expect("migrations directory")
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

/// Migrates the template under a temporary name and renames it into place, so that a template
/// that exists is complete — also when several runs share a server.
async fn prepare_template(server: &TestServer) {
    let mut conn = AsyncPgConnection::establish(server.maintenance_url().expose())
        .await
        .expect("connect to the test server");
    if databases::exists(&mut conn, &server.template)
        .await
        .expect("look up the template")
    {
        return;
    }
    let building = unique_name("millennium_building");
    server.create(&building, None).await;
    migrations::run_pending(&server.endpoint(&building))
        .await
        .expect("migrate the template database");
    let rename = format!(
        "ALTER DATABASE \"{building}\" RENAME TO \"{}\"",
        server.template
    );
    if diesel_async::RunQueryDsl::execute(diesel::sql_query(rename), &mut conn)
        .await
        .is_err()
    {
        // Another run finished first; use its template.
        databases::drop_if_exists(&mut conn, &building)
            .await
            .expect("drop the spare template");
    }
}

/// A connection of its own to `database` that has begun a transaction with `lock` (a `LOCK
/// TABLE …`): what the service needs waits until `ROLLBACK` is sent on it.
pub async fn holding_lock(database: &str, lock: &str) -> tokio_postgres::Client {
    let url = server().url(database);
    let (holder, connection) = tokio_postgres::connect(url.expose(), tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    holder
        .batch_execute(&format!("BEGIN; {lock}"))
        .await
        .expect("lock");
    holder
}

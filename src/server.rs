//! Running the service: choosing the database (external or embedded), applying or checking
//! migrations, the first administrator, the JWT secret, and serving HTTP until Ctrl-C or
//! SIGTERM — after which the embedded PostgreSQL is stopped cleanly.

use std::fs;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use rand::distr::{Alphanumeric, SampleString};

use crate::clock::SystemClock;
use crate::config::{AppEnv, Config, Secret};
use crate::db::direct::Direct;
use crate::db::users::User;
use crate::db::{self, Endpoint, PoolSettings, StatementCounter};
use crate::embedded_pg::{EmbeddedOptions, EmbeddedPostgres, PgPrograms};
use crate::services::RequestMeta;
use crate::services::staff::{self, Bootstrap, NewStaff};
use crate::state::AppState;
use crate::storage::Storage;

const JWT_SECRET_FILE: &str = "jwt.secret";
/// The embedded default's database, and the unprivileged role that owns it and that the service
/// connects as (migrations included); the cluster's superuser only sets them up.
const DATABASE: &str = "millennium";
const APP_ROLE: &str = "millennium_app";
const APP_PASSWORD_FILE: &str = "app.password";

/// The database the service uses: `DATABASE_URL`, or the embedded cluster it started.
pub struct Database {
    endpoint: Endpoint,
    migration_endpoint: Endpoint,
    read_endpoint: Option<Endpoint>,
    embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or creates and starts the embedded cluster under `DATA_DIR`.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        if let Some(target) = &config.database.url {
            for warning in &config.database.url_warnings {
                tracing::warn!("{warning}");
            }
            let endpoint = Endpoint::new(target).context("DATABASE_URL")?;
            let migration_endpoint = match &config.database.direct_url {
                Some(direct) => Endpoint::new(direct).context("DIRECT_URL")?,
                None => endpoint.clone(),
            };
            let read_endpoint = config
                .database
                .read_url
                .as_ref()
                .map(|read| Endpoint::new(read).context("DATABASE_READ_URL"))
                .transpose()?;
            return Ok(Self {
                endpoint,
                migration_endpoint,
                read_endpoint,
                embedded: None,
            });
        }
        let programs = PgPrograms::discover(config.database.postgres_bin_dir.as_deref())?;
        let options = EmbeddedOptions::persistent(config.database.data_dir.clone(), programs);
        tracing::info!(data_dir = %options.data_dir.display(), "starting the embedded PostgreSQL");
        let server =
            tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&options)).await??;
        let app_password = generated_secret(&config.database.data_dir, APP_PASSWORD_FILE, 32)?;
        db::databases::provision_owner(
            server.url("postgres").expose(),
            server.url(DATABASE).expose(),
            DATABASE,
            APP_ROLE,
            &app_password,
        )
        .await
        .context("cannot prepare the service's database in the embedded PostgreSQL")?;
        let endpoint = Endpoint::parse(&server.url_for(APP_ROLE, &app_password, DATABASE))?;
        tracing::info!(port = server.port(), "the embedded PostgreSQL is ready");
        Ok(Self {
            migration_endpoint: endpoint.clone(),
            endpoint,
            read_endpoint: None,
            embedded: Some(server),
        })
    }

    /// The service's connections: `DATABASE_URL`, or the embedded cluster.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// `DIRECT_URL` when set, else the service's endpoint.
    pub fn migration_endpoint(&self) -> &Endpoint {
        &self.migration_endpoint
    }

    /// Stops the embedded cluster, if this process started one.
    pub async fn close(self) -> anyhow::Result<()> {
        if let Some(server) = self.embedded {
            tokio::task::spawn_blocking(move || server.stop()).await??;
            tracing::info!("the embedded PostgreSQL has stopped");
        }
        Ok(())
    }
}

/// Runs `work` with the database open (starting the embedded one if needed), then closes it.
pub async fn with_database<T>(
    config: &Config,
    work: impl AsyncFnOnce(&Database) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let database = Database::open(config).await?;
    let outcome = work(&database).await;
    database.close().await?;
    outcome
}

/// `millennium admin create`: an administrator created outside any request.
pub async fn create_admin(config: &Config, new: &NewStaff) -> anyhow::Result<User> {
    with_database(config, async |database| {
        prepare_schema(config, database).await?;
        let state = app_state(config, database).await?;
        let meta = RequestMeta {
            request_id: Some("cli".into()),
            ..RequestMeta::default()
        };
        staff::create_staff(&state, &meta, None, new)
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))
    })
    .await
}

/// `millennium seed demo`: the demo organisation of [`crate::seed`], on an empty loan book.
pub async fn seed_demo(
    config: &Config,
    options: crate::seed::Options,
) -> anyhow::Result<crate::seed::Report> {
    with_database(config, async |database| {
        prepare_schema(config, database).await?;
        let state = app_state(config, database).await?;
        let graphiql = format!(
            "{}/graphiql",
            base_url(SocketAddr::new(config.http.host, config.http.port))
        );
        crate::seed::demo(&state, &graphiql, options).await
    })
    .await
}

/// `millennium import legacy-backup FILE`: the original system's backup, into an empty loan
/// book.
pub async fn import_legacy(
    config: &Config,
    file: &Path,
    dry_run: bool,
) -> anyhow::Result<crate::legacy::summary::Summary> {
    use crate::backup::progress::Progress;
    use crate::legacy::import::{self, Importer};
    with_database(config, async |database| {
        prepare_schema(config, database).await?;
        let state = app_state(config, database).await?;
        let size = std::fs::metadata(file)
            .with_context(|| format!("cannot read {}", file.display()))?
            .len();
        let check = Progress::stderr("check", "bytes", Some(size));
        let load = Progress::stderr("import", "bytes", Some(size));
        let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
        let importer = Importer {
            name: format!("command line ({user})"),
            meta: RequestMeta {
                request_id: Some("cli".into()),
                ..RequestMeta::default()
            },
        };
        import::import(&state, file, &importer, dry_run, [&check, &load])
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))
    })
    .await
}

/// `millennium check`: the money invariants over the whole database.
pub async fn check(config: &Config) -> anyhow::Result<crate::check::Report> {
    with_database(config, async |database| {
        prepare_schema(config, database).await?;
        let state = app_state(config, database).await?;
        let mut conn = state.db.get().await?;
        Ok(crate::check::run(&mut conn).await?)
    })
    .await
}

/// `millennium backup create`: a whole backup into the store, waited for.
pub async fn backup_create(
    config: &Config,
    contents: crate::backup::format::Contents,
) -> anyhow::Result<crate::db::backups::BackupRecord> {
    use crate::services::backups::{self, Author};
    with_database(config, async |database| {
        prepare_schema(config, database).await?;
        let state = app_state(config, database).await?;
        backups::fail_abandoned(&state).await?;
        let progress = crate::backup::progress::Progress::stderr("backup", "rows", None);
        let record = backups::take(
            &state,
            &Author::command_line(),
            crate::domain::backups::BackupKind::Manual,
            contents,
            &progress,
        )
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
        Ok(record)
    })
    .await
}

/// `millennium backup list`: the backups, newest first, and the schedule.
pub async fn backup_list(
    config: &Config,
) -> anyhow::Result<(Vec<crate::db::backups::BackupRecord>, String, String)> {
    with_database(config, async |database| {
        prepare_schema(config, database).await?;
        let state = app_state(config, database).await?;
        crate::services::backups::fail_abandoned(&state).await?;
        let mut conn = state.db.get().await?;
        let page = crate::db::backups::list(
            &mut conn,
            &crate::db::backups::BackupFilter::default(),
            false,
            crate::db::page::Page::new(1000, 0),
        )
        .await?;
        let schedule = crate::db::backups::schedule(&mut conn).await?;
        Ok((
            page.rows,
            crate::services::backups::describe_next(&schedule),
            state.storage.location().to_owned(),
        ))
    })
    .await
}

/// What `millennium backup restore` names: a backup's id or file name in the store, or a
/// file on this machine.
pub async fn backup_restore(
    config: &Config,
    what: &str,
    confirm: impl AsyncFnOnce(&str) -> anyhow::Result<bool>,
) -> anyhow::Result<Option<crate::services::backups::Restored>> {
    use crate::services::backups::{self, Author, Target};
    with_database(config, async |database| {
        prepare_schema(config, database).await?;
        let state = app_state(config, database).await?;
        backups::fail_abandoned(&state).await?;
        let target = {
            let mut conn = state.db.get().await?;
            let by_id = match what.parse::<crate::domain::BackupId>() {
                Ok(id) => crate::db::backups::find(&mut conn, id).await?,
                Err(_) => crate::db::backups::find_by_file_name(&mut conn, what).await?,
            };
            match by_id {
                Some(record) => Target::Record(Box::new(record)),
                None if std::path::Path::new(what).is_file() => Target::File(what.into()),
                None => anyhow::bail!(
                    "no backup has the id or file name {what:?}, and there is no such file"
                ),
            }
        };
        let name = match &target {
            Target::Record(record) => record.file_name.clone(),
            Target::File(path) => path.display().to_string(),
        };
        if !confirm(&name).await? {
            return Ok(None);
        }
        let size = match &target {
            Target::Record(record) => record.size_bytes.and_then(|size| u64::try_from(size).ok()),
            Target::File(path) => std::fs::metadata(path).ok().map(|meta| meta.len()),
        };
        let check = crate::backup::progress::Progress::stderr("check", "bytes", size);
        let load = crate::backup::progress::Progress::stderr("restore", "bytes", size);
        let restored = backups::restore(
            &state,
            &Author::command_line(),
            None,
            target,
            [&check, &load],
        )
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
        Ok(Some(restored))
    })
    .await
}

/// Brings the schema up to date in development; in production refuses to go on with pending
/// migrations, which only `millennium migrate run` applies.
pub async fn prepare_schema(config: &Config, database: &Database) -> anyhow::Result<()> {
    let pending = db::migrations::pending(database.migration_endpoint()).await?;
    if pending.is_empty() {
        return Ok(());
    }
    if config.env == AppEnv::Production {
        bail!(
            "the database has {} pending migration(s) ({}); run `millennium migrate run` before starting the server",
            pending.len(),
            pending.join(", ")
        );
    }
    for name in db::migrations::run_pending(database.migration_endpoint()).await? {
        tracing::info!(migration = %name, "applied migration");
    }
    Ok(())
}

/// The state of a running service on `database`.
pub async fn app_state(config: &Config, database: &Database) -> anyhow::Result<AppState> {
    let statements = StatementCounter::default();
    let pool = db::build_pool(
        database.endpoint(),
        PoolSettings::from(&config.database),
        &statements,
    )?;
    let jwt_secret = jwt_secret(config)?;
    let replica = database
        .read_endpoint
        .as_ref()
        .map(|endpoint| {
            db::build_pool(
                endpoint,
                PoolSettings::from(&config.database).for_replica(),
                &statements,
            )
        })
        .transpose()?;
    let storage = Storage::open(&config.storage, &config.database.data_dir)?;
    let state = AppState::new(
        config.clone(),
        pool,
        // A restore's long sessions skip the pooler when DIRECT_URL says how.
        Direct::new(database.migration_endpoint().clone()),
        statements,
        &jwt_secret,
        Arc::new(SystemClock),
        storage,
    );
    Ok(match replica {
        Some(replica) => state.with_replica(replica),
        None => state,
    })
}

/// `JWT_SECRET`, or in development a secret generated once and kept under `DATA_DIR`, so that
/// sessions survive a restart.
fn jwt_secret(config: &Config) -> anyhow::Result<Secret> {
    if let Some(secret) = &config.auth.jwt_secret {
        return Ok(secret.clone());
    }
    if config.env == AppEnv::Production {
        bail!("JWT_SECRET is required in production");
    }
    generated_secret(
        &config.database.data_dir,
        JWT_SECRET_FILE,
        crate::config::MIN_JWT_SECRET_BYTES,
    )
}

/// The secret kept in `dir/file`, or a new one of 48 random characters written there (0600)
/// when the file is missing or holds fewer than `min_length` bytes.
fn generated_secret(dir: &Path, file: &str, min_length: usize) -> anyhow::Result<Secret> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(file);
    if let Ok(existing) = fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= min_length {
            return Ok(Secret::new(existing));
        }
    }
    let secret = Alphanumeric.sample_string(&mut rand::rng(), 48);
    crate::secret_file::write(&path, &secret)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a secret");
    Ok(Secret::new(secret))
}

/// `millennium serve`: runs until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let outcome = serve_on(&config, &database).await;
    if let Err(err) = database.close().await {
        tracing::error!(error = %err, "stopping the embedded PostgreSQL failed");
    }
    outcome
}

async fn serve_on(config: &Config, database: &Database) -> anyhow::Result<()> {
    prepare_schema(config, database).await?;
    let state = app_state(config, database).await?;
    state
        .passwords
        .warm_up()
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    announce_bootstrap(
        staff::bootstrap_first_admin(&state)
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))?,
    );

    let address = SocketAddr::new(config.http.host, config.http.port);
    let listener = tokio::net::TcpListener::bind(address).await.with_context(|| {
        format!("cannot listen on {address} (is another program using port {}? set PORT to choose another)", config.http.port)
    })?;
    let bound = listener.local_addr()?;
    let base = base_url(bound);
    tracing::info!(address = %bound, "listening");
    println!(
        "Millennium is running. GraphiQL: {base}/graphiql  GraphQL: {base}/graphql  Health: {base}/health"
    );

    let jobs = crate::jobs::spawn(state.clone());
    let app = crate::http::router(state);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    jobs.abort();
    served?;
    tracing::info!("the HTTP server has stopped");
    Ok(())
}

/// The address to show people for a server listening on `address`: `localhost` for an
/// unspecified one, e.g. `http://127.0.0.1:4000`.
fn base_url(address: SocketAddr) -> String {
    let shown_host = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => "localhost".to_owned(),
        IpAddr::V6(ip) if ip.is_unspecified() => "localhost".to_owned(),
        ip => ip.to_string(),
    };
    format!("http://{shown_host}:{}", address.port())
}

fn announce_bootstrap(outcome: Bootstrap) {
    match outcome {
        Bootstrap::HasStaff => {}
        Bootstrap::Created { email } => tracing::info!(%email, "created the first administrator"),
        Bootstrap::Generated { email, password } => {
            // Shown once, on the console only: it is never logged or stored in clear.
            println!();
            println!("  First administrator created for this development database:");
            println!("    email:    {email}");
            println!("    password: {}", password.expose());
            println!("  Change it after logging in (changePassword). It will not be shown again.");
            println!();
        }
        Bootstrap::NoAdmin => tracing::warn!(
            "the database has no staff account; create one with `millennium admin create --email …`"
        ),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

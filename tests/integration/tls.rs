//! TLS to the database: a PostgreSQL of the test's own with `ssl=on` and a certificate signed by
//! an authority the test made, reached with every `sslmode` — by the pool, the migrations and a
//! direct session alike — and refused, with the cause named, when the name or the authority is
//! wrong.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use diesel_async::RunQueryDsl;
use millennium::config::Secret;
use millennium::db::{self, Endpoint, migrations};
use millennium::domain::Role;
use millennium::embedded_pg::{EmbeddedOptions, EmbeddedPostgres, PgPrograms};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

use crate::support::TestApp;
use crate::support::db::{server, unique_name};

/// The certificates of one test: an authority, the server's (for `localhost` only), and an
/// authority that signed nothing here.
struct Certificates {
    dir: PathBuf,
}

impl Certificates {
    fn make() -> Self {
        let dir = std::env::temp_dir().join(unique_name("millennium-tls"));
        std::fs::create_dir_all(&dir).expect("certificate directory");
        // PostgreSQL runs as another user when the tests run as root: it must reach the files.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");

        let authority = authority("Millennium test authority");
        let stranger = authority_certificate("Somebody else's authority");
        let server_key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let server_cert = params
            .signed_by(&server_key, &authority)
            .expect("sign the server's certificate");

        std::fs::write(dir.join("ca.pem"), authority.pem()).expect("write");
        std::fs::write(dir.join("stranger.pem"), stranger).expect("write");
        std::fs::write(dir.join("server.crt"), server_cert.pem()).expect("write");
        let key = dir.join("server.key");
        std::fs::write(&key, server_key.serialize_pem()).expect("write");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        if nix::unistd::Uid::effective().is_root() {
            let owner = nix::unistd::User::from_name("postgres")
                .ok()
                .flatten()
                .or_else(|| nix::unistd::User::from_name("nobody").ok().flatten())
                .expect("the user PostgreSQL runs as");
            nix::unistd::chown(&key, Some(owner.uid), Some(owner.gid)).expect("chown the key");
        }
        Self { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for Certificates {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn authority_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params
}

fn authority(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    CertifiedIssuer::self_signed(authority_params(name), KeyPair::generate().expect("key"))
        .expect("an authority")
}

fn authority_certificate(name: &str) -> String {
    authority(name).pem()
}

/// A PostgreSQL with TLS on, for this test alone.
async fn start_tls_server(certificates: &Certificates) -> EmbeddedPostgres {
    let programs = PgPrograms::discover(None).expect("PostgreSQL programs");
    let mut options = EmbeddedOptions::throwaway(
        std::env::temp_dir().join(unique_name("millennium-tls-pg")),
        programs,
    );
    options.settings.extend([
        ("ssl".to_owned(), "on".to_owned()),
        ("ssl_cert_file".to_owned(), certificates.path("server.crt")),
        ("ssl_key_file".to_owned(), certificates.path("server.key")),
    ]);
    tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&options))
        .await
        .expect("join")
        .expect("start PostgreSQL with TLS")
}

/// `url` reached by the host name `host`, with the query `query`.
fn with(url: &Secret, host: &str, query: &str) -> Secret {
    Secret::new(format!(
        "{}?{query}",
        url.expose().replace("127.0.0.1", host)
    ))
}

#[derive(diesel::QueryableByName)]
struct Ssl {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ssl: bool,
}

const SSL_OF_THIS_SESSION: &str = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

/// Whether the session `endpoint` opens is encrypted, as the server sees it.
async fn encrypted(endpoint: &Endpoint) -> Result<bool, String> {
    let mut conn = endpoint.establish().await.map_err(|err| err.to_string())?;
    let row: Ssl = diesel::sql_query(SSL_OF_THIS_SESSION)
        .get_result(&mut conn)
        .await
        .map_err(|err| err.to_string())?;
    Ok(row.ssl)
}

async fn attempt(url: &Secret) -> Result<bool, String> {
    let endpoint = Endpoint::parse(url).map_err(|err| format!("{err:#}"))?;
    encrypted(&endpoint).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sslmode_connects_as_libpq_would_and_refusals_name_their_cause() {
    let certificates = Certificates::make();
    let postgres = start_tls_server(&certificates).await;
    let url = postgres.url("postgres");
    let ca = certificates.path("ca.pem");
    let stranger = certificates.path("stranger.pem");

    let full = format!("sslmode=verify-full&sslrootcert={ca}");
    assert_eq!(attempt(&with(&url, "localhost", &full)).await, Ok(true));
    let ca_only = format!("sslmode=verify-ca&sslrootcert={ca}");
    assert_eq!(
        attempt(&with(&url, "127.0.0.1", &ca_only)).await,
        Ok(true),
        "verify-ca does not check the name"
    );
    assert_eq!(
        attempt(&with(&url, "127.0.0.1", "sslmode=require")).await,
        Ok(true)
    );
    assert_eq!(
        attempt(&with(&url, "127.0.0.1", "sslmode=prefer")).await,
        Ok(true),
        "prefer takes TLS when the server offers it"
    );
    assert_eq!(
        attempt(&with(&url, "127.0.0.1", "sslmode=disable")).await,
        Ok(false)
    );
    // Prisma's spelling of verify-full.
    let prisma = format!("sslaccept=strict&sslcert={ca}");
    assert_eq!(attempt(&with(&url, "localhost", &prisma)).await, Ok(true));

    let wrong_host = attempt(&with(&url, "127.0.0.1", &full))
        .await
        .expect_err("the certificate names localhost only");
    assert!(
        wrong_host.contains("does not name the host 127.0.0.1") && !wrong_host.contains("Other("),
        "{wrong_host}"
    );
    let unknown = format!("sslmode=verify-full&sslrootcert={stranger}");
    let unknown_ca = attempt(&with(&url, "localhost", &unknown))
        .await
        .expect_err("signed by another authority");
    assert!(
        unknown_ca.contains("not signed by an authority in sslrootcert")
            && unknown_ca.contains(&stranger),
        "{unknown_ca}"
    );
    // require with an authority checks it, as libpq does.
    let require_checked = format!("sslmode=require&sslrootcert={stranger}");
    assert!(
        attempt(&with(&url, "localhost", &require_checked))
            .await
            .is_err()
    );
    let missing = format!(
        "sslmode=verify-full&sslrootcert={}",
        certificates.path("nowhere.pem")
    );
    let missing = attempt(&with(&url, "localhost", &missing))
        .await
        .expect_err("no such file");
    assert!(
        missing.contains("cannot read sslrootcert") && missing.contains("nowhere.pem"),
        "{missing}"
    );

    drop(postgres);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_migrations_and_direct_sessions_all_use_verify_full() {
    let certificates = Certificates::make();
    let postgres = start_tls_server(&certificates).await;
    let ca = certificates.path("ca.pem");
    {
        let maintenance = Endpoint::parse(&with(
            &postgres.url("postgres"),
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={ca}"),
        ))
        .expect("endpoint");
        let mut conn = maintenance.establish().await.expect("connect over TLS");
        diesel::sql_query("CREATE DATABASE loans")
            .execute(&mut conn)
            .await
            .expect("create the database");
    }
    let url = with(
        &postgres.url("loans"),
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    let endpoint = Endpoint::parse(&url).expect("endpoint");
    let applied = migrations::run_pending(&endpoint)
        .await
        .expect("migrations over verify-full");
    assert!(!applied.is_empty());

    let app = TestApp::on_database("loans".to_owned(), &url, &[]).await;
    let admin = app.login_as(Role::Admin).await;
    let me = app.gql("{ me { email } }").by(&admin).send().await;
    assert_eq!(me.data()["me"]["email"], admin.user.email.as_str());
    let pooled: Ssl = diesel::sql_query(SSL_OF_THIS_SESSION)
        .get_result(&mut *app.conn().await)
        .await
        .expect("read pg_stat_ssl");
    assert!(pooled.ssl, "the pool's connections are encrypted");
    let direct = app.state.direct.connect().await.expect("a direct session");
    assert_eq!(
        direct
            .text(
                "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[]
            )
            .await
            .expect("read pg_stat_ssl"),
        "true"
    );
    drop(direct);
    drop(app);
    drop(postgres);
}

#[tokio::test]
async fn require_refuses_a_server_without_tls() {
    // The run's shared server has TLS off.
    let url = server().url("postgres");
    let refused = attempt(&Secret::new(format!("{}?sslmode=require", url.expose())))
        .await
        .expect_err("no TLS there");
    assert!(refused.contains("TLS"), "{refused}");
}

#[test]
fn a_verifying_mode_reads_its_authorities_at_start() {
    let err = Endpoint::parse(&Secret::new(
        "postgres://u:p@localhost/db?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem",
    ))
    .expect_err("the file is missing");
    assert!(
        format!("{err:#}").contains("/nonexistent/ca.pem"),
        "{err:#}"
    );
    db::url::ConnectionUrl::parse("postgres://u:p@localhost/db?sslmode=verify-full")
        .expect("system roots by default");
}

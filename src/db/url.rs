//! Connection URLs as operators write them (SPEC 8.1): libpq's parameters, read by the driver;
//! the TLS ones (`sslmode`, `sslrootcert`), read here; and the parameters that only the original
//! system's Prisma understood (`connection_limit`, `pool_timeout`, `pgbouncer`, `schema`, …),
//! accepted with one warning each and mapped where they mean something here. Any other
//! parameter is an error that names it, so a typo never passes silently.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::config::Secret;

/// Parameters the driver reads itself (libpq's names), passed through unchanged.
const DRIVER_PARAMETERS: &[&str] = &[
    "user",
    "password",
    "dbname",
    "host",
    "hostaddr",
    "port",
    "application_name",
    "options",
    "connect_timeout",
    "keepalives",
    "keepalives_idle",
    "tcp_user_timeout",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
];

/// How the connection uses TLS: libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    Disable,
    /// TLS when the server offers it, unverified; plain otherwise (libpq's default).
    #[default]
    Prefer,
    /// TLS, unverified (verified against `sslrootcert` when one is given, as libpq does).
    Require,
    /// TLS with the server's certificate signed by a trusted authority.
    VerifyCa,
    /// As `VerifyCa`, and the certificate names the host connected to.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "disable" => Self::Disable,
            "allow" | "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            _ => return None,
        })
    }

    /// The value of the driver's own `sslmode` (which knows no verification).
    pub fn driver_value(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require | Self::VerifyCa | Self::VerifyFull => "require",
        }
    }
}

/// The authorities a verified connection trusts: `sslrootcert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCerts {
    /// A PEM file of certificates.
    File(PathBuf),
    /// The system's trusted roots (`sslrootcert=system`, as in libpq 16).
    System,
}

/// The TLS settings of a URL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tls {
    pub mode: SslMode,
    pub root_certs: Option<RootCerts>,
}

/// What a connection needs from a URL: the driver's URL and the TLS to reach it with.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: Secret,
    pub tls: Tls,
}

/// A connection URL read: what the driver gets, and what the service does with the rest.
#[derive(Debug, Clone)]
pub struct ConnectionUrl {
    /// The URL with only the driver's parameters (and its `sslmode`).
    pub driver_url: Secret,
    pub tls: Tls,
    /// `connection_limit`: the pool's size.
    pub pool_size: Option<usize>,
    /// `pool_timeout` (seconds): how long a request waits for a connection.
    pub acquire_timeout: Option<Duration>,
    /// `pgbouncer=true`: the server is reached through a transaction-mode pooler.
    pub pgbouncer: bool,
    /// `schema`: the schema the tables are in, when not `public`.
    pub schema: Option<String>,
    /// `statement_cache_size=0`: no prepared statements kept per connection.
    pub no_statement_cache: bool,
    /// One line for each Prisma parameter read: what it became here.
    pub warnings: Vec<String>,
}

/// Why a URL cannot be used; the caller names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlError(pub String);

impl ConnectionUrl {
    /// Reads `text`, a `postgres://` or `postgresql://` URL.
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let mut url =
            Url::parse(text).map_err(|err| UrlError(format!("is not a valid URL ({err})")))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(UrlError(
                "must be a postgres:// or postgresql:// URL".into(),
            ));
        }
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let mut read = Self {
            driver_url: Secret::new(String::new()),
            tls: Tls::default(),
            pool_size: None,
            acquire_timeout: None,
            pgbouncer: false,
            schema: None,
            no_statement_cache: false,
            warnings: Vec::new(),
        };
        let mut kept: Vec<(String, String)> = Vec::new();
        let mut sslmode_given = false;
        let mut accept_invalid_certs = false;
        let has = |name: &str| pairs.iter().any(|(other, _)| other == name);
        for (name, value) in &pairs {
            match name.as_str() {
                name if DRIVER_PARAMETERS.contains(&name) => {
                    kept.push((name.to_owned(), value.clone()));
                }
                "sslmode" => {
                    read.tls.mode = SslMode::parse(value).ok_or_else(|| {
                        UrlError(format!(
                            "has sslmode={value}; use disable, prefer, require, verify-ca or \
                             verify-full"
                        ))
                    })?;
                    sslmode_given = true;
                }
                "sslrootcert" => read.tls.root_certs = Some(root_certs(value)),
                "sslcert" if has("sslkey") => {
                    return Err(UrlError(
                        "has sslcert and sslkey: client certificates are not supported".into(),
                    ));
                }
                "sslcert" => {
                    // Prisma's `sslcert` is the server's certificate (its authority), not
                    // libpq's client certificate.
                    read.tls.root_certs = Some(root_certs(value));
                    read.warn(name, "read as sslrootcert, the authority the server's certificate is checked against");
                }
                "sslaccept" => match value.as_str() {
                    "strict" => {
                        if !sslmode_given && !has("sslmode") {
                            read.tls.mode = SslMode::VerifyFull;
                        }
                        read.warn(name, "strict: the server's certificate and host name are verified (sslmode=verify-full)");
                    }
                    "accept_invalid_certs" => {
                        accept_invalid_certs = true;
                        read.warn(name, "accept_invalid_certs: the certificate is not verified (as sslmode=require)");
                    }
                    other => {
                        return Err(UrlError(format!(
                            "has sslaccept={other}; use strict or accept_invalid_certs"
                        )));
                    }
                },
                "sslidentity" | "sslpassword" => {
                    return Err(UrlError(format!(
                        "has {name}: client certificates (PKCS #12 identities) are not supported"
                    )));
                }
                "connection_limit" => {
                    let size = value
                        .parse::<usize>()
                        .ok()
                        .filter(|size| (1..=1000).contains(size))
                        .ok_or_else(|| {
                            UrlError(format!(
                                "has connection_limit={value}; use a pool size from 1 to 1000"
                            ))
                        })?;
                    read.pool_size = Some(size);
                    read.warn(name, "used as the pool size (DB_POOL_SIZE, when set, wins)");
                }
                "pool_timeout" => {
                    let seconds = value.parse::<u64>().map_err(|_| {
                        UrlError(format!("has pool_timeout={value}; use whole seconds"))
                    })?;
                    if seconds == 0 {
                        read.warn(name, "0 (wait forever) is not kept: a request waits DB_ACQUIRE_TIMEOUT_MS at most");
                    } else {
                        read.acquire_timeout = Some(Duration::from_secs(seconds.min(600)));
                        read.warn(
                            name,
                            "used as the acquire timeout (DB_ACQUIRE_TIMEOUT_MS, when set, wins)",
                        );
                    }
                }
                "pgbouncer" => {
                    read.pgbouncer = boolean(name, value)?;
                    read.warn(name, "a transaction-mode pooler: every statement runs in a transaction, settings are SET LOCAL, no statement cache; migrations and restores use DIRECT_URL");
                }
                "schema" => {
                    if value != "public" {
                        read.schema = Some(value.clone());
                    }
                    read.warn(
                        name,
                        "the tables' schema (the search path of every connection)",
                    );
                }
                "statement_cache_size" => {
                    let size = value.parse::<u64>().map_err(|_| {
                        UrlError(format!("has statement_cache_size={value}; use a count"))
                    })?;
                    read.no_statement_cache = size == 0;
                    read.warn(
                        name,
                        if size == 0 {
                            "0: no prepared statements are kept"
                        } else {
                            "the driver keeps every statement it prepares; only 0 changes that"
                        },
                    );
                }
                "socket_timeout" => {
                    read.warn(
                        name,
                        "ignored: a statement's limit is DB_STATEMENT_TIMEOUT_MS",
                    );
                }
                "max_connection_lifetime" | "max_idle_connection_lifetime" => {
                    read.warn(name, "ignored: the pool keeps connections while they work");
                }
                other => {
                    return Err(UrlError(format!(
                        "has the parameter {other:?}, which is neither libpq's nor one of \
                         the original system's"
                    )));
                }
            }
        }
        if accept_invalid_certs && !matches!(read.tls.mode, SslMode::VerifyCa | SslMode::VerifyFull)
        {
            // Prisma's `sslcert` beside it named a certificate nobody checks.
            read.tls.root_certs = None;
        }
        kept.push((
            "sslmode".to_owned(),
            read.tls.mode.driver_value().to_owned(),
        ));
        url.query_pairs_mut().clear().extend_pairs(&kept);
        read.driver_url = Secret::new(String::from(url));
        Ok(read)
    }

    /// The driver's URL and the TLS settings.
    pub fn target(&self) -> Target {
        Target {
            url: self.driver_url.clone(),
            tls: self.tls.clone(),
        }
    }

    fn warn(&mut self, parameter: &str, what: &str) {
        self.warnings
            .push(format!("connection URL parameter {parameter:?}: {what}"));
    }
}

fn root_certs(value: &str) -> RootCerts {
    if value == "system" {
        RootCerts::System
    } else {
        RootCerts::File(PathBuf::from(value))
    }
}

fn boolean(name: &str, value: &str) -> Result<bool, UrlError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(UrlError(format!("has {name}={value}; use true or false"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ConnectionUrl {
        ConnectionUrl::parse(text).unwrap_or_else(|err| panic!("{text}: {err}"))
    }

    fn refused(text: &str) -> String {
        ConnectionUrl::parse(text).expect_err(text).0
    }

    #[test]
    fn a_plain_url_is_passed_on_with_the_default_sslmode() {
        let url = parse("postgres://app:secret@db.example.org:5433/millennium?application_name=x");
        assert_eq!(
            url.driver_url.expose(),
            "postgres://app:secret@db.example.org:5433/millennium?application_name=x&sslmode=prefer"
        );
        assert!(
            !format!("{url:?}").contains("secret"),
            "the password is never shown"
        );
        assert_eq!(url.tls, Tls::default());
        assert!(url.warnings.is_empty());
    }

    #[test]
    fn every_sslmode_is_read_and_the_driver_gets_one_it_knows() {
        for (given, mode, driver) in [
            ("disable", SslMode::Disable, "disable"),
            ("allow", SslMode::Prefer, "prefer"),
            ("prefer", SslMode::Prefer, "prefer"),
            ("require", SslMode::Require, "require"),
            ("verify-ca", SslMode::VerifyCa, "require"),
            ("verify-full", SslMode::VerifyFull, "require"),
        ] {
            let url = parse(&format!(
                "postgresql://db/app?sslmode={given}&sslrootcert=/ca.pem"
            ));
            assert_eq!(url.tls.mode, mode, "{given}");
            assert_eq!(url.tls.root_certs, Some(RootCerts::File("/ca.pem".into())));
            assert!(
                url.driver_url
                    .expose()
                    .ends_with(&format!("?sslmode={driver}")),
                "{given}"
            );
        }
        let system = parse("postgres://db/app?sslmode=verify-full&sslrootcert=system");
        assert_eq!(system.tls.root_certs, Some(RootCerts::System));
        assert!(refused("postgres://db/app?sslmode=strict").contains("sslmode=strict"));
    }

    #[test]
    fn prisma_parameters_are_mapped_with_one_warning_each() {
        let url = parse(
            "postgresql://u:p@db/app?schema=public&connection_limit=7&pool_timeout=20\
             &pgbouncer=true&statement_cache_size=0&socket_timeout=5&sslmode=require\
             &sslaccept=accept_invalid_certs&max_connection_lifetime=60",
        );
        assert_eq!(url.pool_size, Some(7));
        assert_eq!(url.acquire_timeout, Some(Duration::from_secs(20)));
        assert!(url.pgbouncer);
        assert!(url.no_statement_cache);
        assert_eq!(url.schema, None);
        assert_eq!(url.tls.mode, SslMode::Require);
        assert_eq!(url.warnings.len(), 8, "{:#?}", url.warnings);
        for name in [
            "schema",
            "connection_limit",
            "pool_timeout",
            "pgbouncer",
            "statement_cache_size",
            "socket_timeout",
            "sslaccept",
            "max_connection_lifetime",
        ] {
            assert_eq!(
                url.warnings
                    .iter()
                    .filter(|line| line.contains(&format!("{name:?}")))
                    .count(),
                1,
                "{name}: {:#?}",
                url.warnings
            );
        }
        assert_eq!(
            url.driver_url.expose(),
            "postgresql://u:p@db/app?sslmode=require"
        );
    }

    #[test]
    fn prisma_tls_parameters_mean_what_they_meant_there() {
        let strict = parse("postgres://db/app?sslaccept=strict&sslcert=/etc/db/ca.pem");
        assert_eq!(strict.tls.mode, SslMode::VerifyFull);
        assert_eq!(
            strict.tls.root_certs,
            Some(RootCerts::File("/etc/db/ca.pem".into()))
        );
        let explicit = parse("postgres://db/app?sslaccept=strict&sslmode=verify-ca");
        assert_eq!(explicit.tls.mode, SslMode::VerifyCa);
        let lax = parse(
            "postgres://db/app?sslmode=require&sslaccept=accept_invalid_certs&sslcert=/ca.pem",
        );
        assert_eq!(lax.tls.root_certs, None, "nothing is checked");
        let other = parse("postgres://db/app?schema=loans");
        assert_eq!(other.schema.as_deref(), Some("loans"));
    }

    #[test]
    fn unknown_and_unsupported_parameters_are_named() {
        let message = refused("postgres://db/app?conection_limit=5");
        assert!(message.contains("\"conection_limit\""), "{message}");
        assert!(refused("postgres://db/app?sslidentity=/id.p12").contains("sslidentity"));
        assert!(refused("postgres://db/app?sslcert=/c.pem&sslkey=/k.pem").contains("sslkey"));
        assert!(refused("postgres://db/app?connection_limit=0").contains("connection_limit=0"));
        assert!(refused("postgres://db/app?pool_timeout=soon").contains("pool_timeout"));
        assert!(refused("postgres://db/app?pgbouncer=yes").contains("pgbouncer=yes"));
        assert!(refused("mysql://db/app").contains("postgres://"));
        assert!(refused("not a url").contains("not a valid URL"));
    }
}

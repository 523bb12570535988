//! One typed `Config`, read from environment variables (and an optional `.env`, loaded by the
//! binary before this runs) and validated at start. A missing or malformed value is a
//! [`ConfigError`] naming the variable and what is expected; secret values never appear in
//! errors or in `Debug` output.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::db::url::{ConnectionUrl, Target};

/// The minimum length of `JWT_SECRET`, in bytes.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// `APP_ENV`: development is forgiving and self-configuring, production is strict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

impl AppEnv {
    pub fn is_production(self) -> bool {
        self == AppEnv::Production
    }
}

/// A value that must not be printed: `Debug` and `Display` show a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The whole configuration of the service.
#[derive(Debug, Clone)]
pub struct Config {
    pub env: AppEnv,
    pub database: DatabaseConfig,
    pub http: HttpConfig,
    pub auth: AuthConfig,
    pub limits: Limits,
    pub storage: StorageConfig,
    pub retention: RetentionConfig,
}

/// How long rows that only record the past are kept (the daily retention job, `src/jobs.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionConfig {
    /// `RETAIN_LOGIN_HISTORY_DAYS` (365): older login attempts are deleted; 0 keeps them all.
    pub login_history_days: u32,
    /// `RETAIN_AUDIT_DAYS` (0: the audit trail is kept forever).
    pub audit_days: u32,
}

/// Where documents and backups are stored.
#[derive(Debug, Clone, Default)]
pub struct StorageConfig {
    /// `STORAGE_URL`: `s3://bucket/prefix` or `file:///path`; `None` is `DATA_DIR/files`.
    pub url: Option<String>,
    /// The S3 settings of the usual AWS variables (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, …), by their lower-case names.
    pub s3_options: Vec<(String, Secret)>,
}

/// The AWS variables an S3 store reads.
const AWS_VARIABLES: &[&str] = &[
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ALLOW_HTTP",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
];

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `DATABASE_URL`; `None` runs the embedded PostgreSQL under `data_dir`.
    pub url: Option<Target>,
    /// `DIRECT_URL`: a connection that bypasses a pooler, for migrations.
    pub direct_url: Option<Target>,
    /// `DATABASE_READ_URL`: a streaming replica for reports and exports.
    pub read_url: Option<Target>,
    /// `pgbouncer=true` in `DATABASE_URL`: a transaction-mode pooler is in the way.
    pub pooler: bool,
    /// `DATA_DIR`: the embedded cluster, generated secrets, local files.
    pub data_dir: PathBuf,
    /// `POSTGRES_BIN_DIR`: where `initdb` and `postgres` are, when discovery is not enough.
    pub postgres_bin_dir: Option<PathBuf>,
    /// `DB_POOL_SIZE`.
    pub pool_size: usize,
    /// `DB_ACQUIRE_TIMEOUT_MS`: how long a request waits for a connection.
    pub acquire_timeout: Duration,
    /// `DB_STATEMENT_TIMEOUT_MS`: the server-side limit on one SQL statement.
    pub statement_timeout: Duration,
    /// `SLOW_STATEMENT_MS`: a statement that takes this long or longer is logged at WARN.
    pub slow_statement: Duration,
    /// `schema` of `DATABASE_URL` (the original system's parameter), when not `public`.
    pub schema: Option<String>,
    /// `statement_cache_size=0` in `DATABASE_URL`: no prepared statements kept.
    pub no_statement_cache: bool,
    /// What `DATABASE_URL` and `DIRECT_URL`'s Prisma-only parameters became, a line each,
    /// logged at start.
    pub url_warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// `HOST`.
    pub host: IpAddr,
    /// `PORT`.
    pub port: u16,
    /// `CORS_ORIGIN`: comma-separated origins allowed to call the API from a browser.
    pub cors_origins: Vec<String>,
    /// `TRUST_PROXY`: take the client address from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// `TRUSTED_PROXY_HOPS`: how many proxies in front of the service append to
    /// `X-Forwarded-For`; the client is that many entries from the right.
    pub trusted_proxy_hops: usize,
    /// `REQUEST_TIMEOUT_MS`: the longest a request may take before it is answered 503.
    pub request_timeout: Duration,
    pub rate_limits: RateLimits,
    /// `METRICS_TOKEN`: the bearer token `GET /metrics` requires; without one, `/metrics`
    /// answers local clients only.
    pub metrics_token: Option<Secret>,
}

/// The shortest `METRICS_TOKEN`, in bytes.
pub const MIN_METRICS_TOKEN_BYTES: usize = 16;

/// Requests a client address may make per minute (SPEC 7); `None` turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `RATE_LIMIT_PER_MINUTE`: any request but `/health` and `/metrics` (a batch counts once).
    pub general: Option<u32>,
    /// `RATE_LIMIT_SENSITIVE_PER_MINUTE`: sensitive operations per address and account.
    pub sensitive_per_account: Option<u32>,
    /// `RATE_LIMIT_SENSITIVE_PER_ADDRESS_PER_MINUTE`: sensitive operations per address, all
    /// accounts together (a branch office shares one address).
    pub sensitive_per_address: Option<u32>,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            general: Some(600),
            sensitive_per_account: Some(10),
            sensitive_per_address: Some(100),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// `JWT_SECRET`; in development a missing secret is generated and kept under `DATA_DIR`.
    pub jwt_secret: Option<Secret>,
    /// `ADMIN_EMAIL` and `ADMIN_PASSWORD`: the first administrator, created on an empty database.
    pub bootstrap_admin: Option<BootstrapAdmin>,
    /// `PASSWORD_HASHING_CONCURRENCY`: password hashes computed at once.
    pub hashing_concurrency: usize,
}

#[derive(Debug, Clone)]
pub struct BootstrapAdmin {
    pub email: String,
    pub password: Secret,
}

/// Limits on what one request may ask for (SPEC 7).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `MAX_QUERY_DEPTH`.
    pub query_depth: usize,
    /// `MAX_QUERY_COMPLEXITY`.
    pub query_complexity: usize,
    /// `MAX_BATCH_SIZE`: operations in one batched request.
    pub batch_size: usize,
    /// `MAX_PAGE_SIZE`: the largest `first` of a connection.
    pub page_size: usize,
    /// `MAX_BODY_BYTES`: a JSON request body.
    pub body_bytes: usize,
    /// `MAX_QUERY_TOKENS`: lexical tokens of a request's documents, checked before parsing.
    pub query_tokens: usize,
    /// `MAX_QUERY_NODES`: selections of a request once fragments are expanded.
    pub query_nodes: usize,
    /// `MAX_QUERY_ALIASES`: aliased fields of a request once fragments are expanded.
    pub query_aliases: usize,
    /// `MAX_UPLOAD_BYTES`: one uploaded file.
    pub upload_bytes: usize,
    /// `MAX_UPLOAD_FILES`: files in one request.
    pub upload_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            query_depth: 12,
            query_complexity: 5_000,
            batch_size: 20,
            page_size: 500,
            body_bytes: 1024 * 1024,
            query_tokens: 10_000,
            query_nodes: 10_000,
            query_aliases: 50,
            upload_bytes: 5 * 1024 * 1024,
            upload_files: 5,
        }
    }
}

/// A configuration variable that is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration error: {variable} {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self {
            variable,
            problem: problem.into(),
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup`, so that tests can supply their own.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(&lookup);
        let env = match vars.get("APP_ENV").as_deref() {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some(other) => {
                return Err(ConfigError::new(
                    "APP_ENV",
                    format!("must be \"development\" or \"production\", not {other:?}"),
                ));
            }
        };
        let production = env.is_production();

        let url = vars.secret("DATABASE_URL");
        if production && url.is_none() {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "is required in production (a postgres:// URL)",
            ));
        }
        let url = url
            .map(|url| read_postgres_url("DATABASE_URL", &url))
            .transpose()?;
        let direct = vars
            .secret("DIRECT_URL")
            .map(|url| read_postgres_url("DIRECT_URL", &url))
            .transpose()?;
        let read_url = vars
            .secret("DATABASE_READ_URL")
            .map(|url| read_postgres_url("DATABASE_READ_URL", &url))
            .transpose()?;
        let mut url_warnings = Vec::new();
        for (variable, read) in [
            ("DATABASE_URL", &url),
            ("DIRECT_URL", &direct),
            ("DATABASE_READ_URL", &read_url),
        ] {
            if let Some(read) = read {
                url_warnings.extend(
                    read.warnings
                        .iter()
                        .map(|line| format!("{variable}: {line}")),
                );
            }
        }
        let pool_size_default = url.as_ref().and_then(|url| url.pool_size).unwrap_or(10);
        let acquire_default = url
            .as_ref()
            .and_then(|url| url.acquire_timeout)
            .map_or(5_000, |timeout| {
                u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX)
            });
        let database = DatabaseConfig {
            schema: url.as_ref().and_then(|url| url.schema.clone()),
            no_statement_cache: url.as_ref().is_some_and(|url| url.no_statement_cache),
            url_warnings,
            pooler: url.as_ref().is_some_and(|url| url.pgbouncer),
            url: url.as_ref().map(ConnectionUrl::target),
            direct_url: direct.as_ref().map(ConnectionUrl::target),
            read_url: read_url.as_ref().map(ConnectionUrl::target),
            data_dir: vars
                .get("DATA_DIR")
                .map_or_else(|| PathBuf::from("./data"), PathBuf::from),
            postgres_bin_dir: vars.get("POSTGRES_BIN_DIR").map(PathBuf::from),
            pool_size: vars.parse_in(
                "DB_POOL_SIZE",
                pool_size_default,
                1..=1000,
                "a pool size from 1 to 1000",
            )?,
            acquire_timeout: Duration::from_millis(vars.parse_in(
                "DB_ACQUIRE_TIMEOUT_MS",
                acquire_default,
                1..=600_000,
                "milliseconds from 1 to 600000",
            )?),
            statement_timeout: Duration::from_millis(vars.parse_in(
                "DB_STATEMENT_TIMEOUT_MS",
                10_000,
                1..=3_600_000,
                "milliseconds from 1 to 3600000",
            )?),
            slow_statement: Duration::from_millis(vars.parse_in(
                "SLOW_STATEMENT_MS",
                100,
                0..=3_600_000,
                "milliseconds from 0 (log every statement) to 3600000",
            )?),
        };

        let default_host = if production {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        };
        let http = HttpConfig {
            host: vars.parse(
                "HOST",
                default_host,
                "an IP address such as 0.0.0.0 or 127.0.0.1",
            )?,
            port: vars.parse_in("PORT", 4000, 1..=65535, "a port number from 1 to 65535")?,
            cors_origins: parse_origins(vars.get("CORS_ORIGIN").as_deref())?,
            trust_proxy: vars.parse("TRUST_PROXY", false, "true or false")?,
            trusted_proxy_hops: vars.parse_in(
                "TRUSTED_PROXY_HOPS",
                1,
                1..=16,
                "a number of proxies from 1 to 16",
            )?,
            request_timeout: Duration::from_millis(vars.parse_in(
                "REQUEST_TIMEOUT_MS",
                30_000,
                1..=3_600_000,
                "milliseconds from 1 to 3600000",
            )?),
            rate_limits: {
                let defaults = RateLimits::default();
                let per_minute = |name: &'static str, default: Option<u32>| {
                    vars.parse_in(
                        name,
                        default.unwrap_or(0),
                        0..=1_000_000,
                        "requests per minute from 0 (no limit) to 1000000",
                    )
                    .map(|limit| (limit > 0).then_some(limit))
                };
                RateLimits {
                    general: per_minute("RATE_LIMIT_PER_MINUTE", defaults.general)?,
                    sensitive_per_account: per_minute(
                        "RATE_LIMIT_SENSITIVE_PER_MINUTE",
                        defaults.sensitive_per_account,
                    )?,
                    sensitive_per_address: per_minute(
                        "RATE_LIMIT_SENSITIVE_PER_ADDRESS_PER_MINUTE",
                        defaults.sensitive_per_address,
                    )?,
                }
            },
            metrics_token: match vars.secret("METRICS_TOKEN") {
                Some(token) if token.expose().len() < MIN_METRICS_TOKEN_BYTES => {
                    return Err(ConfigError::new(
                        "METRICS_TOKEN",
                        "must be at least 16 bytes long",
                    ));
                }
                token => token,
            },
        };

        let jwt_secret = vars.secret("JWT_SECRET");
        match &jwt_secret {
            None if production => {
                return Err(ConfigError::new(
                    "JWT_SECRET",
                    "is required in production (at least 32 bytes of random text)",
                ));
            }
            Some(secret) if secret.expose().len() < MIN_JWT_SECRET_BYTES => {
                return Err(ConfigError::new(
                    "JWT_SECRET",
                    "must be at least 32 bytes long",
                ));
            }
            _ => {}
        }
        // ADMIN_PASSWORD alone is what `millennium admin create` reads; ADMIN_EMAIL alone is
        // a mistake.
        let bootstrap_admin = match (vars.get("ADMIN_EMAIL"), vars.secret("ADMIN_PASSWORD")) {
            (Some(email), Some(password)) => Some(BootstrapAdmin { email, password }),
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "ADMIN_PASSWORD",
                    "is required when ADMIN_EMAIL is set",
                ));
            }
            (None, _) => None,
        };
        let auth = AuthConfig {
            jwt_secret,
            bootstrap_admin,
            hashing_concurrency: vars.parse_in(
                "PASSWORD_HASHING_CONCURRENCY",
                std::thread::available_parallelism().map_or(2, usize::from),
                1..=256,
                "a number from 1 to 256",
            )?,
        };

        let defaults = Limits::default();
        let limits = Limits {
            query_depth: vars.parse_in(
                "MAX_QUERY_DEPTH",
                defaults.query_depth,
                1..=100,
                "a depth from 1 to 100",
            )?,
            query_complexity: vars.parse_in(
                "MAX_QUERY_COMPLEXITY",
                defaults.query_complexity,
                1..=10_000_000,
                "a number from 1 to 10000000",
            )?,
            batch_size: vars.parse_in(
                "MAX_BATCH_SIZE",
                defaults.batch_size,
                1..=1000,
                "a number from 1 to 1000",
            )?,
            page_size: vars.parse_in(
                "MAX_PAGE_SIZE",
                defaults.page_size,
                1..=10_000,
                "a number from 1 to 10000",
            )?,
            body_bytes: vars.parse_in(
                "MAX_BODY_BYTES",
                defaults.body_bytes,
                1024..=(64 * 1024 * 1024),
                "a size in bytes from 1024 to 67108864",
            )?,
            query_tokens: vars.parse_in(
                "MAX_QUERY_TOKENS",
                defaults.query_tokens,
                100..=1_000_000,
                "a number from 100 to 1000000",
            )?,
            query_nodes: vars.parse_in(
                "MAX_QUERY_NODES",
                defaults.query_nodes,
                10..=1_000_000,
                "a number from 10 to 1000000",
            )?,
            query_aliases: vars.parse_in(
                "MAX_QUERY_ALIASES",
                defaults.query_aliases,
                0..=100_000,
                "a number from 0 to 100000",
            )?,
            upload_bytes: vars.parse_in(
                "MAX_UPLOAD_BYTES",
                defaults.upload_bytes,
                1024..=(1024 * 1024 * 1024),
                "a size in bytes from 1024 to 1073741824",
            )?,
            upload_files: vars.parse_in(
                "MAX_UPLOAD_FILES",
                defaults.upload_files,
                1..=100,
                "a number from 1 to 100",
            )?,
        };

        let storage_url = vars.get("STORAGE_URL");
        if let Some(url) = &storage_url
            && !["s3://", "s3a://", "file://"]
                .iter()
                .any(|scheme| url.starts_with(scheme))
        {
            return Err(ConfigError::new(
                "STORAGE_URL",
                format!("must be s3://bucket/prefix or file:///path, not {url:?}"),
            ));
        }
        let storage = StorageConfig {
            url: storage_url,
            s3_options: AWS_VARIABLES
                .iter()
                .filter_map(|name| Some((name.to_ascii_lowercase(), vars.secret(name)?)))
                .collect(),
        };

        let retention = RetentionConfig {
            login_history_days: vars.parse_in(
                "RETAIN_LOGIN_HISTORY_DAYS",
                365,
                0..=36_500,
                "days from 0 (keep forever) to 36500",
            )?,
            audit_days: vars.parse_in(
                "RETAIN_AUDIT_DAYS",
                0,
                0..=36_500,
                "days from 0 (keep forever) to 36500",
            )?,
        };

        Ok(Config {
            env,
            database,
            http,
            auth,
            limits,
            storage,
            retention,
        })
    }
}

struct Vars<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Vars<'_> {
    /// A set, non-blank variable, trimmed.
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    fn secret(&self, name: &str) -> Option<Secret> {
        self.get(name).map(Secret)
    }

    fn parse<T: FromStr>(
        &self,
        name: &'static str,
        default: T,
        expected: &str,
    ) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse()
                .map_err(|_| ConfigError::new(name, format!("must be {expected}, not {raw:?}"))),
        }
    }

    fn parse_in<T>(
        &self,
        name: &'static str,
        default: T,
        range: std::ops::RangeInclusive<T>,
        expected: &str,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display,
    {
        let value = self.parse(name, default, expected)?;
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::new(
                name,
                format!("must be {expected}, not {value}"),
            ))
        }
    }
}

/// Reads a connection URL (see [`crate::db::url`]); its error names the variable, never the
/// URL (it holds a password).
fn read_postgres_url(variable: &'static str, url: &Secret) -> Result<ConnectionUrl, ConfigError> {
    ConnectionUrl::parse(url.expose()).map_err(|err| ConfigError::new(variable, err.0))
}

fn parse_origins(raw: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let origin = origin.trim_end_matches('/');
            let valid = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.contains(char::is_whitespace)
                && origin.is_ascii();
            if valid {
                Ok(origin.to_owned())
            } else {
                Err(ConfigError::new(
                    "CORS_ORIGIN",
                    format!(
                        "must be a comma-separated list of origins such as https://app.example.org, not {origin:?}"
                    ),
                ))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn development_needs_nothing() {
        let config = config(&[]).expect("defaults are valid");
        assert_eq!(config.env, AppEnv::Development);
        assert!(config.database.url.is_none());
        assert_eq!(config.database.data_dir, PathBuf::from("./data"));
        assert_eq!(config.http.port, 4000);
        assert_eq!(config.limits.batch_size, 20);
        assert_eq!(config.database.statement_timeout, Duration::from_secs(10));
    }

    #[test]
    fn production_requires_a_database_and_a_long_secret() {
        let err = config(&[("APP_ENV", "production")]).expect_err("must fail");
        assert_eq!(err.variable, "DATABASE_URL");

        let err = config(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://db/app"),
        ])
        .expect_err("must fail");
        assert_eq!(err.variable, "JWT_SECRET");

        let err = config(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://db/app"),
            ("JWT_SECRET", "too-short-secret"),
        ])
        .expect_err("must fail");
        assert_eq!(err.variable, "JWT_SECRET");
        assert!(!err.to_string().contains("too-short-secret"));

        let ok = config(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://db/app"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ])
        .expect("valid");
        assert_eq!(ok.http.host, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }

    #[test]
    fn the_original_systems_url_parameters_map_unless_set_directly() {
        let url = "postgresql://app:pw@db/app?schema=ledger&connection_limit=4&pool_timeout=20\
                   &statement_cache_size=0";
        let read = config(&[
            ("DATABASE_URL", url),
            (
                "DIRECT_URL",
                "postgres://app:pw@db:5432/app?connection_limit=1",
            ),
        ])
        .expect("valid");
        assert_eq!(read.database.pool_size, 4);
        assert_eq!(read.database.acquire_timeout, Duration::from_secs(20));
        assert_eq!(read.database.schema.as_deref(), Some("ledger"));
        assert!(read.database.no_statement_cache);
        assert_eq!(
            read.database.url.as_ref().map(|target| target.url.expose()),
            Some("postgresql://app:pw@db/app?sslmode=prefer")
        );
        assert_eq!(
            read.database.url_warnings.len(),
            5,
            "{:#?}",
            read.database.url_warnings
        );
        assert!(read.database.url_warnings[4].starts_with("DIRECT_URL: "));

        let direct = config(&[
            ("DATABASE_URL", url),
            ("DB_POOL_SIZE", "12"),
            ("DB_ACQUIRE_TIMEOUT_MS", "900"),
        ])
        .expect("valid");
        assert_eq!(direct.database.pool_size, 12);
        assert_eq!(direct.database.acquire_timeout, Duration::from_millis(900));

        let err = config(&[("DATABASE_URL", "postgres://app:hunter2@db/app?poolsize=3")])
            .expect_err("an unknown parameter");
        assert_eq!(err.variable, "DATABASE_URL");
        assert!(err.to_string().contains("\"poolsize\""), "{err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn malformed_values_name_the_variable_and_the_expectation() {
        let err = config(&[("PORT", "eighty")]).expect_err("must fail");
        assert_eq!(
            err.to_string(),
            "configuration error: PORT must be a port number from 1 to 65535, not \"eighty\""
        );
        let err = config(&[("PORT", "0")]).expect_err("must fail");
        assert_eq!(err.variable, "PORT");
        let err = config(&[("APP_ENV", "staging")]).expect_err("must fail");
        assert_eq!(err.variable, "APP_ENV");
        let err = config(&[("DB_POOL_SIZE", "-3")]).expect_err("must fail");
        assert_eq!(err.variable, "DB_POOL_SIZE");
        let err = config(&[("CORS_ORIGIN", "localhost:3000")]).expect_err("must fail");
        assert_eq!(err.variable, "CORS_ORIGIN");
    }

    #[test]
    fn secrets_never_appear_in_errors_or_debug_output() {
        let err =
            config(&[("DATABASE_URL", "mysql://user:hunter2@db/app")]).expect_err("must fail");
        assert!(!err.to_string().contains("hunter2"));

        let config = config(&[
            ("DATABASE_URL", "postgres://user:hunter2@db/app"),
            ("JWT_SECRET", "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t"),
            ("ADMIN_EMAIL", "boss@example.org"),
            ("ADMIN_PASSWORD", "Sup3rSecret!"),
        ])
        .expect("valid");
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2"));
        assert!(!debug.contains("s3cr3t"));
        assert!(!debug.contains("Sup3rSecret"));
    }

    #[test]
    fn rate_limits_default_to_the_spec_and_zero_turns_one_off() {
        let defaults = config(&[]).expect("valid");
        assert_eq!(defaults.http.rate_limits, RateLimits::default());
        assert_eq!(defaults.http.trusted_proxy_hops, 1);
        assert_eq!(defaults.http.request_timeout, Duration::from_secs(30));
        let off = config(&[
            ("RATE_LIMIT_PER_MINUTE", "0"),
            ("RATE_LIMIT_SENSITIVE_PER_MINUTE", "3"),
        ])
        .expect("valid");
        assert_eq!(off.http.rate_limits.general, None);
        assert_eq!(off.http.rate_limits.sensitive_per_account, Some(3));
        let err = config(&[("TRUSTED_PROXY_HOPS", "0")]).expect_err("must fail");
        assert_eq!(err.variable, "TRUSTED_PROXY_HOPS");
        let err = config(&[("RATE_LIMIT_PER_MINUTE", "-1")]).expect_err("must fail");
        assert_eq!(err.variable, "RATE_LIMIT_PER_MINUTE");
    }

    #[test]
    fn slow_statements_and_the_metrics_token() {
        let defaults = config(&[]).expect("valid");
        assert_eq!(defaults.database.slow_statement, Duration::from_millis(100));
        assert!(defaults.http.metrics_token.is_none());
        let set = config(&[
            ("SLOW_STATEMENT_MS", "0"),
            ("METRICS_TOKEN", "scrape-me-0123456789"),
        ])
        .expect("valid");
        assert_eq!(set.database.slow_statement, Duration::ZERO);
        assert_eq!(
            set.http.metrics_token.as_ref().map(Secret::expose),
            Some("scrape-me-0123456789")
        );
        assert!(!format!("{set:?}").contains("scrape-me"));
        let err = config(&[("METRICS_TOKEN", "short-token")]).expect_err("must fail");
        assert_eq!(err.variable, "METRICS_TOKEN");
        assert!(!err.to_string().contains("short-token"));
        let err = config(&[("SLOW_STATEMENT_MS", "-5")]).expect_err("must fail");
        assert_eq!(err.variable, "SLOW_STATEMENT_MS");
    }

    #[test]
    fn admin_email_and_password_come_together() {
        let err = config(&[("ADMIN_EMAIL", "boss@example.org")]).expect_err("must fail");
        assert_eq!(err.variable, "ADMIN_PASSWORD");
    }

    #[test]
    fn cors_origins_are_a_trimmed_list() {
        let config = config(&[(
            "CORS_ORIGIN",
            "https://a.example.org/, http://localhost:5173",
        )])
        .expect("valid");
        assert_eq!(
            config.http.cors_origins,
            vec!["https://a.example.org", "http://localhost:5173"]
        );
    }
}

//! Where and how the service connects: a URL read by [`ConnectionUrl`] and the TLS it asks for,
//! made with rustls. Every connection — the pool's, the migrations', the direct sessions of a
//! restore — is opened here, so all of them honour `sslmode` and `sslrootcert` alike:
//!
//! | `sslmode`     | TLS                        | certificate checked                        |
//! |---------------|----------------------------|--------------------------------------------|
//! | `disable`     | never                      | —                                          |
//! | `prefer`      | when the server offers it  | no                                         |
//! | `require`     | always                     | no; against `sslrootcert` when one is given |
//! | `verify-ca`   | always                     | signed by an authority of `sslrootcert`    |
//! | `verify-full` | always                     | as `verify-ca`, and names the host         |
//!
//! The authorities are the certificates of the `sslrootcert` file, or the system's trusted
//! roots for `sslrootcert=system` or when a verifying mode names none.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::url::{ConnectionUrl, RootCerts, SslMode, Target, Tls};
use crate::config::Secret;

/// A database the service connects to: the driver's URL and the TLS to reach it with.
#[derive(Clone)]
pub struct Endpoint {
    url: Secret,
    config: tokio_postgres::Config,
    tls: MakeRustlsConnect,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").finish_non_exhaustive()
    }
}

/// A connection's background half, which the caller spawns (or hands to diesel-async).
pub type Connection =
    tokio_postgres::Connection<Socket, <MakeRustlsConnect as MakeTlsConnect<Socket>>::Stream>;

impl Endpoint {
    /// An endpoint for `target`. Reads the authorities' certificates now, so that a missing
    /// or empty `sslrootcert` stops the server at start rather than failing every connection.
    pub fn new(target: &Target) -> anyhow::Result<Self> {
        let config = tokio_postgres::Config::from_str(target.url.expose())
            .map_err(|err| anyhow::anyhow!("the connection URL is not usable: {err}"))?;
        Ok(Self {
            url: target.url.clone(),
            config,
            tls: MakeRustlsConnect::new(client_config(&target.tls)?),
        })
    }

    /// Reads a whole connection URL, Prisma's parameters included (their warnings dropped).
    pub fn parse(url: &Secret) -> anyhow::Result<Self> {
        let read = ConnectionUrl::parse(url.expose())
            .map_err(|err| anyhow::anyhow!("the connection URL {err}"))?;
        Self::new(&read.target())
    }

    /// The driver's URL (with the password: keep it out of logs).
    pub fn url(&self) -> &Secret {
        &self.url
    }

    /// A new session; the caller drives its [`Connection`].
    pub async fn connect(&self) -> Result<(Client, Connection), tokio_postgres::Error> {
        self.config.connect(self.tls.clone()).await
    }

    /// A new diesel connection. A refusal's message carries its causes: the driver's own says
    /// only "error performing TLS handshake", the cause says which check failed.
    pub async fn establish(&self) -> Result<AsyncPgConnection, ConnectionError> {
        let (client, connection) = self
            .connect()
            .await
            .map_err(|err| ConnectionError::BadConnection(with_causes(&err)))?;
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    }

    /// A new diesel connection through a transaction-mode pooler. diesel-async sets the time
    /// zone and the encoding with prepared statements as it connects; outside a transaction
    /// the pooler could bind them on another server connection than the one that parsed them,
    /// so here they run inside one (the settings outlive it: the pooler tracks both and applies
    /// them to whichever server connection serves this client).
    pub async fn establish_behind_pooler(&self) -> Result<AsyncPgConnection, ConnectionError> {
        use diesel_async::SimpleAsyncConnection;
        let (client, connection) = self
            .connect()
            .await
            .map_err(|err| ConnectionError::BadConnection(with_causes(&err)))?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::warn!(error = %with_causes(&err), "a pooled database connection ended");
            }
        });
        client
            .batch_execute("BEGIN")
            .await
            .map_err(|err| ConnectionError::BadConnection(with_causes(&err)))?;
        let mut conn = AsyncPgConnection::try_from(client).await?;
        conn.batch_execute(POOLER_COMMIT)
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
        Ok(conn)
    }
}

/// What ends every transaction behind a transaction-mode pooler: the driver's prepared
/// statements are dropped before the server connection goes back to the pooler's other clients.
pub const POOLER_COMMIT: &str = "DEALLOCATE ALL; COMMIT";

/// Where every transaction behind a transaction-mode pooler starts: a failed statement leaves
/// the transaction aborted, where PostgreSQL accepts no `DEALLOCATE`; rolling back to this
/// savepoint first lets the prepared statements be dropped on the same server connection.
pub const POOLER_SAVEPOINT: &str = "SAVEPOINT millennium_pooler";

/// What undoes a failed statement behind a transaction-mode pooler before the transaction's
/// `ROLLBACK` (see [`POOLER_SAVEPOINT`]).
pub const POOLER_UNDO: &str = "ROLLBACK TO SAVEPOINT millennium_pooler; DEALLOCATE ALL";

/// `err` and each error that caused it, joined by `: `; a certificate this module refused is
/// given by its reason alone (rustls would show it as a debug dump).
fn with_causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        let line = refusal_in(inner).unwrap_or_else(|| inner.to_string());
        if !text.ends_with(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        cause = inner.source();
    }
    text
}

/// The [`Refusal`] inside a TLS error (carried by an I/O error), if that is what `err` is.
fn refusal_in(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let tls = err.downcast_ref::<std::io::Error>()?.get_ref()?;
    match tls.downcast_ref::<rustls::Error>()? {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => other
            .0
            .downcast_ref::<Refusal>()
            .map(|refusal| format!("invalid peer certificate: {refusal}")),
        _ => None,
    }
}

/// The rustls configuration for `tls`. The cryptography is *ring*'s, named explicitly so that
/// no process-wide default has to be installed first.
fn client_config(tls: &Tls) -> anyhow::Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = match (&tls.root_certs, tls.mode) {
        (Some(roots), _) => Some(roots.clone()),
        (None, SslMode::VerifyCa | SslMode::VerifyFull) => Some(RootCerts::System),
        (None, _) => None,
    };
    let verifier: Arc<dyn ServerCertVerifier> = match (roots, tls.mode) {
        (_, SslMode::Disable | SslMode::Prefer) | (None, _) => Arc::new(Unverified {
            algorithms: provider.signature_verification_algorithms,
        }),
        (Some(roots), mode) => {
            let store = Arc::new(root_store(&roots)?);
            let inner = WebPkiServerVerifier::builder_with_provider(store, provider.clone())
                .build()
                .map_err(|err| anyhow::anyhow!("cannot use the authorities: {err}"))?;
            Arc::new(Verified {
                inner,
                check_name: mode == SslMode::VerifyFull,
                roots: describe(&roots),
            })
        }
    };
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| anyhow::anyhow!("TLS is not available: {err}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn describe(roots: &RootCerts) -> String {
    match roots {
        RootCerts::File(path) => format!("sslrootcert {}", path.display()),
        RootCerts::System => "the system's trusted roots".to_owned(),
    }
}

fn root_store(roots: &RootCerts) -> anyhow::Result<RootCertStore> {
    let certificates = match roots {
        RootCerts::File(path) => read_pem(path)?,
        RootCerts::System => {
            let found = rustls_native_certs::load_native_certs();
            if found.certs.is_empty() {
                let errors: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
                anyhow::bail!(
                    "sslrootcert=system: no trusted root certificate was found on this system ({})",
                    errors.join("; ")
                );
            }
            found.certs
        }
    };
    let mut store = RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(certificates);
    if added == 0 {
        anyhow::bail!("{} holds no usable certificate", describe(roots));
    }
    Ok(store)
}

fn read_pem(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let unreadable = |err: &dyn std::fmt::Display| {
        anyhow::anyhow!("cannot read sslrootcert {}: {err}", path.display())
    };
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|err| unreadable(&err))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| unreadable(&err))?;
    if certificates.is_empty() {
        return Err(unreadable(&"no PEM certificate in it"));
    }
    Ok(certificates)
}

/// Checks the server's certificate against the authorities, and its name when `check_name`;
/// a refusal says in words which check failed.
#[derive(Debug)]
struct Verified {
    inner: Arc<WebPkiServerVerifier>,
    check_name: bool,
    roots: String,
}

impl ServerCertVerifier for Verified {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the chain before the name, so a name error means the chain is good.
        let refusal = match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(refusal)) => refusal,
            outcome => return outcome,
        };
        let because = match refusal {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
                if !self.check_name =>
            {
                return Ok(ServerCertVerified::assertion());
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!(
                    "the database server's certificate does not name the host {} \
                     (sslmode=verify-full checks the name; connect by a name the certificate \
                     lists)",
                    server_name.to_str()
                )
            }
            CertificateError::UnknownIssuer => format!(
                "the database server's certificate is not signed by an authority in {}",
                self.roots
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the database server's certificate has expired".to_owned()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the database server's certificate is not valid yet".to_owned()
            }
            other => return Err(rustls::Error::InvalidCertificate(other)),
        };
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            rustls::OtherError(Arc::new(Refusal(because))),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refusal(String);

/// `prefer` and `require` without authorities: encrypted, with the handshake's signatures
/// checked, but any certificate accepted (libpq's behaviour for these modes).
#[derive(Debug)]
struct Unverified {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

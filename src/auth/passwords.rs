//! Password hashing with Argon2id (19 MiB, 2 iterations, 1 lane), off the async threads and
//! behind a semaphore so that a burst of logins cannot starve the server of CPU or memory.
//! Passwords longer than [`MAX_PASSWORD_BYTES`] are refused before any hashing.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{OnceCell, Semaphore};

use crate::config::Secret;

/// Argon2id parameters of SPEC 7.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

/// The longest password that is ever hashed or checked, in bytes. Longer input is refused
/// before any work, so that nobody can make the server hash megabytes.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Why hashing or checking a password did not give an answer.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The input is longer than [`MAX_PASSWORD_BYTES`]; nothing was hashed.
    #[error("the password is longer than {MAX_PASSWORD_BYTES} bytes")]
    TooLong,
    /// The hasher failed or its worker could not run.
    #[error("password hashing failed: {0}")]
    Failed(String),
}

pub type PasswordResult<T> = Result<T, PasswordError>;

#[derive(Debug, Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when the email is unknown so that the
    /// answer takes as long as for a known one.
    decoy: Arc<OnceCell<String>>,
}

fn argon2() -> Argon2<'static> {
    // The constants are within Argon2's bounds; `Params::new` cannot fail for them.
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl Passwords {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            decoy: Arc::new(OnceCell::new()),
        }
    }

    /// The PHC string of a new hash of `password`.
    pub async fn hash(&self, password: &Secret) -> PasswordResult<String> {
        check_length(password)?;
        let password = password.clone();
        self.run_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|err| PasswordError::Failed(err.to_string()))
        })
        .await
    }

    /// Whether `password` matches `stored`. With no stored hash (unknown email) a decoy hash is
    /// checked instead and the answer is `false`, in about the same time.
    pub async fn verify(&self, password: &Secret, stored: Option<&str>) -> PasswordResult<bool> {
        check_length(password)?;
        let (hash, known) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (self.decoy_hash().await?, false),
        };
        let password = password.clone();
        let matches = self
            .run_blocking(move || {
                let parsed = match PasswordHash::new(&hash) {
                    Ok(parsed) => parsed,
                    Err(err) => {
                        tracing::error!(error = %err, "a stored password hash is malformed");
                        return Ok(false);
                    }
                };
                Ok(argon2()
                    .verify_password(password.expose().as_bytes(), &parsed)
                    .is_ok())
            })
            .await?;
        Ok(known && matches)
    }

    /// Prepares the decoy hash ahead of the first unknown email, so that even that first answer
    /// takes no longer than a wrong password.
    pub async fn warm_up(&self) -> PasswordResult<()> {
        self.decoy_hash().await.map(drop)
    }

    async fn decoy_hash(&self) -> PasswordResult<String> {
        self.decoy
            .get_or_try_init(|| async {
                let random = rand::random::<[u8; 16]>();
                self.hash(&Secret::new(format!("{random:x?}"))).await
            })
            .await
            .cloned()
    }

    async fn run_blocking<T, F>(&self, work: F) -> PasswordResult<T>
    where
        F: FnOnce() -> PasswordResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|err| PasswordError::Failed(err.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|err| PasswordError::Failed(err.to_string()))?
    }
}

fn check_length(password: &Secret) -> PasswordResult<()> {
    if password.expose().len() > MAX_PASSWORD_BYTES {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_the_specified_parameters() {
        let passwords = Passwords::new(2);
        let secret = Secret::new("Sunrise2026");
        let hash = passwords.hash(&secret).await.expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            passwords
                .verify(&secret, Some(&hash))
                .await
                .expect("verify")
        );
        assert!(
            !passwords
                .verify(&Secret::new("Sunrise2027"), Some(&hash))
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn overlong_passwords_are_refused_before_hashing() {
        let passwords = Passwords::new(1);
        let long = Secret::new("Aa1".repeat(400));
        assert!(matches!(
            passwords.hash(&long).await,
            Err(PasswordError::TooLong)
        ));
        let hash = passwords
            .hash(&Secret::new("Sunrise2026"))
            .await
            .expect("hash");
        assert!(matches!(
            passwords.verify(&long, Some(&hash)).await,
            Err(PasswordError::TooLong)
        ));
        assert!(matches!(
            passwords.verify(&long, None).await,
            Err(PasswordError::TooLong)
        ));
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let passwords = Passwords::new(1);
        assert!(
            !passwords
                .verify(&Secret::new("anything"), None)
                .await
                .expect("verify")
        );
        assert!(
            !passwords
                .verify(&Secret::new("x"), Some("not a hash"))
                .await
                .expect("verify")
        );
    }
}

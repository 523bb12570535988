//! Password hashing with Argon2id (19 MiB, 2 iterations, 1 lane), off the async threads and
//! behind a semaphore so that a burst of logins cannot starve the server of CPU or memory.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{OnceCell, Semaphore};

use super::error::{ServiceError, ServiceResult};
use crate::config::Secret;

/// Argon2id parameters of SPEC 7.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

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
    pub async fn hash(&self, password: &Secret) -> ServiceResult<String> {
        let password = password.clone();
        self.run_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|err| ServiceError::internal(anyhow::anyhow!("hashing failed: {err}")))
        })
        .await
    }

    /// Whether `password` matches `stored`. With no stored hash (unknown email) a decoy hash is
    /// checked instead and the answer is `false`, in about the same time.
    pub async fn verify(&self, password: &Secret, stored: Option<&str>) -> ServiceResult<bool> {
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
    pub async fn warm_up(&self) -> ServiceResult<()> {
        self.decoy_hash().await.map(drop)
    }

    async fn decoy_hash(&self) -> ServiceResult<String> {
        self.decoy
            .get_or_try_init(|| async {
                let random = rand::random::<[u8; 16]>();
                self.hash(&Secret::new(format!("{random:x?}"))).await
            })
            .await
            .cloned()
    }

    async fn run_blocking<T, F>(&self, work: F) -> ServiceResult<T>
    where
        F: FnOnce() -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(ServiceError::internal)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(ServiceError::internal)?
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

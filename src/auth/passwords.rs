//! Password hashing with Argon2id (19 MiB, 2 iterations, 1 lane), off the async threads and
//! behind a semaphore so that a burst of logins cannot starve the server of CPU or memory.
//! Passwords longer than [`MAX_PASSWORD_BYTES`] are refused before any hashing.
//!
//! Checking also accepts the bcrypt hashes of the original system (bcryptjs: `$2a$`, `$2b$`,
//! and `$2y$`), under the same semaphore; [`needs_rehash`] tells the caller to replace such a
//! hash (or an Argon2 one with other parameters) once the password is known to be right.
//!
//! A bcrypt check (60 ms at cost 10, 250 ms at 12) takes longer than an Argon2 one, which would
//! tell an unknown e-mail (checked against an Argon2 decoy) from an imported account not yet
//! upgraded. So once bcrypt hashes are being checked, every check is made to last at least as
//! long as the slowest of the recent bcrypt checks ([`Floor`]); before any, nothing waits.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{OnceCell, Semaphore};

use crate::config::Secret;

/// Argon2id parameters of SPEC 7.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

/// The highest bcrypt cost checked. The original system used 10 and 12; a stored hash above
/// this (a damaged row) would hold a hashing thread for seconds to days, so it is refused as
/// unreadable instead.
const MAX_BCRYPT_COST: u32 = 14;

/// The bcrypt variants of the original system. `$2x$` (crypt_blowfish's buggy variant) is
/// not among them: the `bcrypt` crate would check it as `$2b$`, which is not what it means.
const BCRYPT_PREFIXES: [&str; 3] = ["$2a$", "$2b$", "$2y$"];

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
    /// How long every check lasts at least, learnt from the bcrypt checks.
    floor: Arc<Mutex<Floor>>,
}

/// The shortest a password check may answer in: the longest of the last [`Floor::KEPT`]
/// bcrypt checks (so that one slow moment is forgotten), at most [`Floor::MAX`].
#[derive(Debug, Default)]
pub struct Floor {
    recent: VecDeque<Duration>,
}

impl Floor {
    const KEPT: usize = 16;
    const MAX: Duration = Duration::from_secs(2);

    /// A bcrypt check took `took`.
    pub fn record(&mut self, took: Duration) {
        if self.recent.len() == Self::KEPT {
            self.recent.pop_front();
        }
        self.recent.push_back(took.min(Self::MAX));
    }

    /// How long a check lasts at least; zero before any bcrypt check.
    pub fn get(&self) -> Duration {
        self.recent.iter().max().copied().unwrap_or_default()
    }
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
            floor: Arc::new(Mutex::new(Floor::default())),
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

    /// Whether `password` matches `stored`, an Argon2 or a bcrypt hash. With no stored hash
    /// (unknown email), or one that cannot be read (logged), a decoy hash is checked instead
    /// and the answer is `false`, in about the same time.
    pub async fn verify(&self, password: &Secret, stored: Option<&str>) -> PasswordResult<bool> {
        check_length(password)?;
        let readable = stored.filter(|hash| match Scheme::recognise(hash) {
            Ok(_) => true,
            Err(reason) => {
                tracing::error!(%reason, "a stored password hash cannot be read");
                false
            }
        });
        let (hash, known) = match readable {
            Some(hash) => (hash.to_owned(), true),
            None => (self.decoy_hash().await?, false),
        };
        let bcrypt = Scheme::recognise(&hash) == Ok(Scheme::Bcrypt);
        let password = password.clone();
        let started = Instant::now();
        let matches = self
            .run_blocking(move || Ok(matches(password.expose().as_bytes(), &hash)))
            .await?;
        let took = started.elapsed();
        let floor = {
            let mut floor = self
                .floor
                .lock()
                .map_err(|_| PasswordError::Failed("the timing floor is poisoned".into()))?;
            if bcrypt {
                floor.record(took);
            }
            floor.get()
        };
        if let Some(rest) = floor.checked_sub(took) {
            tokio::time::sleep(rest).await;
        }
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

/// Whether a stored hash should be replaced by a fresh [`Passwords::hash`] of the password
/// just proven: bcrypt always, Argon2 when its variant, version or cost differ from SPEC 7's.
/// A hash that cannot be read is never "upgraded": it never verifies in the first place.
pub fn needs_rehash(stored: &str) -> bool {
    match Scheme::recognise(stored) {
        Ok(Scheme::Bcrypt) => true,
        Ok(Scheme::Argon2) => PasswordHash::new(stored).is_ok_and(|parsed| {
            let current = parsed.algorithm == Algorithm::Argon2id.ident()
                && parsed.version == Some(Version::V0x13.into())
                && Params::try_from(&parsed).is_ok_and(|params| {
                    (params.m_cost(), params.t_cost(), params.p_cost())
                        == (MEMORY_KIB, ITERATIONS, LANES)
                });
            !current
        }),
        Err(_) => false,
    }
}

/// The kinds of stored hash that can be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// A PHC string of Argon2 (`$argon2id$…`), as [`Passwords::hash`] writes.
    Argon2,
    /// A bcrypt string of the original system, at a cost of at most [`MAX_BCRYPT_COST`].
    Bcrypt,
}

impl Scheme {
    /// Which scheme `stored` is, if it is well-formed; otherwise why it cannot be checked
    /// (never the hash itself, which may be logged).
    fn recognise(stored: &str) -> Result<Self, String> {
        if BCRYPT_PREFIXES
            .iter()
            .any(|prefix| stored.starts_with(prefix))
        {
            let parts: bcrypt::HashParts =
                stored.parse().map_err(|err| format!("bcrypt: {err}"))?;
            return match parts.get_cost() {
                cost if cost > MAX_BCRYPT_COST => Err(format!(
                    "bcrypt: cost {cost} is above the {MAX_BCRYPT_COST} this service checks"
                )),
                _ => Ok(Self::Bcrypt),
            };
        }
        let parsed = PasswordHash::new(stored).map_err(|err| format!("not a PHC string: {err}"))?;
        Algorithm::try_from(parsed.algorithm)
            .map(|_| Self::Argon2)
            .map_err(|_| format!("{} is neither Argon2 nor bcrypt", parsed.algorithm))
    }
}

/// Whether `password` matches `stored`: the slow part, for a blocking thread. A hash that
/// cannot be checked never matches.
fn matches(password: &[u8], stored: &str) -> bool {
    match Scheme::recognise(stored) {
        Ok(Scheme::Argon2) => PasswordHash::new(stored)
            .is_ok_and(|parsed| argon2().verify_password(password, &parsed).is_ok()),
        // Truncating at 72 bytes, as bcryptjs did when it wrote the hash.
        Ok(Scheme::Bcrypt) => bcrypt::verify(password, stored).unwrap_or(false),
        Err(_) => false,
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

    #[test]
    fn the_floor_is_the_slowest_recent_bcrypt_check_and_forgets_old_ones() {
        let mut floor = Floor::default();
        assert_eq!(floor.get(), Duration::ZERO, "no bcrypt check, no wait");
        floor.record(Duration::from_millis(250));
        floor.record(Duration::from_millis(60));
        assert_eq!(floor.get(), Duration::from_millis(250));
        for _ in 0..Floor::KEPT {
            floor.record(Duration::from_millis(60));
        }
        assert_eq!(
            floor.get(),
            Duration::from_millis(60),
            "one slow check is forgotten"
        );
        floor.record(Duration::from_secs(60));
        assert_eq!(floor.get(), Floor::MAX);
    }

    #[tokio::test]
    async fn after_a_bcrypt_check_an_unknown_email_waits_for_the_floor() {
        let passwords = Passwords::new(2);
        let secret = Secret::new("Palmwine*10");
        let bcrypt = bcrypt::hash("Palmwine*10", 4).expect("bcrypt");
        assert!(
            passwords
                .verify(&secret, Some(&bcrypt))
                .await
                .expect("verify")
        );
        assert!(
            passwords.floor.lock().expect("floor").get() > Duration::ZERO,
            "a bcrypt check sets the floor"
        );
        // A floor far above an Argon2 check (tens of milliseconds): the decoy check waits for it.
        let floor = Duration::from_millis(400);
        passwords.floor.lock().expect("floor").record(floor);
        let started = Instant::now();
        assert!(!passwords.verify(&secret, None).await.expect("decoy"));
        assert!(started.elapsed() >= floor);
    }

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

    /// Written by bcryptjs 2.4.3 (`$2a$`) and 3.0.3 (`$2b$`), the original system's library:
    /// (password, hash).
    const BCRYPTJS: [(&str, &str); 4] = [
        (
            "Harvest2026",
            "$2a$10$H.dru1vd8liy4Qq/FOZAHeC76hZu/Ejgq23Lybwy.eNPoGnNjzP22",
        ),
        (
            "Harvest2026",
            "$2a$12$qrboqLcyNXgQJXVvPjo7HuKs0tq5xPkf8yAHYV/6YyWfvJpN8PgTi",
        ),
        (
            "Harvest2026",
            "$2b$10$W.zhT974BqX3i7SXLDeCwOpdfsGGBq22djs.E7CCeYyqbjIPVkvbe",
        ),
        (
            "Ọjà-Ìbàdàn2026",
            "$2a$10$x7p7b2LXSeobfeJWdOmzPu9jawUGTi4IodOcRJeQUBYyer/JFXXIu",
        ),
    ];

    async fn verifies(passwords: &Passwords, password: &str, stored: &str) -> bool {
        passwords
            .verify(&Secret::new(password), Some(stored))
            .await
            .expect("verify")
    }

    #[tokio::test]
    async fn bcryptjs_hashes_of_the_original_system_verify() {
        let passwords = Passwords::new(2);
        for (password, hash) in BCRYPTJS {
            assert!(verifies(&passwords, password, hash).await, "{hash}");
            assert!(!verifies(&passwords, "Harvest2027", hash).await, "{hash}");
            assert!(needs_rehash(hash), "{hash}");
        }
        // bcryptjs reads only the first 72 bytes of a password, and so does the check.
        let long = "A".repeat(72);
        let hash = "$2a$04$X4Z5jxEIB61Eyx6MCRR09usyzLk6cPalLYvdztc/LPT41a4Hqh6ry";
        assert!(verifies(&passwords, &format!("{long}tail"), hash).await);
        assert!(verifies(&passwords, &long, hash).await);
        assert!(!verifies(&passwords, &"A".repeat(71), hash).await);
    }

    #[tokio::test]
    async fn every_accepted_bcrypt_prefix_verifies() {
        let passwords = Passwords::new(2);
        let parts = bcrypt::hash_with_result("Sunrise2026", 4).expect("bcrypt");
        for version in [
            bcrypt::Version::TwoA,
            bcrypt::Version::TwoB,
            bcrypt::Version::TwoY,
        ] {
            let hash = parts.format_for_version(version);
            assert!(verifies(&passwords, "Sunrise2026", &hash).await, "{hash}");
            assert!(!verifies(&passwords, "sunrise2026", &hash).await, "{hash}");
        }
        // `$2x$` means crypt_blowfish's old sign bug, which this check would not reproduce.
        let buggy = parts.format_for_version(bcrypt::Version::TwoX);
        assert!(!verifies(&passwords, "Sunrise2026", &buggy).await);
        assert!(!needs_rehash(&buggy));
    }

    #[tokio::test]
    async fn unreadable_hashes_verify_false_without_panicking() {
        let passwords = Passwords::new(2);
        let good = bcrypt::hash("Sunrise2026", 4).expect("bcrypt");
        let cost_31 = good.replacen("$04$", "$31$", 1);
        let cost_15 = good.replacen("$04$", "$15$", 1);
        let cases = [
            "$2b$".to_owned(),
            "$2b$10$".to_owned(),
            "$2b$10$tooshort".to_owned(),
            format!("{good}x"),
            good.replacen("$04$", "$0x$", 1),
            good.replacen("$04$", "$99$", 1),
            format!("{}!", &good[..59]),
            format!("$2b$04$a{}", "é".repeat(26)),
            cost_31,
            cost_15,
            "$argon2id$v=19$m=19456,t=2,p=1$notbase64!$".to_owned(),
            "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E".to_owned(),
            String::new(),
        ];
        for stored in &cases {
            assert!(
                !verifies(&passwords, "Sunrise2026", stored).await,
                "{stored}"
            );
            assert!(!needs_rehash(stored), "{stored}");
        }
    }

    #[tokio::test]
    async fn only_bcrypt_and_other_argon2_parameters_need_a_rehash() {
        let passwords = Passwords::new(2);
        let secret = Secret::new("Sunrise2026");
        let current = passwords.hash(&secret).await.expect("hash");
        assert!(!needs_rehash(&current));

        let salt = SaltString::generate(&mut OsRng);
        let older = [
            Argon2::new(
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(8 * 1024, 3, 1, None).expect("params"),
            ),
            Argon2::new(
                Algorithm::Argon2i,
                Version::V0x13,
                Params::new(MEMORY_KIB, ITERATIONS, LANES, None).expect("params"),
            ),
            Argon2::new(
                Algorithm::Argon2id,
                Version::V0x10,
                Params::new(MEMORY_KIB, ITERATIONS, LANES, None).expect("params"),
            ),
        ];
        for hasher in older {
            let hash = hasher
                .hash_password(secret.expose().as_bytes(), &salt)
                .expect("hash")
                .to_string();
            assert!(verifies(&passwords, "Sunrise2026", &hash).await, "{hash}");
            assert!(needs_rehash(&hash), "{hash}");
        }
        assert!(needs_rehash(
            &bcrypt::hash("Sunrise2026", 4).expect("bcrypt")
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

//! Rate limits per client address (SPEC 7), with `governor`'s keyed GCRA limiters: a general
//! budget for every request but `/health` (a batch counts once), and for sensitive operations
//! a small budget per address and account beside a larger one per address. A refusal says when
//! to try again.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::config::RateLimits;

/// How often (in checks) idle keys are dropped, so that memory follows the active clients.
const HOUSEKEEPING_EVERY: u64 = 4096;

/// A request over a limit: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds, at least one, as `Retry-After` wants them.
    pub fn seconds(self) -> u64 {
        (self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)).max(1)
    }
}

/// The limiters of one running service, shared by all its requests.
#[derive(Clone)]
pub struct Throttle(Arc<Limiters>);

struct Limiters {
    general: Option<DefaultKeyedRateLimiter<IpAddr>>,
    sensitive_per_account: Option<DefaultKeyedRateLimiter<(IpAddr, u64)>>,
    sensitive_per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Accounts are counted under a keyed hash, never under the email or token itself.
    account_hasher: RandomState,
    clock: DefaultClock,
    checks: AtomicU64,
}

fn limiter<K: Hash + Eq + Clone>(per_minute: Option<u32>) -> Option<DefaultKeyedRateLimiter<K>> {
    let per_minute = NonZeroU32::new(per_minute?)?;
    Some(DefaultKeyedRateLimiter::keyed(Quota::per_minute(
        per_minute,
    )))
}

impl Throttle {
    pub fn new(limits: &RateLimits) -> Self {
        Self(Arc::new(Limiters {
            general: limiter(limits.general),
            sensitive_per_account: limiter(limits.sensitive_per_account),
            sensitive_per_address: limiter(limits.sensitive_per_address),
            account_hasher: RandomState::new(),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }))
    }

    /// Counts one request from `address` against the general budget.
    pub fn check_request(&self, address: IpAddr) -> Result<(), RetryAfter> {
        self.housekeeping();
        check(&self.0.general, &address, &self.0.clock)
    }

    /// Counts one sensitive operation about `account` (an email, a token, a user id) from
    /// `address`, against both sensitive budgets. The account's budget is asked first, so that
    /// attempts refused for one account do not use up the address's budget for the others.
    pub fn check_sensitive(&self, address: IpAddr, account: &str) -> Result<(), RetryAfter> {
        let account = self.0.account_hasher.hash_one(account);
        check(
            &self.0.sensitive_per_account,
            &(address, account),
            &self.0.clock,
        )?;
        check(&self.0.sensitive_per_address, &address, &self.0.clock)
    }

    fn housekeeping(&self) {
        if !self
            .0
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(HOUSEKEEPING_EVERY)
        {
            return;
        }
        if let Some(limiter) = &self.0.general {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.0.sensitive_per_account {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.0.sensitive_per_address {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

fn check<K: Hash + Eq + Clone>(
    limiter: &Option<DefaultKeyedRateLimiter<K>>,
    key: &K,
    clock: &DefaultClock,
) -> Result<(), RetryAfter> {
    match limiter {
        None => Ok(()),
        Some(limiter) => limiter
            .check_key(key)
            .map_err(|not_until| RetryAfter(not_until.wait_time_from(clock.now()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn each_address_has_its_own_general_budget() {
        let throttle = Throttle::new(&RateLimits {
            general: Some(3),
            ..RateLimits::default()
        });
        for _ in 0..3 {
            assert!(throttle.check_request(A).is_ok());
        }
        let refused = throttle.check_request(A).expect_err("over the limit");
        // One request comes back every 20 seconds.
        assert!((1..=20).contains(&refused.seconds()), "{refused:?}");
        assert!(throttle.check_request(B).is_ok());
    }

    #[test]
    fn sensitive_calls_are_limited_per_account_and_per_address() {
        let throttle = Throttle::new(&RateLimits {
            general: None,
            sensitive_per_account: Some(2),
            sensitive_per_address: Some(3),
        });
        assert!(throttle.check_sensitive(A, "ada@example.org").is_ok());
        assert!(throttle.check_sensitive(A, "ada@example.org").is_ok());
        assert!(throttle.check_sensitive(A, "ada@example.org").is_err());
        // Another account from the same address: within its own budget, until the address's
        // budget (three) is spent.
        assert!(throttle.check_sensitive(A, "grace@example.org").is_ok());
        assert!(throttle.check_sensitive(A, "ike@example.org").is_err());
        assert!(throttle.check_sensitive(B, "ada@example.org").is_ok());
    }

    #[test]
    fn a_limit_of_none_is_off() {
        let throttle = Throttle::new(&RateLimits {
            general: None,
            sensitive_per_account: None,
            sensitive_per_address: None,
        });
        for _ in 0..10_000 {
            assert!(throttle.check_request(A).is_ok());
            assert!(throttle.check_sensitive(A, "ada@example.org").is_ok());
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(RetryAfter(Duration::from_millis(100)).seconds(), 1);
        assert_eq!(RetryAfter(Duration::from_millis(5_001)).seconds(), 6);
        assert_eq!(RetryAfter(Duration::ZERO).seconds(), 1);
    }
}

//! Rate limits on write and admin routes, per API key and per client address (token buckets
//! from `governor`). A refused request gets 429 with `Retry-After` in whole seconds.

use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use uuid::Uuid;

use crate::problem::ApiError;

#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitSettings {
    pub per_key_per_second: u32,
    pub per_key_burst: u32,
    pub per_address_per_second: u32,
    pub per_address_burst: u32,
}

impl RateLimitSettings {
    pub fn validate(&self) -> anyhow::Result<()> {
        for (key, value) in [
            ("rate_limit.per_key_per_second", self.per_key_per_second),
            ("rate_limit.per_key_burst", self.per_key_burst),
            (
                "rate_limit.per_address_per_second",
                self.per_address_per_second,
            ),
            ("rate_limit.per_address_burst", self.per_address_burst),
        ] {
            if value == 0 {
                anyhow::bail!("{key} must be at least 1");
            }
        }
        Ok(())
    }
}

pub struct RateLimits {
    per_key: DefaultKeyedRateLimiter<Uuid>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl RateLimits {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            per_key: RateLimiter::keyed(quota(settings.per_key_per_second, settings.per_key_burst)),
            per_address: RateLimiter::keyed(quota(
                settings.per_address_per_second,
                settings.per_address_burst,
            )),
        }
    }

    pub fn check_address(&self, address: IpAddr) -> Result<(), ApiError> {
        check(&self.per_address, &address)
    }

    pub fn check_key(&self, key_id: Uuid) -> Result<(), ApiError> {
        check(&self.per_key, &key_id)
    }

    /// Forgets buckets that are full again, so idle keys and addresses cost no memory.
    pub fn forget_idle(&self) {
        self.per_key.retain_recent();
        self.per_key.shrink_to_fit();
        self.per_address.retain_recent();
        self.per_address.shrink_to_fit();
    }
}

fn quota(per_second: u32, burst: u32) -> Quota {
    let nonzero = |n: u32| NonZeroU32::new(n.max(1)).expect("at least 1");
    Quota::per_second(nonzero(per_second)).allow_burst(nonzero(burst))
}

fn check<K>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), ApiError>
where
    K: Clone + Eq + std::hash::Hash,
{
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(limiter.clock().now());
        ApiError::RateLimited {
            retry_after_seconds: retry_after_seconds(wait),
        }
    })
}

/// `Retry-After` is whole seconds; round up so a client that waits that long gets through.
fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(per_second: u32, burst: u32) -> RateLimitSettings {
        RateLimitSettings {
            per_key_per_second: per_second,
            per_key_burst: burst,
            per_address_per_second: per_second,
            per_address_burst: burst,
        }
    }

    #[test]
    fn a_burst_passes_and_the_next_request_is_told_when_to_retry() {
        let limits = RateLimits::new(&settings(1, 3));
        let key = Uuid::now_v7();
        for _ in 0..3 {
            limits.check_key(key).expect("within the burst");
        }
        match limits.check_key(key) {
            Err(ApiError::RateLimited {
                retry_after_seconds,
            }) => {
                assert_eq!(retry_after_seconds, 1)
            }
            other => panic!("expected 429, got {other:?}"),
        }
        limits
            .check_key(Uuid::now_v7())
            .expect("other keys have their own bucket");
        limits
            .check_address("127.0.0.1".parse().unwrap())
            .expect("addresses are counted apart from keys");
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_seconds(Duration::from_millis(2001)), 3);
    }
}

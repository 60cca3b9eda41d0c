//! Turning a presented key into a [`Caller`]: digest it, look the digest up among live keys,
//! and cache the answer (found or not) for `auth.cache_seconds`, so the common request costs
//! no database round trip. A revoked key therefore stops working within that time.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use greetings_db::{api_keys, DbPool};
use uuid::Uuid;

use super::{key, Scope};
use crate::problem::ApiError;

/// Beyond this many cached digests, expired ones are dropped (and, failing that, all of them),
/// so a flood of made-up keys cannot grow memory without bound.
const MAX_CACHED: usize = 10_000;

/// The key a request was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub key_id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
}

impl Caller {
    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

pub struct Authenticator {
    pool: DbPool,
    ttl: Duration,
    cache: Mutex<HashMap<[u8; 32], Cached>>,
}

struct Cached {
    caller: Option<Arc<Caller>>,
    fetched: Instant,
}

impl Authenticator {
    pub fn new(pool: DbPool, ttl: Duration) -> Self {
        Self {
            pool,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The caller for an `Authorization` header value; 401 when it is missing, not a bearer
    /// token, or not a live key.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Arc<Caller>, ApiError> {
        let token = bearer_token(authorization)?;
        let digest = key::digest(token);
        if let Some(cached) = self.cached(&digest) {
            return cached.ok_or(ApiError::Unauthenticated(UNKNOWN_KEY));
        }
        let row = {
            let mut conn = self.pool.get().await?;
            api_keys::find_live_key(&mut conn, &digest).await?
        };
        let caller = row.map(|row| {
            Arc::new(Caller {
                key_id: row.id,
                scopes: row.scope_names().filter_map(Scope::parse).collect(),
                name: row.name,
            })
        });
        self.remember(digest, caller.clone());
        caller.ok_or(ApiError::Unauthenticated(UNKNOWN_KEY))
    }

    fn cached(&self, digest: &[u8; 32]) -> Option<Option<Arc<Caller>>> {
        let cache = self.cache.lock().expect("auth cache lock");
        cache
            .get(digest)
            .filter(|entry| entry.fetched.elapsed() < self.ttl)
            .map(|entry| entry.caller.clone())
    }

    fn remember(&self, digest: [u8; 32], caller: Option<Arc<Caller>>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut cache = self.cache.lock().expect("auth cache lock");
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, entry| entry.fetched.elapsed() < self.ttl);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(
            digest,
            Cached {
                caller,
                fetched: Instant::now(),
            },
        );
    }
}

const UNKNOWN_KEY: &str = "the API key is not valid (unknown or revoked)";

fn bearer_token(authorization: Option<&str>) -> Result<&str, ApiError> {
    let value = authorization.ok_or(ApiError::Unauthenticated(
        "this route needs an API key: send Authorization: Bearer <key>",
    ))?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::Unauthenticated(
            "the Authorization header must be: Bearer <key>",
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bearer_tokens_are_accepted() {
        assert_eq!(bearer_token(Some("Bearer gk_abc")).unwrap(), "gk_abc");
        assert_eq!(bearer_token(Some("bearer  gk_abc ")).unwrap(), "gk_abc");
        for bad in [
            None,
            Some(""),
            Some("Bearer"),
            Some("Bearer  "),
            Some("Basic dXNlcjpwYXNz"),
        ] {
            assert!(
                matches!(bearer_token(bad), Err(ApiError::Unauthenticated(_))),
                "{bad:?}"
            );
        }
    }
}

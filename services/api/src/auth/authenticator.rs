//! Turning a presented key into a [`Caller`]: digest it, look the digest up among live keys,
//! and cache the answer (found or not) for `auth.cache_seconds`, so the common request costs
//! no database round trip. A revoked key therefore stops working within that time. Keys found
//! and keys not found are cached apart: a flood of made-up keys can fill and flush only its
//! own map, never evict the real ones.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use greetings_db::{api_keys, DbPool};
use uuid::Uuid;

use super::{key, Scope};
use crate::problem::ApiError;

/// Beyond this many cached digests in one map, expired ones are dropped (and, failing that, all
/// of them), so memory stays bounded.
const MAX_CACHED: usize = 10_000;

/// The key a request was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub key_id: Uuid,
    pub scopes: Vec<Scope>,
}

impl Caller {
    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// Key digest → what was found, and when it was looked up.
type Cache<V> = Mutex<HashMap<[u8; 32], (V, Instant)>>;

pub struct Authenticator {
    pool: DbPool,
    ttl: Duration,
    known: Cache<Arc<Caller>>,
    unknown: Cache<()>,
}

impl Authenticator {
    pub fn new(pool: DbPool, ttl: Duration) -> Self {
        Self {
            pool,
            ttl,
            known: Mutex::new(HashMap::new()),
            unknown: Mutex::new(HashMap::new()),
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
        // Stamped before the lookup, so a revocation committed meanwhile is honoured in time.
        let fetched = Instant::now();
        let row = {
            let mut conn = self.pool.get().await?;
            api_keys::find_live_key(&mut conn, &digest).await?
        };
        let caller = row.map(|row| {
            Arc::new(Caller {
                key_id: row.id,
                scopes: row.scope_names().filter_map(Scope::parse).collect(),
            })
        });
        if !self.ttl.is_zero() {
            match &caller {
                Some(caller) => remember(&self.known, self.ttl, digest, caller.clone(), fetched),
                None => remember(&self.unknown, self.ttl, digest, (), fetched),
            }
        }
        caller.ok_or(ApiError::Unauthenticated(UNKNOWN_KEY))
    }

    /// `Some(Some(caller))` for a fresh known key, `Some(None)` for a fresh unknown one.
    fn cached(&self, digest: &[u8; 32]) -> Option<Option<Arc<Caller>>> {
        let fresh = |fetched: &Instant| fetched.elapsed() < self.ttl;
        if let Some((caller, _)) = self
            .known
            .lock()
            .expect("auth cache lock")
            .get(digest)
            .filter(|(_, at)| fresh(at))
        {
            return Some(Some(caller.clone()));
        }
        let unknown = self.unknown.lock().expect("auth cache lock");
        unknown
            .get(digest)
            .filter(|(_, at)| fresh(at))
            .map(|_| None)
    }
}

/// Caches `value` under `digest`, first dropping expired entries (and, failing that, all of
/// them) when the map is full.
fn remember<V>(cache: &Cache<V>, ttl: Duration, digest: [u8; 32], value: V, fetched: Instant) {
    let mut cache = cache.lock().expect("auth cache lock");
    if cache.len() >= MAX_CACHED {
        cache.retain(|_, (_, at)| at.elapsed() < ttl);
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
    }
    cache.insert(digest, (value, fetched));
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

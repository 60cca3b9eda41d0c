//! The connection pool (deadpool over diesel-async's pure-Rust Postgres connection).

use std::time::Duration;

use diesel_async::{
    pooled_connection::{deadpool::Pool, AsyncDieselConnectionManager},
    AsyncPgConnection,
};
use serde::Deserialize;

pub type DbPool = Pool<AsyncPgConnection>;
/// Failure to get a pooled connection (timeout, or Postgres unreachable).
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;
pub type DbConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

/// `[database]` in every service's config.
#[derive(Clone, Deserialize)]
pub struct DatabaseSettings {
    /// `DATABASE_URL` overrides it.
    pub url: String,
    pub max_connections: usize,
    /// How long a caller waits for a free connection before the request fails.
    pub acquire_timeout_ms: u64,
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never print it.
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout_ms", &self.acquire_timeout_ms)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Builds the pool. Connections open lazily, so this succeeds while Postgres is down; the
/// readiness check and the first query tell.
pub fn connect(
    settings: &DatabaseSettings,
) -> Result<DbPool, diesel_async::pooled_connection::deadpool::BuildError> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(settings.url.clone());
    Pool::builder(manager)
        .max_size(settings.max_connections)
        .wait_timeout(Some(Duration::from_millis(settings.acquire_timeout_ms)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redact_url("postgres://127.0.0.1/x"),
            "postgres://127.0.0.1/x"
        );
    }
}

//! The connection pool (deadpool over diesel-async's pure-Rust Postgres connection).

use std::time::Duration;

use diesel_async::{
    pooled_connection::{deadpool::Pool, AsyncDieselConnectionManager},
    AsyncPgConnection,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub type DbPool = Pool<AsyncPgConnection>;
/// Failure to get a pooled connection (timeout, or Postgres unreachable).
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;
pub type DbConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

/// `[database]` in every service's config.
#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// `DATABASE_URL` overrides it. It may carry a password, so it is a secret: `Debug` shows
    /// `[REDACTED]`, and only [`connect`] (and the migration step) expose it.
    pub url: SecretString,
    pub max_connections: usize,
    /// How long a caller waits for a free connection before the request fails.
    pub acquire_timeout_ms: u64,
}

/// Builds the pool. Connections open lazily, so this succeeds while Postgres is down; the
/// readiness check and the first query tell.
pub fn connect(
    settings: &DatabaseSettings,
) -> Result<DbPool, diesel_async::pooled_connection::deadpool::BuildError> {
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new(settings.url.expose_secret());
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
    fn debug_output_of_database_settings_does_not_contain_the_url() {
        let settings = DatabaseSettings {
            url: "postgres://app:hunter2@db.internal:5432/greetings?password=hunter3".into(),
            max_connections: 4,
            acquire_timeout_ms: 1_000,
        };
        let printed = format!("{settings:?} {settings:#?}");
        for secret in ["hunter2", "hunter3", "db.internal"] {
            assert!(!printed.contains(secret), "{secret} printed in {printed}");
        }
        assert!(printed.contains("REDACTED"), "{printed}");
        assert!(printed.contains("max_connections: 4"), "{printed}");
    }
}

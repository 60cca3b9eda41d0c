//! Connecting to RabbitMQ with bounded, backing-off retries.

use std::time::Duration;

use lapin::{Connection, ConnectionProperties};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

/// `[rabbitmq]` in the scheduler's and worker's config.
#[derive(Clone, Deserialize)]
pub struct RabbitSettings {
    /// `AMQP_URL` overrides it.
    pub url: String,
    /// Prefix of every exchange and queue name (tests use a unique one each).
    pub prefix: String,
}

impl std::fmt::Debug for RabbitSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = match (self.url.find("://"), self.url.rfind('@')) {
            (Some(start), Some(at)) if at > start => {
                format!("{}***{}", &self.url[..start + 3], &self.url[at..])
            }
            _ => self.url.clone(),
        };
        f.debug_struct("RabbitSettings")
            .field("url", &redacted)
            .field("prefix", &self.prefix)
            .finish()
    }
}

/// Connects, retrying with exponential backoff (0.2 s doubling to 5 s) until it succeeds or
/// `shutdown` is cancelled (then `None`).
pub async fn connect(url: &str, shutdown: &CancellationToken) -> Option<Connection> {
    let mut delay = Duration::from_millis(200);
    loop {
        match Connection::connect(url, ConnectionProperties::default()).await {
            Ok(connection) => return Some(connection),
            Err(err) => {
                tracing::warn!(error = %err, retry_in_ms = delay.as_millis() as u64, "cannot reach RabbitMQ");
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return None,
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

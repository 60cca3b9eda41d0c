//! Connecting to RabbitMQ with bounded, backing-off retries.

use std::time::Duration;

use lapin::{Connection, ConnectionProperties};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

/// `[rabbitmq]` in the scheduler's and worker's config.
#[derive(Debug, Clone, Deserialize)]
pub struct RabbitSettings {
    /// `AMQP_URL` overrides it. It carries the broker password, so it is a secret: `Debug`
    /// shows `[REDACTED]`, and only [`connect`] exposes it.
    pub url: SecretString,
    /// Prefix of every exchange and queue name (tests use a unique one each).
    pub prefix: String,
}

/// Connects, retrying with exponential backoff (0.2 s doubling to 5 s) until it succeeds or
/// `shutdown` is cancelled (then `None`).
pub async fn connect(url: &SecretString, shutdown: &CancellationToken) -> Option<Connection> {
    let mut delay = Duration::from_millis(200);
    loop {
        match Connection::connect(url.expose_secret(), ConnectionProperties::default()).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_of_rabbit_settings_does_not_contain_the_url() {
        let settings = RabbitSettings {
            url: "amqp://greetings:hunter2@mq.internal:5672/%2f".into(),
            prefix: "greetings".into(),
        };
        let printed = format!("{settings:?} {settings:#?}");
        for secret in ["hunter2", "mq.internal"] {
            assert!(!printed.contains(secret), "{secret} printed in {printed}");
        }
        assert!(printed.contains("REDACTED"), "{printed}");
        assert!(printed.contains(r#"prefix: "greetings""#), "{printed}");
    }
}

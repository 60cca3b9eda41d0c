//! The worker's configuration (`config/default.toml` plus overrides).

use anyhow::bail;
use greetings_db::DatabaseSettings;
use greetings_messaging::RabbitSettings;
use greetings_telemetry::{ClockSettings, HttpSettings, ShutdownSettings, TelemetrySettings};
use serde::Deserialize;

use crate::breaker::BreakerSettings;

pub const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub rabbitmq: RabbitSettings,
    pub email: EmailSettings,
    pub delivery: DeliverySettings,
    pub breaker: BreakerSettings,
    pub clock: ClockSettings,
    pub log: TelemetrySettings,
    pub shutdown: ShutdownSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EmailSettings {
    /// `EMAIL_SERVICE_URL` overrides it.
    pub url: String,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DeliverySettings {
    pub concurrency: u16,
    pub max_attempts: i32,
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    pub lease_seconds: i64,
    pub max_batch: usize,
}

impl Settings {
    pub fn load() -> anyhow::Result<Self> {
        let settings: Settings = greetings_telemetry::load_settings(DEFAULTS)?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        if self.delivery.concurrency == 0 {
            bail!("delivery.concurrency must be at least 1");
        }
        if !(1..=100).contains(&self.delivery.max_attempts) {
            bail!("delivery.max_attempts must be between 1 and 100");
        }
        if !(1..=10_000).contains(&self.delivery.max_batch) {
            bail!("delivery.max_batch must be between 1 and 10000");
        }
        if self.delivery.lease_seconds * 1000 <= self.email.timeout_ms as i64 {
            bail!("delivery.lease_seconds must be longer than email.timeout_ms");
        }
        if !(0.0..=1.0).contains(&self.breaker.failure_ratio)
            || self.breaker.min_calls == 0
            || self.breaker.window < self.breaker.min_calls
        {
            bail!("breaker: failure_ratio must be in 0..=1 and window >= min_calls >= 1");
        }
        if !self.email.url.starts_with("http://") && !self.email.url.starts_with("https://") {
            bail!("email.url must be an http(s) URL");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_config_file_has_exactly_the_settings_keys() {
        let settings: Settings = greetings_test_support::config::strict_defaults(DEFAULTS);
        settings.validate().expect("the defaults are valid");
    }

    #[test]
    fn debug_output_of_the_settings_does_not_contain_the_connection_passwords() {
        let mut settings: Settings = greetings_test_support::config::strict_defaults(DEFAULTS);
        settings.database.url = "postgres://greetings:hunter2@db:5432/greetings".into();
        let printed = format!("{settings:?}");
        // The default AMQP URL carries guest's password; the database URL one of its own.
        for secret in ["hunter2", "guest:guest"] {
            assert!(!printed.contains(secret), "{secret} printed in {printed}");
        }
        assert!(
            printed.contains("max_attempts"),
            "the rest still prints: {printed}"
        );
    }
}

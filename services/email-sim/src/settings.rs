//! The simulator's configuration: embedded commented defaults (`config/default.toml`) layered
//! with `GREETINGS__SECTION__KEY` variables, validated at start with errors naming the key.

use anyhow::Context;
use greetings_telemetry::{ClockSettings, HttpSettings, ShutdownSettings, TelemetrySettings};
use serde::Deserialize;

use crate::behaviour::{Behaviour, FieldNames, InvalidBehaviour};

/// The embedded defaults, documented key by key.
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub http: HttpSettings,
    pub log: TelemetrySettings,
    pub shutdown: ShutdownSettings,
    pub clock: ClockSettings,
    pub latency: LatencySettings,
    pub failure: FailureSettings,
    pub record: RecordSettings,
}

/// `[latency]`: every answer waits a uniform draw from `min_ms..=max_ms`.
#[derive(Debug, Clone, Deserialize)]
pub struct LatencySettings {
    pub min_ms: u64,
    pub max_ms: u64,
}

/// `[failure]`: the probability of each simulated failure.
#[derive(Debug, Clone, Deserialize)]
pub struct FailureSettings {
    pub error_rate: f64,
    pub timeout_rate: f64,
    pub throttle_rate: f64,
    pub permanent_rate: f64,
    pub hang_ms: u64,
    pub retry_after_seconds: u64,
}

/// `[record]`: how much the simulator remembers.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordSettings {
    pub max_messages: usize,
}

impl Settings {
    /// Reads the embedded defaults and the environment, then validates.
    pub fn load() -> anyhow::Result<Settings> {
        let settings: Settings = greetings_telemetry::load_settings(DEFAULT_CONFIG)?;
        settings.validate().context("invalid configuration")?;
        Ok(settings)
    }

    /// Checks the failure rates and the latency range.
    pub fn validate(&self) -> Result<(), InvalidBehaviour> {
        self.behaviour().validate(&FieldNames::CONFIG)
    }

    /// The behaviour the simulator starts with.
    pub fn behaviour(&self) -> Behaviour {
        Behaviour {
            error_rate: self.failure.error_rate,
            timeout_rate: self.failure.timeout_rate,
            throttle_rate: self.failure.throttle_rate,
            permanent_rate: self.failure.permanent_rate,
            latency_min_ms: self.latency.min_ms,
            latency_max_ms: self.latency.max_ms,
            hang_ms: self.failure.hang_ms,
            retry_after_seconds: self.failure.retry_after_seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_config_file_has_exactly_the_settings_keys() {
        let settings: Settings = greetings_test_support::config::strict_defaults(DEFAULT_CONFIG);
        settings.validate().expect("the defaults are valid");
    }

    #[test]
    fn the_embedded_defaults_describe_a_perfect_vendor_on_port_8025() {
        let settings = Settings::load().expect("the embedded defaults load");
        assert_eq!(settings.http.listen, "127.0.0.1:8025");
        assert_eq!(settings.behaviour(), Behaviour::default());
        assert_eq!(settings.record.max_messages, 1_000_000);
    }

    #[test]
    fn an_invalid_rate_is_reported_by_its_config_key() {
        let mut settings = Settings::load().expect("the embedded defaults load");
        settings.failure.error_rate = 1.2;
        let error = settings.validate().unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("failure.error_rate must be between 0 and 1"),
            "{error}"
        );
    }
}

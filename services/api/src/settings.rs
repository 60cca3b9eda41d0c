//! The api's configuration: embedded defaults (`config/default.toml`) and overrides.

use anyhow::bail;
use greetings_db::{occurrences::planning::PlanningSettings, DatabaseSettings};
use greetings_telemetry::{ClockSettings, ShutdownSettings, TelemetrySettings};
use serde::Deserialize;

use crate::auth::rate_limit::RateLimitSettings;

pub const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub http: ApiHttpSettings,
    pub auth: AuthSettings,
    pub rate_limit: RateLimitSettings,
    pub database: DatabaseSettings,
    pub planning: PlanningSettings,
    pub clock: ClockSettings,
    pub log: TelemetrySettings,
    pub shutdown: ShutdownSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiHttpSettings {
    pub listen: String,
    pub max_body_bytes: usize,
    pub workers: usize,
    pub request_timeout_ms: u64,
    /// Empty: `/metrics` is served on `listen` with the API.
    pub metrics_listen: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub disabled: bool,
    pub cache_seconds: u64,
}

impl Settings {
    pub fn load() -> anyhow::Result<Self> {
        let settings: Settings = greetings_telemetry::load_settings(DEFAULTS)?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        self.planning.policy()?;
        if self.http.max_body_bytes < 1024 {
            bail!("http.max_body_bytes must be at least 1024");
        }
        if self.http.request_timeout_ms == 0 {
            bail!("http.request_timeout_ms must be at least 1");
        }
        self.rate_limit.validate()?;
        if self.database.max_connections == 0 {
            bail!("database.max_connections must be at least 1");
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
}

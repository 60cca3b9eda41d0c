//! The scheduler's configuration (`config/default.toml` plus overrides).

use anyhow::bail;
use greetings_db::{occurrences::planning::PlanningSettings, DatabaseSettings};
use greetings_messaging::RabbitSettings;
use greetings_telemetry::{ClockSettings, HttpSettings, ShutdownSettings, TelemetrySettings};
use serde::Deserialize;

pub const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub rabbitmq: RabbitSettings,
    pub planning: PlanningSettings,
    pub dispatch: DispatchSettings,
    pub materialise: MaterialiseSettings,
    pub reconcile: ReconcileSettings,
    pub clock: ClockSettings,
    pub log: TelemetrySettings,
    pub shutdown: ShutdownSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DispatchSettings {
    pub tick_ms: u64,
    pub claim_batch: i64,
    pub lease_seconds: i64,
    pub sweep_batch: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MaterialiseSettings {
    pub interval_seconds: u64,
    pub batch_users: i64,
}

/// `[reconcile]`: the promise checks (see `reconciler`).
#[derive(Debug, Clone, Deserialize)]
pub struct ReconcileSettings {
    pub interval_seconds: u64,
    pub grace_minutes: i64,
    pub duplicate_lookback_hours: i64,
}

impl Settings {
    pub fn load() -> anyhow::Result<Self> {
        let settings: Settings = greetings_telemetry::load_settings(DEFAULTS)?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        self.planning.policy()?;
        if !(1..=10_000).contains(&self.dispatch.claim_batch) {
            bail!("dispatch.claim_batch must be between 1 and 10000");
        }
        if self.dispatch.lease_seconds < 5 {
            bail!("dispatch.lease_seconds must be at least 5");
        }
        if self.dispatch.sweep_batch < 1 || self.materialise.batch_users < 1 {
            bail!("dispatch.sweep_batch and materialise.batch_users must be positive");
        }
        if self.dispatch.tick_ms == 0 {
            bail!("dispatch.tick_ms must be positive");
        }
        if self.reconcile.interval_seconds == 0 {
            bail!("reconcile.interval_seconds must be positive");
        }
        if self.reconcile.grace_minutes < 0 {
            bail!("reconcile.grace_minutes must not be negative");
        }
        if self.reconcile.duplicate_lookback_hours < 1 {
            bail!("reconcile.duplicate_lookback_hours must be at least 1");
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

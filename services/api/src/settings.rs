//! The api's configuration: embedded defaults (`config/default.toml`) and overrides.

use anyhow::bail;
use chrono::Duration;
use greetings_db::{occurrences::planning::PlanningPolicy, DatabaseSettings};
use greetings_domain::calendar::Feb29Policy;
use greetings_telemetry::{ClockSettings, ShutdownSettings, TelemetrySettings};
use serde::Deserialize;

pub const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub http: ApiHttpSettings,
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
}

/// `[planning]`, shared in meaning with the scheduler's section of the same name.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanningSettings {
    pub feb29_policy: String,
    pub catch_up_hours: i64,
    pub horizon_hours: i64,
}

impl PlanningSettings {
    pub fn policy(&self) -> anyhow::Result<PlanningPolicy> {
        let feb29 = Feb29Policy::parse(&self.feb29_policy)
            .map_err(|err| anyhow::anyhow!("planning.feb29_policy {err}"))?;
        if !(1..=24 * 30).contains(&self.catch_up_hours) {
            bail!("planning.catch_up_hours must be between 1 and 720");
        }
        // Rows must exist a full day ahead of the widest UTC offsets.
        if !(30..=24 * 366).contains(&self.horizon_hours) {
            bail!("planning.horizon_hours must be between 30 and 8784");
        }
        Ok(PlanningPolicy {
            feb29,
            catch_up: Duration::hours(self.catch_up_hours),
            horizon: Duration::hours(self.horizon_hours),
        })
    }
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
        if self.database.max_connections == 0 {
            bail!("database.max_connections must be at least 1");
        }
        Ok(())
    }
}

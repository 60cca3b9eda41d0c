//! Layered configuration shared by every service.
//!
//! Order, later wins: the service's embedded commented defaults (a TOML string compiled into the
//! binary), the file named by `GREETINGS_CONFIG` if set, `GREETINGS__SECTION__KEY` variables,
//! then the pinned connection variables (`DATABASE_URL`, `AMQP_URL`, `EMAIL_SERVICE_URL`).

use anyhow::Context;
use config::{Config, Environment, File, FileFormat};
use serde::{de::DeserializeOwned, Deserialize};

/// Environment variables pinned by the operator contract, and the keys they set.
const PINNED_VARIABLES: [(&str, &str); 3] = [
    ("DATABASE_URL", "database.url"),
    ("AMQP_URL", "rabbitmq.url"),
    ("EMAIL_SERVICE_URL", "email.url"),
];

/// Loads a service's settings from its embedded defaults and the environment.
pub fn load_settings<T: DeserializeOwned>(embedded_defaults: &str) -> anyhow::Result<T> {
    let mut builder =
        Config::builder().add_source(File::from_str(embedded_defaults, FileFormat::Toml));
    if let Ok(path) = std::env::var("GREETINGS_CONFIG") {
        builder = builder.add_source(File::with_name(&path).required(true));
    }
    builder = builder.add_source(
        Environment::with_prefix("GREETINGS")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true),
    );
    for (variable, key) in PINNED_VARIABLES {
        if let Ok(value) = std::env::var(variable) {
            // Only services whose defaults have that section take it.
            let section = key.split('.').next().unwrap_or_default();
            if embedded_defaults.contains(&format!("[{section}]")) {
                builder = builder.set_override(key, value)?;
            }
        }
    }
    let config = builder.build().context("reading configuration")?;
    config
        .try_deserialize()
        .map_err(|err| anyhow::anyhow!("invalid configuration: {err}"))
}

/// Where a service listens (`GREETINGS__HTTP__LISTEN=host:port`, port 0 allowed).
#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    pub listen: String,
}

/// `clock.offset_seconds` shifts the service's notion of now (demos and tests).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClockSettings {
    pub offset_seconds: i64,
}

impl ClockSettings {
    pub fn clock(&self) -> greetings_clock::Clock {
        greetings_clock::Clock::with_offset_seconds(self.offset_seconds)
    }
}

/// Logging: `log.format` is `json` (default) or `pretty`; `log.level` an `EnvFilter` directive.
#[derive(Debug, Clone, Deserialize)]
pub struct TelemetrySettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

/// How long SIGTERM waits for in-flight work before giving up.
#[derive(Debug, Clone, Deserialize)]
pub struct ShutdownSettings {
    pub grace_seconds: u64,
}

mod greetings_clock {
    pub use greetings_domain::Clock;
}

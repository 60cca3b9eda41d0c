#![doc = include_str!("../README.md")]

pub mod admin;
pub mod build_info;
pub mod cli;
pub mod db_pool;
pub mod healthcheck;
pub mod http_metrics;
pub mod latency;
pub mod logging;
pub mod metrics;
pub mod readiness;
pub mod settings;
pub mod shutdown;

pub use readiness::Readiness;
pub use settings::{
    load_settings, ClockSettings, HttpSettings, ShutdownSettings, TelemetrySettings,
};

#![doc = include_str!("../README.md")]

pub mod admin;
pub mod http_metrics;
pub mod logging;
pub mod metrics;
pub mod readiness;
pub mod settings;
pub mod shutdown;

pub use readiness::Readiness;
pub use settings::{
    load_settings, ClockSettings, HttpSettings, ShutdownSettings, TelemetrySettings,
};

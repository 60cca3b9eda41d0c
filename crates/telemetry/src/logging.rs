//! Structured logs with `tracing`: JSON lines in production, readable lines for development.

use tracing_subscriber::{fmt, EnvFilter};

use crate::settings::{LogFormat, TelemetrySettings};

/// Installs the process-wide subscriber. `RUST_LOG` wins over `log.level` when set. Calling it
/// twice (several services in one test process) keeps the first subscriber.
pub fn init_logging(settings: &TelemetrySettings) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.level));
    let result = match settings.format {
        LogFormat::Json => fmt()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_env_filter(filter)
            .try_init(),
        LogFormat::Pretty => fmt().with_env_filter(filter).try_init(),
    };
    drop(result);
}

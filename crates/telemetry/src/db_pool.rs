//! Database pool gauges, shared by every service that holds a pool:
//! `greetings_db_pool_connections{state="max|size|idle|waiting"}`.
//!
//! deadpool only reports its status when asked, so a small task polls it every few seconds
//! until shutdown. The alert on pool saturation watches `waiting` (callers queueing for a
//! connection); the dashboard plots all four.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub const DB_POOL_CONNECTIONS: &str = "greetings_db_pool_connections";

/// How often [`watch`] samples the pool.
pub const POLL_EVERY: Duration = Duration::from_secs(2);

/// One reading of a pool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// The configured maximum number of connections.
    pub max: usize,
    /// Connections currently open (idle or in use).
    pub size: usize,
    /// Open connections not in use.
    pub idle: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
}

impl From<deadpool::Status> for PoolStatus {
    fn from(status: deadpool::Status) -> Self {
        Self {
            max: status.max_size,
            size: status.size,
            idle: status.available,
            waiting: status.waiting,
        }
    }
}

/// Registers the help text (call once at start, next to the service's own `describe`).
pub fn describe() {
    metrics::describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Database pool connections by state: max (configured), size (open), idle, waiting (callers queued for one)."
    );
}

/// Sets the gauges from one reading.
pub fn record(status: PoolStatus) {
    for (state, value) in [
        ("max", status.max),
        ("size", status.size),
        ("idle", status.idle),
        ("waiting", status.waiting),
    ] {
        metrics::gauge!(DB_POOL_CONNECTIONS, "state" => state).set(value as f64);
    }
}

/// Records `status()` every [`POLL_EVERY`] until `shutdown` is cancelled. Spawn it next to
/// the service's other loops: `tokio::spawn(db_pool::watch(move || pool.status().into(), token))`.
pub async fn watch(status: impl Fn() -> PoolStatus, shutdown: CancellationToken) {
    describe();
    loop {
        record(status());
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(POLL_EVERY) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadpool_available_objects_are_reported_as_idle_connections() {
        let status = PoolStatus::from(deadpool::Status {
            max_size: 16,
            size: 5,
            available: 3,
            waiting: 2,
        });
        assert_eq!(
            status,
            PoolStatus {
                max: 16,
                size: 5,
                idle: 3,
                waiting: 2
            }
        );
    }
}

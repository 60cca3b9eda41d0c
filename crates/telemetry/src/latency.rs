//! A rolling in-process view of recent request latencies, for answers a person reads
//! (`GET /api/v1/metrics`) rather than for Prometheus, which computes its quantiles from the
//! `greetings_http_request_duration_seconds` histogram buckets.
//!
//! It keeps the last [`WINDOW`] of samples in a few time slots, each a DDSketch (about 1 %
//! relative error, from `metrics-util`), so memory stays constant whatever the request rate.
//! The [`HttpMetrics`](crate::http_metrics::HttpMetrics) middleware feeds it when the app
//! registers one as `web::Data<LatencyWindow>`.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use metrics_util::storage::Summary;

/// How far back the quantiles look.
pub const WINDOW: Duration = Duration::from_secs(300);
/// Samples are grouped in slots of this length; the oldest slot leaves the window whole.
const SLOT: Duration = Duration::from_secs(30);

/// Shared handle; clones see the same samples.
#[derive(Clone, Default)]
pub struct LatencyWindow {
    slots: Arc<Mutex<VecDeque<(Instant, Summary)>>>,
}

/// Quantiles of the samples in the window, in seconds; `None` when the window is empty.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LatencyQuantiles {
    pub window_seconds: u64,
    pub count: usize,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

impl LatencyWindow {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one request's duration.
    pub fn record(&self, seconds: f64) {
        self.record_at(seconds, Instant::now());
    }

    fn record_at(&self, seconds: f64, at: Instant) {
        let mut slots = self.slots.lock().expect("latency window lock");
        match slots.back_mut() {
            Some((begin, summary)) if at < *begin + SLOT => summary.add(seconds),
            _ => {
                let mut summary = Summary::with_defaults();
                summary.add(seconds);
                slots.push_back((at, summary));
            }
        }
        while slots
            .front()
            .is_some_and(|(begin, _)| *begin + WINDOW + SLOT <= at)
        {
            slots.pop_front();
        }
    }

    pub fn quantiles(&self) -> LatencyQuantiles {
        self.quantiles_at(Instant::now())
    }

    fn quantiles_at(&self, now: Instant) -> LatencyQuantiles {
        let slots = self.slots.lock().expect("latency window lock");
        let mut merged = Summary::with_defaults();
        for (_, summary) in slots.iter().filter(|(begin, _)| *begin + WINDOW > now) {
            merged
                .merge(summary)
                .expect("every slot uses the default sketch configuration");
        }
        let count = merged.count();
        let at = |q: f64| if count == 0 { None } else { merged.quantile(q) };
        LatencyQuantiles {
            window_seconds: WINDOW.as_secs(),
            count,
            p50: at(0.5),
            p95: at(0.95),
            p99: at(0.99),
            max: (count > 0).then(|| merged.max()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_the_samples_within_the_sketch_error() {
        let window = LatencyWindow::new();
        let now = Instant::now();
        for i in 1..=1000 {
            window.record_at(f64::from(i) / 1000.0, now);
        }
        let q = window.quantiles_at(now);
        assert_eq!(q.count, 1000);
        let close = |got: Option<f64>, want: f64| (got.unwrap() - want).abs() / want < 0.03;
        assert!(close(q.p50, 0.5), "{q:?}");
        assert!(close(q.p95, 0.95), "{q:?}");
        assert!(close(q.p99, 0.99), "{q:?}");
    }

    #[test]
    fn an_empty_window_has_no_quantiles_and_old_samples_leave_it() {
        let window = LatencyWindow::new();
        let start = Instant::now();
        assert_eq!(window.quantiles_at(start).p99, None);
        window.record_at(0.2, start);
        assert_eq!(window.quantiles_at(start).count, 1);
        let later = start + WINDOW + Duration::from_secs(60);
        let q = window.quantiles_at(later);
        assert_eq!((q.count, q.p99), (0, None));
    }
}

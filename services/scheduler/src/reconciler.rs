//! The reconciler: the system checking its own promise in production. Every few minutes it
//! asks Postgres whether any occurrence is still live well past its deadline ("stuck") and
//! whether any occurrence was delivered more than once, and exports what it finds:
//!
//! - `greetings_reconciler_violations{check="stuck"|"duplicate_delivery"}`: how many rows
//!   violate each check right now (duplicates within the look-back window);
//! - `greetings_messages_duplicate_total{kind}`: extra deliveries, each counted once per
//!   process — the reconciler remembers which it has already counted.
//!
//! It only reads. Every scheduler replica runs it, so alerts aggregate with `max`, not `sum`.

use std::collections::HashMap;

use chrono::Duration;
use greetings_db::{occurrences::reconcile, DbPool};
use greetings_domain::Clock;
use uuid::Uuid;

use crate::{instruments, settings::ReconcileSettings};

/// Stuck occurrences named in the log per run.
const LOGGED_SAMPLE: i64 = 10;
/// Duplicate deliveries read per run; past this the rest are seen on later runs.
const DUPLICATE_LIMIT: i64 = 10_000;

pub const CHECK_STUCK: &str = "stuck";
pub const CHECK_DUPLICATE: &str = "duplicate_delivery";

/// What one run found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Live occurrences more than the grace past their deadline.
    pub stuck: i64,
    /// Occurrences with more than one delivery in the look-back window.
    pub duplicate_deliveries: usize,
    /// Extra deliveries counted for the first time by this run.
    pub newly_counted: u64,
}

pub struct Reconciler {
    pub pool: DbPool,
    pub clock: Clock,
    /// How long past its deadline a live occurrence may be before it counts as stuck.
    pub grace: Duration,
    /// How far back (by the later delivery's start) duplicates are looked for.
    pub duplicate_lookback: Duration,
    /// Extra deliveries already counted, per occurrence.
    counted: HashMap<Uuid, i64>,
    last: ReconcileReport,
}

impl Reconciler {
    pub fn new(pool: DbPool, clock: Clock, settings: &ReconcileSettings) -> Self {
        Self {
            pool,
            clock,
            grace: Duration::minutes(settings.grace_minutes),
            duplicate_lookback: Duration::hours(settings.duplicate_lookback_hours),
            counted: HashMap::new(),
            last: ReconcileReport::default(),
        }
    }

    /// Runs both checks once and updates the metrics.
    pub async fn run_once(&mut self) -> anyhow::Result<ReconcileReport> {
        let result = self.check().await;
        let outcome = if result.is_ok() { "ok" } else { "error" };
        metrics::counter!(instruments::RECONCILER_RUNS, "outcome" => outcome).increment(1);
        result
    }

    async fn check(&mut self) -> anyhow::Result<ReconcileReport> {
        let mut conn = self.pool.get().await?;
        let now = self.clock.now();
        let stuck = reconcile::find_stuck(&mut conn, now, self.grace, LOGGED_SAMPLE).await?;
        let duplicates = reconcile::find_duplicate_deliveries(
            &mut conn,
            now - self.duplicate_lookback,
            DUPLICATE_LIMIT,
        )
        .await?;

        let mut report = ReconcileReport {
            stuck: stuck.total,
            duplicate_deliveries: duplicates.len(),
            newly_counted: 0,
        };
        for duplicate in &duplicates {
            let extra = duplicate.deliveries - 1;
            let already = self
                .counted
                .insert(duplicate.occurrence_id, extra)
                .unwrap_or(0);
            if extra > already {
                let new = (extra - already) as u64;
                metrics::counter!(instruments::DUPLICATES, "kind" => duplicate.kind.clone())
                    .increment(new);
                report.newly_counted += new;
                tracing::error!(
                    occurrence = %duplicate.occurrence_id,
                    kind = %duplicate.kind,
                    deliveries = duplicate.deliveries,
                    "an occurrence was delivered more than once"
                );
            }
        }
        // Forget what left the window, unless the answer was cut short.
        if (duplicates.len() as i64) < DUPLICATE_LIMIT {
            let seen: std::collections::HashSet<Uuid> =
                duplicates.iter().map(|d| d.occurrence_id).collect();
            self.counted.retain(|id, _| seen.contains(id));
        }

        metrics::gauge!(instruments::RECONCILER_VIOLATIONS, "check" => CHECK_STUCK)
            .set(stuck.total as f64);
        metrics::gauge!(instruments::RECONCILER_VIOLATIONS, "check" => CHECK_DUPLICATE)
            .set(duplicates.len() as f64);
        if stuck.total > 0 && stuck.total != self.last.stuck {
            let sample: Vec<String> = stuck
                .sample
                .iter()
                .map(|row| {
                    format!(
                        "{} ({} {}, deadline {})",
                        row.id, row.kind, row.status, row.deadline_at
                    )
                })
                .collect();
            tracing::warn!(
                stuck = stuck.total,
                grace_minutes = self.grace.num_minutes(),
                ?sample,
                "occurrences are still live past their deadline"
            );
        }
        self.last = report;
        Ok(report)
    }
}

//! `GET /api/v1/metrics`: the operator figures as JSON, for people and scripts that do not
//! speak PromQL. Occurrence counts come straight from Postgres (so they are exact across every
//! replica), the promise checks use the reconciler's queries with its default thresholds, and
//! latency quantiles come from this api process's rolling window (recent API requests only;
//! Prometheus aggregates the histogram across replicas).

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use greetings_db::occurrences::{dispatch::count_due_unsent, reconcile, summary};
use greetings_domain::{OccasionKind, OccurrenceStatus};
use greetings_telemetry::latency::{LatencyQuantiles, LatencyWindow};
use serde::Serialize;

use crate::{
    problem::{ApiError, Unavailable},
    state::AppState,
};

/// The reconciler's defaults (`[reconcile]` in the scheduler's config).
const STUCK_AFTER_MINUTES: i64 = 10;
const DUPLICATE_LOOKBACK_HOURS: i64 = 24;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct MetricsSummary {
    generated_at: DateTime<Utc>,
    occurrences: OccurrenceCounts,
    /// Due now but not yet handed to a worker.
    due_unsent: i64,
    promise: PromiseChecks,
    api_latency_seconds: LatencyQuantiles,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OccurrenceCounts {
    total: i64,
    /// Every status, zeros included.
    by_status: BTreeMap<String, i64>,
    /// Every kind, each with every status.
    by_kind: BTreeMap<String, BTreeMap<String, i64>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PromiseChecks {
    /// Live occurrences more than `stuckAfterMinutes` past their deadline.
    stuck: i64,
    stuck_after_minutes: i64,
    /// Occurrences delivered more than once, by a delivery in the last `lookbackHours`.
    duplicate_deliveries: usize,
    lookback_hours: i64,
}

fn zeroed() -> BTreeMap<String, i64> {
    OccurrenceStatus::ALL
        .into_iter()
        .map(|status| (status.as_str().to_owned(), 0))
        .collect()
}

#[utoipa::path(get, path = "/api/v1/metrics", tag = "operations",
    responses((status = 200, description = "occurrences by status and kind, due-but-unsent, promise checks, API latency quantiles", body = Object),
        Unavailable))]
pub async fn get_metrics_summary(
    state: web::Data<AppState>,
    latency: web::Data<LatencyWindow>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    let counts = summary::count_by_status_and_kind(&mut conn).await?;
    let due_unsent = count_due_unsent(&mut conn, now).await?;
    let stuck =
        reconcile::find_stuck(&mut conn, now, Duration::minutes(STUCK_AFTER_MINUTES), 1).await?;
    let duplicates = reconcile::find_duplicate_deliveries(
        &mut conn,
        now - Duration::hours(DUPLICATE_LOOKBACK_HOURS),
        10_000,
    )
    .await?;

    let mut occurrences = OccurrenceCounts {
        total: 0,
        by_status: zeroed(),
        by_kind: OccasionKind::ALL
            .into_iter()
            .map(|kind| (kind.as_str().to_owned(), zeroed()))
            .collect(),
    };
    for row in counts {
        occurrences.total += row.count;
        *occurrences.by_status.entry(row.status.clone()).or_default() += row.count;
        *occurrences
            .by_kind
            .entry(row.kind)
            .or_insert_with(zeroed)
            .entry(row.status)
            .or_default() += row.count;
    }
    Ok(HttpResponse::Ok().json(MetricsSummary {
        generated_at: now,
        occurrences,
        due_unsent,
        promise: PromiseChecks {
            stuck: stuck.total,
            stuck_after_minutes: STUCK_AFTER_MINUTES,
            duplicate_deliveries: duplicates.len(),
            lookback_hours: DUPLICATE_LOOKBACK_HOURS,
        },
        api_latency_seconds: latency.quantiles(),
    }))
}

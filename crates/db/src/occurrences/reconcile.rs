//! Reconciliation: read-only checks that the system kept its promise, run periodically by the
//! scheduler's reconciler. Nothing here changes a row; what is found is counted in metrics and
//! logged, and an operator (or a fix) acts on it.
//!
//! - **Stuck**: an occurrence whose catch-up deadline passed more than a grace period ago but
//!   which is still live (`scheduled`, `queued`, `sending`, `retrying`). The dispatcher expires
//!   waiting rows at their deadline and reaps abandoned leases, so a row stuck past the grace
//!   means one of those mechanisms is not working.
//! - **Duplicate delivery**: an occurrence with more than one `delivered` attempt. The
//!   `(user_id, kind, local_date)` unique constraint already makes two occurrence rows for one
//!   occasion impossible, so "delivered twice" can only show up as attempts.
//!
//! Every instant comes from the caller's `Clock`, never from SQL `now()`.

use chrono::{DateTime, Duration, Utc};
use diesel::{
    prelude::*,
    sql_types::{Array, BigInt, Text, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use greetings_domain::OccurrenceStatus;
use uuid::Uuid;

/// A live occurrence past its deadline (one of a bounded sample).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct StuckOccurrence {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Timestamptz)]
    pub deadline_at: DateTime<Utc>,
    /// How many rows match in all (the same on every row of one answer).
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// What [`find_stuck`] found: the full count and the first few, oldest deadline first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StuckReport {
    pub total: i64,
    pub sample: Vec<StuckOccurrence>,
}

/// Statuses an occurrence may still leave; past its deadline plus grace it should not have one.
pub fn live_statuses() -> Vec<String> {
    OccurrenceStatus::ALL
        .into_iter()
        .filter(|status| !status.is_terminal())
        .map(|status| status.as_str().to_owned())
        .collect()
}

/// Live occurrences whose deadline is more than `grace` before `now`.
pub async fn find_stuck(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    grace: Duration,
    sample: i64,
) -> QueryResult<StuckReport> {
    // `send_at <= deadline_at` always, so the redundant send_at bound lets Postgres use the
    // (status, send_at) index instead of scanning every row.
    let rows: Vec<StuckOccurrence> = diesel::sql_query(
        "SELECT id, kind, status, deadline_at, count(*) OVER () AS total
         FROM occurrences
         WHERE status = ANY($1) AND send_at < $2 AND deadline_at < $2
         ORDER BY deadline_at, id
         LIMIT $3",
    )
    .bind::<Array<Text>, _>(live_statuses())
    .bind::<Timestamptz, _>(now - grace)
    .bind::<BigInt, _>(sample.max(1))
    .load(conn)
    .await?;
    Ok(StuckReport {
        total: rows.first().map_or(0, |row| row.total),
        sample: rows,
    })
}

/// An occurrence delivered more than once.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct DuplicateDelivery {
    #[diesel(sql_type = SqlUuid)]
    pub occurrence_id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// `delivered` attempts recorded for it (2 or more).
    #[diesel(sql_type = BigInt)]
    pub deliveries: i64,
}

/// Occurrences with a `delivered` attempt started at or after `since` that have more than one
/// `delivered` attempt in all (the earlier one may be older than `since`). At most `limit`.
pub async fn find_duplicate_deliveries(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<DuplicateDelivery>> {
    diesel::sql_query(
        "WITH recent AS (
             SELECT DISTINCT occurrence_id FROM delivery_attempts
             WHERE outcome = 'delivered' AND started_at >= $1
         )
         SELECT a.occurrence_id, o.kind, count(*) AS deliveries
         FROM recent r
         JOIN delivery_attempts a ON a.occurrence_id = r.occurrence_id AND a.outcome = 'delivered'
         JOIN occurrences o ON o.id = r.occurrence_id
         GROUP BY a.occurrence_id, o.kind
         HAVING count(*) > 1
         ORDER BY a.occurrence_id
         LIMIT $2",
    )
    .bind::<Timestamptz, _>(since)
    .bind::<BigInt, _>(limit.max(1))
    .load(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::live_statuses;

    #[test]
    fn only_statuses_that_can_still_change_count_as_live() {
        assert_eq!(
            live_statuses(),
            ["scheduled", "queued", "sending", "retrying"]
        );
    }
}

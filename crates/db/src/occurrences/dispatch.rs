//! Dispatch: the scheduler's side of the life cycle.
//!
//! 1. [`expire_overdue`]: waiting rows past their catch-up deadline become `expired`.
//! 2. [`claim_due`]: due rows become `queued` under a lease, earliest due first, in batches
//!    with `FOR UPDATE SKIP LOCKED` so any number of schedulers share the work. Each claim bumps
//!    `claim_seq`; the broker message carries it.
//! 3. [`reap_stale_leases`]: a lease that ran out means its holder (a scheduler that died
//!    between commit and publish, a worker that died mid-send) is gone; the row goes back to
//!    waiting and is claimed again with a new `claim_seq`, so the old message, if it still
//!    exists, can no longer move it.
//!
//! The claim commits before anything is published: no transaction spans a network call.

use chrono::{DateTime, Duration, Utc};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Integer, Text, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub const REASON_EXPIRED: &str = "catch-up window passed before it could be sent";

/// A row just claimed for publishing.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ClaimedOccurrence {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Integer)]
    pub claim_seq: i32,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Timestamptz)]
    pub send_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub deadline_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct KindCount {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Marks up to `limit` waiting rows whose deadline passed as `expired`; counts by kind.
pub async fn expire_overdue(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<KindCount>> {
    diesel::sql_query(
        "WITH overdue AS (
             SELECT id FROM occurrences
             WHERE status IN ('scheduled', 'retrying') AND due_at <= $1 AND deadline_at < $1
             ORDER BY due_at
             LIMIT $2
             FOR UPDATE SKIP LOCKED
         ), expired AS (
             UPDATE occurrences o
             SET status = 'expired', status_reason = $3, lease_until = NULL, updated_at = $1
             FROM overdue WHERE o.id = overdue.id
             RETURNING o.kind
         )
         SELECT kind, count(*) AS count FROM expired GROUP BY kind",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(limit)
    .bind::<Text, _>(REASON_EXPIRED)
    .load(conn)
    .await
}

/// Claims up to `limit` due rows, earliest first, leasing them for `lease`.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> QueryResult<Vec<ClaimedOccurrence>> {
    diesel::sql_query(
        "WITH due AS (
             SELECT id FROM occurrences
             WHERE status IN ('scheduled', 'retrying') AND due_at <= $1 AND deadline_at >= $1
             ORDER BY due_at
             LIMIT $2
             FOR UPDATE SKIP LOCKED
         )
         UPDATE occurrences o
         SET status = 'queued', claim_seq = o.claim_seq + 1, lease_until = $3, updated_at = $1
         FROM due WHERE o.id = due.id
         RETURNING o.id, o.claim_seq, o.kind, o.send_at, o.deadline_at",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(limit)
    .bind::<Timestamptz, _>(now + lease)
    .load(conn)
    .await
}

/// Returns rows whose lease ran out to waiting; returns how many.
pub async fn reap_stale_leases(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<usize> {
    diesel::sql_query(
        "WITH stale AS (
             SELECT id FROM occurrences
             WHERE status IN ('queued', 'sending') AND lease_until < $1
             ORDER BY lease_until
             LIMIT $2
             FOR UPDATE SKIP LOCKED
         )
         UPDATE occurrences o
         SET status = CASE WHEN o.attempts > 0 THEN 'retrying' ELSE 'scheduled' END,
             status_reason = 'lease expired; re-queued', lease_until = NULL, updated_at = $1
         FROM stale WHERE o.id = stale.id",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(limit)
    .execute(conn)
    .await
}

/// Returns claimed rows to waiting at once (their publish failed), so the next tick retries
/// them without waiting for the lease. (The status check is kept unindexable, as in the
/// delivery module: the batch is found by primary key.)
pub async fn release_claims(
    conn: &mut AsyncPgConnection,
    claims: &[(Uuid, i32)],
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let ids: Vec<Uuid> = claims.iter().map(|(id, _)| *id).collect();
    let seqs: Vec<i32> = claims.iter().map(|(_, seq)| *seq).collect();
    diesel::sql_query(
        "UPDATE occurrences o
         SET status = CASE WHEN o.attempts > 0 THEN 'retrying' ELSE 'scheduled' END,
             lease_until = NULL, updated_at = $3
         FROM unnest($1::uuid[], $2::int[]) AS c(id, claim_seq)
         WHERE o.id = c.id AND o.claim_seq = c.claim_seq AND coalesce(o.status, '') = 'queued'",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(ids)
    .bind::<diesel::sql_types::Array<Integer>, _>(seqs)
    .bind::<Timestamptz, _>(now)
    .execute(conn)
    .await
}

/// When the earliest waiting row falls due (the dispatcher sleeps until then, not a whole
/// tick, so 09:00 is met to the millisecond); None when nothing waits.
pub async fn next_due_at(conn: &mut AsyncPgConnection) -> QueryResult<Option<DateTime<Utc>>> {
    use crate::schema::occurrences::dsl as o;
    o::occurrences
        .filter(o::status.eq_any(["scheduled", "retrying"]))
        .select(diesel::dsl::min(o::due_at))
        .get_result(conn)
        .await
}

/// Rows due but not yet handed to a worker: the backlog gauge.
pub async fn count_due_unsent(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    use crate::schema::occurrences::dsl as o;
    o::occurrences
        .filter(o::status.eq_any(["scheduled", "retrying"]))
        .filter(o::due_at.le(now))
        .count()
        .get_result(conn)
        .await
}

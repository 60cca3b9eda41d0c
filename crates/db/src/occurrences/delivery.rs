//! Delivery: the worker's transitions, each one conditional so a duplicated, stale or late
//! broker message changes nothing.
//!
//! `queued` → `sending` ([`begin_deliveries`]) happens only for the claim the message carries,
//! only once due, and only while the user is live; the e-mail call happens outside any
//! transaction; then [`complete_deliveries`] records the attempt and moves `sending` to
//! `delivered`, `retrying` or `failed` in one statement.
//!
//! Batches are found by primary key. Their status checks are written `coalesce(o.status, '')`
//! on purpose: no index matches that expression, so the planner cannot trade the per-id
//! lookups for a scan of every row in that status. It did exactly that when statistics were
//! taken before a 09:00 burst flipped 100,000 rows to `queued` (one batch took 90 ms instead of
//! 3 ms). The check stays in the UPDATE's WHERE so a concurrent change is re-checked.

use chrono::{DateTime, Duration, Utc};
use diesel::{
    prelude::*,
    sql_types::{Array, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{planning::REASON_USER_DELETED, OccurrenceRow};

/// Everything a worker needs to send one message, read in the same statement that took it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct DeliveryJob {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Integer)]
    pub claim_seq: i32,
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// This attempt's number (1 for the first).
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub send_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub deadline_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub first_name: String,
    #[diesel(sql_type = Text)]
    pub last_name: String,
    #[diesel(sql_type = Text)]
    pub email: String,
}

/// Why [`begin_deliveries`] did not hand out a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotStarted {
    /// The row was rescheduled to later while its message waited; it went back to `scheduled`.
    NotDueYet,
    /// Another claim owns it, it was cancelled, or it is already done: drop the message.
    Stale,
    /// No occurrence has that id (rows are never deleted): the message did not come from this
    /// system's scheduler, or from one on another database.
    Unknown,
}

#[derive(QueryableByName)]
struct Released {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Moves each claimed row to `sending` under a fresh lease and counts the attempt, for a
/// whole batch of broker messages in two statements. Results come back in input order.
pub async fn begin_deliveries(
    conn: &mut AsyncPgConnection,
    claims: &[(Uuid, i32)],
    now: DateTime<Utc>,
    lease: Duration,
) -> QueryResult<Vec<Result<DeliveryJob, NotStarted>>> {
    let ids: Vec<Uuid> = claims.iter().map(|(id, _)| *id).collect();
    let seqs: Vec<i32> = claims.iter().map(|(_, seq)| *seq).collect();
    let jobs: Vec<DeliveryJob> = diesel::sql_query(
        "UPDATE occurrences o
         SET status = 'sending', attempts = o.attempts + 1, lease_until = $4, updated_at = $3
         FROM users u, unnest($1::uuid[], $2::int[]) AS c(id, claim_seq)
         WHERE o.id = c.id AND o.claim_seq = c.claim_seq AND coalesce(o.status, '') = 'queued' AND o.due_at <= $3
           AND u.id = o.user_id AND u.deleted_at IS NULL
         RETURNING o.id, o.claim_seq, o.kind, o.attempts, o.send_at, o.deadline_at,
                   u.first_name, u.last_name, u.email",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Array<Integer>, _>(&seqs)
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(now + lease)
    .load(conn)
    .await?;
    let missing: Vec<&(Uuid, i32)> = claims
        .iter()
        .filter(|(id, _)| !jobs.iter().any(|j| j.id == *id))
        .collect();
    let released: Vec<Released> = if missing.is_empty() {
        Vec::new()
    } else {
        diesel::sql_query(
            "UPDATE occurrences o
             SET status = 'scheduled', lease_until = NULL, updated_at = $3
             FROM unnest($1::uuid[], $2::int[]) AS c(id, claim_seq)
             WHERE o.id = c.id AND o.claim_seq = c.claim_seq AND coalesce(o.status, '') = 'queued' AND o.due_at > $3
             RETURNING o.id",
        )
        .bind::<Array<SqlUuid>, _>(missing.iter().map(|(id, _)| *id).collect::<Vec<_>>())
        .bind::<Array<Integer>, _>(missing.iter().map(|(_, seq)| *seq).collect::<Vec<_>>())
        .bind::<Timestamptz, _>(now)
        .load(conn)
        .await?
    };
    // Only a message that starts nothing costs this lookup, and it goes by primary key.
    let unexplained: Vec<Uuid> = missing
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !released.iter().any(|r| r.id == *id))
        .collect();
    let known: Vec<Uuid> = if unexplained.is_empty() {
        Vec::new()
    } else {
        use crate::schema::occurrences::dsl as o;
        o::occurrences
            .filter(o::id.eq_any(&unexplained))
            .select(o::id)
            .load(conn)
            .await?
    };
    Ok(claims
        .iter()
        .map(|(id, _)| match jobs.iter().find(|job| job.id == *id) {
            Some(job) => Ok(job.clone()),
            None if released.iter().any(|r| r.id == *id) => Err(NotStarted::NotDueYet),
            None if known.contains(id) => Err(NotStarted::Stale),
            None => Err(NotStarted::Unknown),
        })
        .collect())
}

/// One call to the e-mail service, as recorded in `delivery_attempts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub started_at: DateTime<Utc>,
    pub duration_ms: i32,
    /// `delivered`, `retryable`, `permanent`, `timeout` or `connect`.
    pub outcome: &'static str,
    pub http_status: Option<i32>,
    pub error: Option<String>,
}

/// Where the occurrence goes after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    Delivered {
        message: String,
        email: String,
    },
    RetryAt {
        due_at: DateTime<Utc>,
        reason: String,
    },
    Failed {
        reason: String,
    },
}

/// One finished attempt to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub job: DeliveryJob,
    pub attempt: AttemptRecord,
    pub completion: Completion,
}

#[derive(QueryableByName)]
struct Moved {
    #[diesel(sql_type = SqlUuid)]
    occurrence_id: Uuid,
}

/// Records each attempt and applies its completion, for a batch in one statement, where the
/// row is still that claim's and `sending`. Returns, in input order, whether each was applied
/// (false: another actor moved it meanwhile, and nothing was written for it).
///
/// A row whose user was deleted while it was in flight carries the deletion's reason (set by
/// [`super::privacy::redact_user_history`]); its outcome is recorded without the text and
/// address, and a retry it would get is a cancellation instead (nothing more is sent to a
/// deleted user). The check reads the occurrence row itself, not the user: if the deletion holds the
/// row when this statement reaches it, Postgres re-reads the row after the deletion commits,
/// while a joined user row would still be the one from this statement's snapshot.
pub async fn complete_deliveries(
    conn: &mut AsyncPgConnection,
    outcomes: &[Outcome],
    now: DateTime<Utc>,
) -> QueryResult<Vec<bool>> {
    let mut ids = Vec::with_capacity(outcomes.len());
    let mut seqs = Vec::with_capacity(outcomes.len());
    let mut statuses = Vec::with_capacity(outcomes.len());
    let mut reasons: Vec<Option<&str>> = Vec::with_capacity(outcomes.len());
    let mut due_ats: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(outcomes.len());
    let mut messages: Vec<Option<&str>> = Vec::with_capacity(outcomes.len());
    let mut emails: Vec<Option<&str>> = Vec::with_capacity(outcomes.len());
    let mut delivered_ats: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(outcomes.len());
    let mut attempt_numbers = Vec::with_capacity(outcomes.len());
    let mut started = Vec::with_capacity(outcomes.len());
    let mut durations = Vec::with_capacity(outcomes.len());
    let mut classes = Vec::with_capacity(outcomes.len());
    let mut http_statuses: Vec<Option<i32>> = Vec::with_capacity(outcomes.len());
    let mut errors: Vec<Option<&str>> = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let (status, reason, due_at, message, email, delivered_at) = match &outcome.completion {
            Completion::Delivered { message, email } => (
                "delivered",
                None,
                None,
                Some(message.as_str()),
                Some(email.as_str()),
                Some(now),
            ),
            Completion::RetryAt { due_at, reason } => (
                "retrying",
                Some(reason.as_str()),
                Some(*due_at),
                None,
                None,
                None,
            ),
            Completion::Failed { reason } => {
                ("failed", Some(reason.as_str()), None, None, None, None)
            }
        };
        ids.push(outcome.job.id);
        seqs.push(outcome.job.claim_seq);
        statuses.push(status);
        reasons.push(reason);
        due_ats.push(due_at);
        messages.push(message);
        emails.push(email);
        delivered_ats.push(delivered_at);
        attempt_numbers.push(outcome.job.attempts);
        started.push(outcome.attempt.started_at);
        durations.push(outcome.attempt.duration_ms);
        classes.push(outcome.attempt.outcome);
        http_statuses.push(outcome.attempt.http_status);
        errors.push(outcome.attempt.error.as_deref());
    }
    let moved: Vec<Moved> = diesel::sql_query(
        "WITH input AS (
             SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::timestamptz[],
                                  $6::text[], $7::text[], $8::timestamptz[], $9::int[],
                                  $10::timestamptz[], $11::int[], $12::text[], $13::int[], $14::text[])
                 AS t(id, claim_seq, status, reason, due_at, message, email, delivered_at, attempt,
                      started_at, duration_ms, outcome, http_status, error)
         ), moved AS (
             UPDATE occurrences o
             SET status = CASE WHEN o.status_reason = $16 AND i.status = 'retrying' THEN 'cancelled' ELSE i.status END,
                 status_reason = CASE WHEN o.status_reason = $16 AND i.status = 'retrying' THEN o.status_reason ELSE i.reason END,
                 due_at = COALESCE(i.due_at, o.due_at),
                 message = CASE WHEN o.status_reason = $16 THEN NULL ELSE COALESCE(i.message, o.message) END,
                 email = CASE WHEN o.status_reason = $16 THEN NULL ELSE COALESCE(i.email, o.email) END,
                 delivered_at = i.delivered_at, lease_until = NULL, updated_at = $15
             FROM input i
             WHERE o.id = i.id AND o.claim_seq = i.claim_seq AND coalesce(o.status, '') = 'sending'
             RETURNING o.id
         )
         INSERT INTO delivery_attempts (occurrence_id, attempt, started_at, duration_ms, outcome, http_status, error)
         SELECT i.id, i.attempt, i.started_at, i.duration_ms, i.outcome, i.http_status, i.error
         FROM input i JOIN moved m ON m.id = i.id
         RETURNING occurrence_id",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Array<Integer>, _>(&seqs)
    .bind::<Array<Text>, _>(&statuses)
    .bind::<Array<Nullable<Text>>, _>(&reasons)
    .bind::<Array<Nullable<Timestamptz>>, _>(&due_ats)
    .bind::<Array<Nullable<Text>>, _>(&messages)
    .bind::<Array<Nullable<Text>>, _>(&emails)
    .bind::<Array<Nullable<Timestamptz>>, _>(&delivered_ats)
    .bind::<Array<Integer>, _>(&attempt_numbers)
    .bind::<Array<Timestamptz>, _>(&started)
    .bind::<Array<Integer>, _>(&durations)
    .bind::<Array<Text>, _>(&classes)
    .bind::<Array<Nullable<Integer>>, _>(&http_statuses)
    .bind::<Array<Nullable<Text>>, _>(&errors)
    .bind::<Timestamptz, _>(now)
    .bind::<Text, _>(REASON_USER_DELETED)
    .load(conn)
    .await?;
    Ok(ids
        .iter()
        .map(|id| moved.iter().any(|m| m.occurrence_id == *id))
        .collect())
}

/// An operator's re-drive of a `failed` or `expired` occurrence: due now, with a fresh
/// catch-up window and attempt budget. None when it is in another status.
pub async fn redrive(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    catch_up: Duration,
    now: DateTime<Utc>,
) -> QueryResult<Option<OccurrenceRow>> {
    use crate::schema::occurrences::dsl as o;
    diesel::update(
        o::occurrences
            .filter(o::id.eq(id))
            .filter(o::status.eq_any(["failed", "expired"])),
    )
    .set((
        o::status.eq("scheduled"),
        o::status_reason.eq("re-driven by an operator"),
        o::attempts.eq(0),
        o::due_at.eq(now),
        o::deadline_at.eq(now + catch_up),
        o::updated_at.eq(now),
    ))
    .returning(OccurrenceRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

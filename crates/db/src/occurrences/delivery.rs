//! Delivery: the worker's transitions, each one conditional so a duplicated, stale or late
//! broker message changes nothing.
//!
//! `queued` → `sending` ([`begin_delivery`]) happens only for the claim the message carries,
//! only once due, and only while the user is live; the e-mail call happens outside any
//! transaction; then [`complete_delivery`] records the attempt and moves `sending` to
//! `delivered`, `retrying` or `failed` in one statement.

use chrono::{DateTime, Duration, Utc};
use diesel::{
    prelude::*,
    sql_types::{Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::OccurrenceRow;

/// Everything a worker needs to send one message, read in the same statement that took it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct DeliveryJob {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
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

/// Why [`begin_delivery`] did not hand out a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotStarted {
    /// The row was rescheduled to later while its message waited; it went back to `scheduled`.
    NotDueYet,
    /// Another claim owns it, it was cancelled, or it is already done: drop the message.
    Stale,
}

/// Moves the claimed row to `sending` under a fresh lease and counts the attempt.
pub async fn begin_delivery(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    claim_seq: i32,
    now: DateTime<Utc>,
    lease: Duration,
) -> QueryResult<Result<DeliveryJob, NotStarted>> {
    let job: Option<DeliveryJob> = diesel::sql_query(
        "UPDATE occurrences o
         SET status = 'sending', attempts = o.attempts + 1, lease_until = $4, updated_at = $3
         FROM users u
         WHERE o.id = $1 AND o.claim_seq = $2 AND o.status = 'queued' AND o.due_at <= $3
           AND u.id = o.user_id AND u.deleted_at IS NULL
         RETURNING o.id, o.kind, o.attempts, o.send_at, o.deadline_at,
                   u.first_name, u.last_name, u.email",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Integer, _>(claim_seq)
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(now + lease)
    .get_result(conn)
    .await
    .optional()?;
    if let Some(job) = job {
        return Ok(Ok(job));
    }
    let released = diesel::sql_query(
        "UPDATE occurrences
         SET status = 'scheduled', lease_until = NULL, updated_at = $3
         WHERE id = $1 AND claim_seq = $2 AND status = 'queued' AND due_at > $3",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Integer, _>(claim_seq)
    .bind::<Timestamptz, _>(now)
    .execute(conn)
    .await?;
    Ok(Err(if released == 1 {
        NotStarted::NotDueYet
    } else {
        NotStarted::Stale
    }))
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

/// Records the attempt and applies the completion, if the row is still this claim's and
/// `sending`; false means another actor moved it meanwhile (nothing was written).
pub async fn complete_delivery(
    conn: &mut AsyncPgConnection,
    job: &DeliveryJob,
    claim_seq: i32,
    attempt: &AttemptRecord,
    completion: &Completion,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let (status, reason, due_at, message, email, delivered_at) = match completion {
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
        Completion::Failed { reason } => ("failed", Some(reason.as_str()), None, None, None, None),
    };
    let updated = diesel::sql_query(
        "WITH moved AS (
             UPDATE occurrences
             SET status = $3, status_reason = $4, due_at = COALESCE($5, due_at),
                 message = COALESCE($6, message), email = COALESCE($7, email),
                 delivered_at = $8, lease_until = NULL, updated_at = $9
             WHERE id = $1 AND claim_seq = $2 AND status = 'sending'
             RETURNING id
         )
         INSERT INTO delivery_attempts (occurrence_id, attempt, started_at, duration_ms, outcome, http_status, error)
         SELECT id, $10, $11, $12, $13, $14, $15 FROM moved",
    )
    .bind::<SqlUuid, _>(job.id)
    .bind::<Integer, _>(claim_seq)
    .bind::<Text, _>(status)
    .bind::<Nullable<Text>, _>(reason)
    .bind::<Nullable<Timestamptz>, _>(due_at)
    .bind::<Nullable<Text>, _>(message)
    .bind::<Nullable<Text>, _>(email)
    .bind::<Nullable<Timestamptz>, _>(delivered_at)
    .bind::<Timestamptz, _>(now)
    .bind::<Integer, _>(job.attempts)
    .bind::<Timestamptz, _>(attempt.started_at)
    .bind::<Integer, _>(attempt.duration_ms)
    .bind::<Text, _>(attempt.outcome)
    .bind::<Nullable<Integer>, _>(attempt.http_status)
    .bind::<Nullable<Text>, _>(attempt.error.as_deref())
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Gives the row back to waiting without counting the attempt (the worker is shutting down
/// or the e-mail service's breaker is open); false when it was no longer this claim's.
pub async fn return_undelivered(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    claim_seq: i32,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let updated = diesel::sql_query(
        "UPDATE occurrences
         SET status = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'scheduled' END,
             attempts = attempts - 1, lease_until = NULL, updated_at = $3
         WHERE id = $1 AND claim_seq = $2 AND status = 'sending'",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Integer, _>(claim_seq)
    .bind::<Timestamptz, _>(now)
    .execute(conn)
    .await?;
    Ok(updated == 1)
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

//! Occurrences: one message for one user, occasion kind and local date, through its whole
//! life cycle. Planning (create/reschedule/cancel), dispatch (claim/expire/reap) and delivery
//! (the worker's transitions) each have a module; this one holds the row and the read side.
//! Reconciliation (the promise checks) and the summary counts are read-only modules too;
//! privacy forgets a deleted user's text and address.

pub mod delivery;
pub mod dispatch;
pub mod planning;
pub mod privacy;
pub mod reconcile;
pub mod summary;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::schema::{delivery_attempts, occurrences};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = occurrences, check_for_backend(diesel::pg::Pg))]
pub struct OccurrenceRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub local_date: NaiveDate,
    pub send_at: DateTime<Utc>,
    pub deadline_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub timezone: String,
    pub send_rule: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub attempts: i32,
    pub claim_seq: i32,
    pub lease_until: Option<DateTime<Utc>>,
    pub message: Option<String>,
    pub email: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = delivery_attempts, check_for_backend(diesel::pg::Pg))]
pub struct AttemptRow {
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i32,
    pub outcome: String,
    pub http_status: Option<i32>,
    pub error: Option<String>,
}

/// Filters of `GET /api/v1/messages`; all optional.
#[derive(Debug, Clone, Default)]
pub struct OccurrenceFilter {
    pub user_id: Option<Uuid>,
    pub status: Option<String>,
    pub kind: Option<String>,
    /// Inclusive lower bound on `send_at`.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound on `send_at`.
    pub to: Option<DateTime<Utc>>,
}

/// Position after the last item of a page: rows are ordered by `(send_at, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OccurrenceCursor {
    pub send_at: DateTime<Utc>,
    pub id: Uuid,
}

pub async fn find_occurrence(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<OccurrenceRow>> {
    occurrences::table
        .find(id)
        .select(OccurrenceRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn list_occurrences(
    conn: &mut AsyncPgConnection,
    filter: &OccurrenceFilter,
    after: Option<OccurrenceCursor>,
    limit: i64,
) -> QueryResult<Vec<OccurrenceRow>> {
    let mut query = occurrences::table
        .select(OccurrenceRow::as_select())
        .order((occurrences::send_at.asc(), occurrences::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(user_id) = filter.user_id {
        query = query.filter(occurrences::user_id.eq(user_id));
    }
    if let Some(status) = &filter.status {
        query = query.filter(occurrences::status.eq(status.clone()));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(occurrences::kind.eq(kind.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(occurrences::send_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(occurrences::send_at.lt(to));
    }
    if let Some(cursor) = after {
        query = query.filter(
            occurrences::send_at
                .gt(cursor.send_at)
                .or(occurrences::send_at
                    .eq(cursor.send_at)
                    .and(occurrences::id.gt(cursor.id))),
        );
    }
    query.load(conn).await
}

pub async fn list_attempts(
    conn: &mut AsyncPgConnection,
    occurrence_id: Uuid,
) -> QueryResult<Vec<AttemptRow>> {
    delivery_attempts::table
        .filter(delivery_attempts::occurrence_id.eq(occurrence_id))
        .order(delivery_attempts::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)
        .await
}

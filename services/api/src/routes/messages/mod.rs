//! `/api/v1/messages` and a user's messages: occurrences as operators see them.

pub mod for_user;
pub mod get;
pub mod list;
pub mod retry;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use greetings_db::occurrences::{AttemptRow, OccurrenceCursor, OccurrenceRow};
use greetings_domain::Timezone;
use serde::Serialize;
use uuid::Uuid;

use crate::{
    problem::{ApiError, FieldError},
    vocabulary::{KindName, StatusName},
};

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageOut {
    pub id: Uuid,
    pub user_id: Uuid,
    #[schema(value_type = KindName)]
    pub kind: String,
    pub local_date: NaiveDate,
    /// The intended instant, UTC.
    pub send_at: DateTime<Utc>,
    /// The same instant in the user's zone, with its offset.
    pub local_send_at: DateTime<FixedOffset>,
    pub timezone: String,
    pub rule: String,
    #[schema(value_type = StatusName)]
    pub status: String,
    #[schema(required = true)]
    pub status_reason: Option<String>,
    pub attempts: i32,
    pub deadline_at: DateTime<Utc>,
    #[schema(required = true)]
    pub delivered_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

pub fn local_instant(at: DateTime<Utc>, zone: &str) -> DateTime<FixedOffset> {
    match Timezone::parse(zone) {
        Ok(zone) => at.with_timezone(&zone.tz()).fixed_offset(),
        Err(_) => at.fixed_offset(),
    }
}

impl From<OccurrenceRow> for MessageOut {
    fn from(row: OccurrenceRow) -> Self {
        Self {
            local_send_at: local_instant(row.send_at, &row.timezone),
            id: row.id,
            user_id: row.user_id,
            kind: row.kind,
            local_date: row.local_date,
            send_at: row.send_at,
            timezone: row.timezone,
            rule: row.send_rule,
            status: row.status,
            status_reason: row.status_reason,
            attempts: row.attempts,
            deadline_at: row.deadline_at,
            delivered_at: row.delivered_at,
            message: row.message,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptOut {
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i32,
    pub outcome: String,
    #[schema(required = true)]
    pub http_status: Option<i32>,
    #[schema(required = true)]
    pub error: Option<String>,
}

impl From<AttemptRow> for AttemptOut {
    fn from(row: AttemptRow) -> Self {
        Self {
            attempt: row.attempt,
            started_at: row.started_at,
            duration_ms: row.duration_ms,
            outcome: row.outcome,
            http_status: row.http_status,
            error: row.error,
        }
    }
}

/// The earliest instant Postgres stores (4714-11-24 BC, Julian day 0) in Unix microseconds. No
/// issued cursor is older; binding an older one would fail in the database, a 500 for what is a
/// bad parameter. (chrono's latest instant is earlier than Postgres's, so the far end is safe.)
const EARLIEST_POSTGRES_MICROS: i64 = -210_866_803_200_000_000;

/// Cursors are `<send_at micros>.<id>`: opaque to clients, stable across pages.
pub fn encode_cursor(row: &OccurrenceRow) -> String {
    format!("{}.{}", row.send_at.timestamp_micros(), row.id)
}

pub fn decode_cursor(raw: &str) -> Result<OccurrenceCursor, ApiError> {
    let invalid =
        || ApiError::InvalidParameter(FieldError::new("cursor", "is not a cursor this API issued"));
    let (micros, id) = raw.split_once('.').ok_or_else(invalid)?;
    let micros: i64 = micros.parse().map_err(|_| invalid())?;
    if micros < EARLIEST_POSTGRES_MICROS {
        return Err(invalid());
    }
    Ok(OccurrenceCursor {
        send_at: DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?,
        id: Uuid::parse_str(id).map_err(|_| invalid())?,
    })
}

/// The next-cursor of a page that came back full.
pub fn next_cursor(rows: &[OccurrenceRow], limit: i64) -> Option<String> {
    (rows.len() as i64 == limit)
        .then(|| rows.last().map(encode_cursor))
        .flatten()
}

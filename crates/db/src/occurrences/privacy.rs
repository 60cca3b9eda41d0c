//! Forgetting a deleted user in their delivery history. The occurrence rows stay (each id is
//! the idempotency record the e-mail service saw, and the counts stay true); what they say
//! about the person goes: the text sent (it holds the names) and the address it went to.
//!
//! `delivery_attempts.error` and `status_reason` hold only the worker's own vocabulary
//! (`HTTP 503`, `timeout`, `connection error`, counts), never a response body, so they are kept.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::planning::REASON_USER_DELETED;

/// Clears the text and address of every occurrence of `user_id` and marks those in flight
/// (`sending`), so that a delivery finishing after this commits records its outcome without
/// them (see [`super::delivery::complete_deliveries`]). Run it in the transaction that deletes
/// the user; returns how many rows lost a text or an address.
pub async fn redact_user_history(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    use crate::schema::occurrences::dsl as o;
    let redacted = diesel::update(
        o::occurrences
            .filter(o::user_id.eq(user_id))
            .filter(o::message.is_not_null().or(o::email.is_not_null())),
    )
    .set((
        o::message.eq(None::<String>),
        o::email.eq(None::<String>),
        o::updated_at.eq(now),
    ))
    .execute(conn)
    .await?;
    // Locking these rows also makes a completion that is already waiting for them re-read the
    // marker before it writes.
    diesel::update(
        o::occurrences
            .filter(o::user_id.eq(user_id))
            .filter(o::status.eq("sending")),
    )
    .set((
        o::status_reason.eq(REASON_USER_DELETED),
        o::updated_at.eq(now),
    ))
    .execute(conn)
    .await?;
    Ok(redacted)
}

//! `/api/v1/users`: a user and its pending occurrences always change in one transaction.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod patch;
pub mod replace;

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use greetings_db::{
    is_unique_violation,
    occurrences::planning::sync_user_occurrences,
    users::{self, UserFields, UserRow},
};
use uuid::Uuid;

use crate::{problem::ApiError, state::AppState};

/// A duplicate live e-mail is the one unique key a client can hit.
fn map_write_error(err: diesel::result::Error) -> ApiError {
    if is_unique_violation(&err) {
        ApiError::Conflict {
            code: "email-taken",
            detail: "a user with this e-mail address already exists".into(),
        }
    } else {
        err.into()
    }
}

/// Locks the live user `id`, takes its new fields from `fields_of` (given the current row),
/// writes them as of `now` and re-plans its occurrences, all in one transaction (PUT, PATCH).
async fn update_user(
    state: &AppState,
    id: Uuid,
    now: DateTime<Utc>,
    fields_of: impl FnOnce(&UserRow) -> Result<UserFields, ApiError> + Send,
) -> Result<UserRow, ApiError> {
    let policy = state.policy;
    let mut conn = state.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = users::lock_live_user(conn, id)
            .await?
            .ok_or(ApiError::NotFound("user"))?;
        let fields = fields_of(&current)?;
        let horizon = current.materialised_until.max(now + policy.horizon);
        let user = users::replace_user(conn, current.id, &fields, horizon, now)
            .await
            .map_err(map_write_error)?;
        sync_user_occurrences(conn, &user, &policy, now).await?;
        Ok(user)
    })
    .await
}

fn location_of(id: Uuid) -> String {
    format!("/api/v1/users/{id}")
}

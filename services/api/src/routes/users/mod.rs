//! `/api/v1/users`: a user and its pending occurrences always change in one transaction.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod patch;
pub mod replace;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use greetings_db::{
    is_unique_violation,
    occurrences::planning::{sync_user_occurrences, PlanningPolicy},
    users::{self, UserFields, UserRow},
};
use uuid::Uuid;

use crate::problem::ApiError;

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

/// Replaces a locked user's fields and re-plans its occurrences (PUT and PATCH).
async fn rewrite_user(
    conn: &mut AsyncPgConnection,
    current: &UserRow,
    fields: &UserFields,
    policy: &PlanningPolicy,
    now: DateTime<Utc>,
) -> Result<UserRow, ApiError> {
    let horizon = current.materialised_until.max(now + policy.horizon);
    let user = users::replace_user(conn, current.id, fields, horizon, now)
        .await
        .map_err(map_write_error)?;
    sync_user_occurrences(conn, &user, policy, now).await?;
    Ok(user)
}

fn location_of(id: Uuid) -> String {
    format!("/api/v1/users/{id}")
}

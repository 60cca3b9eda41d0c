//! Creating users the way the api does (user row and its occurrences written together), for
//! tests of the scheduler and worker that have no api in front of them.

use chrono::{DateTime, Duration, Utc};
use greetings_db::{
    occurrences::planning::{insert_user_with_occurrences, PlanningPolicy},
    users::{UserFields, UserRow},
    DbPool,
};
use greetings_domain::calendar::Feb29Policy;

/// The shipped defaults: Feb 29 on Feb 28, a 48 h catch-up window, a 72 h horizon.
pub fn default_policy() -> PlanningPolicy {
    PlanningPolicy {
        feb29: Feb29Policy::Feb28,
        catch_up: Duration::hours(48),
        horizon: Duration::hours(72),
    }
}

/// Inserts a user as of `now` with its occurrences for the horizon, as `POST /api/v1/users`.
pub async fn create_user(
    pool: &DbPool,
    fields: &UserFields,
    policy: &PlanningPolicy,
    now: DateTime<Utc>,
) -> UserRow {
    let mut conn = pool.get().await.expect("a pooled connection");
    insert_user_with_occurrences(&mut conn, uuid::Uuid::now_v7(), fields, policy, now)
        .await
        .expect("creating a user")
}

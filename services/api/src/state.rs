//! What every handler shares: the pool, the clock and the planning rules.

use greetings_db::{occurrences::planning::PlanningPolicy, DbConn, DbPool};
use greetings_domain::Clock;

use crate::problem::ApiError;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub clock: Clock,
    pub policy: PlanningPolicy,
}

impl AppState {
    pub async fn conn(&self) -> Result<DbConn, ApiError> {
        Ok(self.pool.get().await?)
    }
}

//! The horizon materialiser: extends every user's occurrence rows to `now + horizon`, a batch
//! of users per transaction, until no user needs it.

use diesel_async::AsyncConnection;
use greetings_db::{
    occurrences::planning::{materialise_batch, MaterialisedBatch, PlanningPolicy},
    DbPool,
};
use greetings_domain::Clock;

use crate::instruments;

#[derive(Clone)]
pub struct Materialiser {
    pub pool: DbPool,
    pub clock: Clock,
    pub policy: PlanningPolicy,
    pub batch_users: i64,
}

impl Materialiser {
    /// Runs batches until one comes back short; returns the totals.
    pub async fn run_until_done(&self) -> anyhow::Result<MaterialisedBatch> {
        let mut total = MaterialisedBatch::default();
        loop {
            let mut conn = self.pool.get().await?;
            let (policy, now, batch) = (self.policy, self.clock.now(), self.batch_users);
            let done = conn
                .transaction::<_, diesel::result::Error, _>(async |conn| {
                    materialise_batch(conn, &policy, now, batch).await
                })
                .await?;
            metrics::counter!(instruments::MATERIALISED).increment(done.occurrences as u64);
            total.users += done.users;
            total.occurrences += done.occurrences;
            if (done.users as i64) < self.batch_users {
                return Ok(total);
            }
            if total.users % 100_000 < self.batch_users as usize {
                tracing::info!(
                    users = total.users,
                    occurrences = total.occurrences,
                    "materialising"
                );
            }
        }
    }
}

//! One dispatch round: expire what is too late, claim what is due, publish it, and give back
//! what the broker did not confirm. Rounds are driven by the run loop in production and
//! directly by tests.

use std::time::Instant;

use chrono::Duration;
use diesel_async::AsyncConnection;
use greetings_db::{occurrences::dispatch, DbPool};
use greetings_domain::Clock;
use greetings_messaging::{DeliveryMessage, Publisher};

use crate::instruments;

/// What failed in a round: the database (retry later) or the broker (reconnect).
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error("database: {0}")]
    Database(#[from] anyhow::Error),
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
}

impl From<diesel::result::Error> for RoundError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Database(err.into())
    }
}

impl From<greetings_db::pool::PoolError> for RoundError {
    fn from(err: greetings_db::pool::PoolError) -> Self {
        Self::Database(err.into())
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub expired: u64,
    pub claimed: usize,
    pub published: usize,
    pub released: usize,
    pub reaped: usize,
    /// After a short round: how long until the earliest waiting row falls due.
    pub next_due_in: Option<std::time::Duration>,
}

#[derive(Clone)]
pub struct Dispatcher {
    pub pool: DbPool,
    pub clock: Clock,
    pub claim_batch: i64,
    pub lease: Duration,
    pub sweep_batch: i64,
}

impl Dispatcher {
    pub async fn run_round(&self, publisher: &Publisher) -> Result<RoundReport, RoundError> {
        let started = Instant::now();
        let mut report = RoundReport::default();
        let mut conn = self.pool.get().await?;
        let now = self.clock.now();

        report.reaped = dispatch::reap_stale_leases(&mut conn, now, self.sweep_batch).await?;
        metrics::counter!(instruments::REAPED).increment(report.reaped as u64);
        for expired in dispatch::expire_overdue(&mut conn, now, self.sweep_batch).await? {
            metrics::counter!(instruments::EXPIRED, "kind" => expired.kind)
                .increment(expired.count as u64);
            report.expired += expired.count as u64;
        }

        let claim_started = Instant::now();
        let (lease, batch) = (self.lease, self.claim_batch);
        let claimed = conn
            .transaction::<_, diesel::result::Error, _>(async |conn| {
                dispatch::claim_due(conn, now, lease, batch).await
            })
            .await?;
        metrics::histogram!(instruments::CLAIM_DURATION)
            .record(claim_started.elapsed().as_secs_f64());
        report.claimed = claimed.len();
        if !claimed.is_empty() {
            let messages: Vec<DeliveryMessage> = claimed
                .iter()
                .map(|c| DeliveryMessage::V1 {
                    occurrence_id: c.id,
                    claim_seq: c.claim_seq,
                    kind: c.kind.clone(),
                    send_at: c.send_at,
                })
                .collect();
            // On a broker error the claims stay leased and are reaped after the lease.
            let confirmed = publisher.publish_all(&messages).await?;
            let mut unconfirmed = Vec::new();
            for (claim, ok) in claimed.iter().zip(&confirmed) {
                if *ok {
                    metrics::counter!(instruments::PUBLISHED, "kind" => claim.kind.clone())
                        .increment(1);
                    report.published += 1;
                } else {
                    unconfirmed.push((claim.id, claim.claim_seq));
                }
            }
            if !unconfirmed.is_empty() {
                metrics::counter!(instruments::PUBLISH_FAILED).increment(unconfirmed.len() as u64);
                report.released =
                    dispatch::release_claims(&mut conn, &unconfirmed, self.clock.now()).await?;
            }
        }
        if (report.claimed as i64) < self.claim_batch {
            report.next_due_in = dispatch::next_due_at(&mut conn)
                .await?
                .map(|due| (due - self.clock.now()).to_std().unwrap_or_default());
        }
        metrics::counter!(instruments::TICKS).increment(1);
        metrics::histogram!(instruments::TICK_DURATION).record(started.elapsed().as_secs_f64());
        Ok(report)
    }

    /// Refreshes the backlog and queue-depth gauges.
    pub async fn observe(
        &self,
        publisher: &Publisher,
        topology: &greetings_messaging::Topology,
    ) -> Result<(), RoundError> {
        let mut conn = self.pool.get().await?;
        let due = dispatch::count_due_unsent(&mut conn, self.clock.now()).await?;
        metrics::gauge!(instruments::DUE_UNSENT).set(due as f64);
        let (ready, dead) = topology.depths(publisher.channel()).await?;
        metrics::gauge!(instruments::QUEUE_DEPTH).set(f64::from(ready));
        metrics::gauge!(instruments::DEAD_LETTER_DEPTH).set(f64::from(dead));
        Ok(())
    }
}

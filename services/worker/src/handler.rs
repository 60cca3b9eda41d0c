//! Handling one delivery message: the worker's whole decision, with no broker in sight.
//! Database work is two short statements around the HTTP call; no transaction spans it.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use greetings_db::{
    occurrences::delivery::{
        begin_deliveries, complete_deliveries, AttemptRecord, Completion, DeliveryJob, NotStarted,
        Outcome,
    },
    DbPool,
};
use greetings_domain::{Clock, OccasionKind, PersonName};
use greetings_messaging::{DeliveryMessage, Handled, Handler};
use tokio_util::sync::CancellationToken;

use crate::{
    backoff::retry_delay,
    batcher::Batcher,
    breaker::{Admission, CircuitBreaker},
    email::{EmailClient, SendOutcome},
    instruments,
    settings::DeliverySettings,
};

/// Batched `queued → sending` transitions: (occurrence id, claim) in, job or reason out.
pub type Begins = Batcher<(uuid::Uuid, i32), Result<DeliveryJob, NotStarted>>;
/// Batched results: an attempt's outcome in, whether it was applied out.
pub type Completions = Batcher<Outcome, bool>;

/// Starts the two batching tasks on `pool`, reading now from `clock` for each batch.
pub fn spawn_batchers(
    pool: DbPool,
    clock: Clock,
    lease: chrono::Duration,
    max_batch: usize,
) -> (Begins, Completions) {
    let begin_pool = pool.clone();
    let begins = Batcher::spawn(max_batch, move |claims: Vec<(uuid::Uuid, i32)>| {
        let pool = begin_pool.clone();
        async move {
            let mut conn = pool.get().await.map_err(|e| e.to_string())?;
            begin_deliveries(&mut conn, &claims, clock.now(), lease)
                .await
                .map_err(|e| e.to_string())
        }
    });
    let completions = Batcher::spawn(max_batch, move |outcomes: Vec<Outcome>| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.get().await.map_err(|e| e.to_string())?;
            complete_deliveries(&mut conn, &outcomes, clock.now())
                .await
                .map_err(|e| e.to_string())
        }
    });
    (begins, completions)
}

pub struct DeliveryHandler {
    pub begins: Begins,
    pub completions: Completions,
    pub clock: Clock,
    pub email: EmailClient,
    pub breaker: Arc<CircuitBreaker>,
    pub delivery: DeliverySettings,
    pub shutdown: CancellationToken,
}

/// Pause before handing a message back when the database is unreachable.
const DATABASE_PAUSE: Duration = Duration::from_secs(1);

impl Handler for DeliveryHandler {
    async fn handle(&self, payload: Vec<u8>) -> Handled {
        let _in_flight = InFlight::start();
        self.handle_message(&payload).await
    }
}

/// Counts one delivery in `IN_FLIGHT` until dropped, so a handler that panics (the consumer
/// catches it and dead-letters the message) does not leave the gauge one too high.
struct InFlight;

impl InFlight {
    fn start() -> Self {
        metrics::gauge!(instruments::IN_FLIGHT).increment(1.0);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!(instruments::IN_FLIGHT).decrement(1.0);
    }
}

impl DeliveryHandler {
    async fn handle_message(&self, payload: &[u8]) -> Handled {
        let (id, claim_seq) = match DeliveryMessage::decode(payload) {
            Ok(DeliveryMessage::V1 {
                occurrence_id,
                claim_seq,
                ..
            }) => (occurrence_id, claim_seq),
            Err(err) => {
                tracing::warn!(error = %err, "malformed delivery message; dead-lettering it");
                metrics::counter!(instruments::MALFORMED).increment(1);
                return Handled::DeadLetter;
            }
        };
        // Hold the message while the breaker is open: no attempt is counted meanwhile.
        if !self.wait_for_breaker().await {
            return Handled::Requeue;
        }
        let job = match self.begins.call((id, claim_seq)).await {
            Ok(Ok(job)) => job,
            Ok(Err(NotStarted::Unknown)) => {
                // Well-formed but foreign: keep it for inspection instead of dropping it.
                tracing::warn!(occurrence = %id, "delivery message for no known occurrence; dead-lettering it");
                metrics::counter!(instruments::MALFORMED).increment(1);
                return Handled::DeadLetter;
            }
            Ok(Err(NotStarted::Stale | NotStarted::NotDueYet)) => {
                metrics::counter!(instruments::STALE).increment(1);
                return Handled::Ack;
            }
            Err(err) => {
                tracing::warn!(error = %err, "could not start a delivery");
                return self.database_unavailable().await;
            }
        };
        self.deliver(job).await
    }

    async fn wait_for_breaker(&self) -> bool {
        loop {
            let admission = self.breaker.admit(Instant::now());
            metrics::gauge!(instruments::BREAKER_STATE).set(self.breaker.state().gauge());
            match admission {
                Admission::Allowed => return true,
                Admission::Wait(pause) => {
                    tokio::select! {
                        _ = self.shutdown.cancelled() => return false,
                        _ = tokio::time::sleep(pause) => {}
                    }
                }
            }
        }
    }

    async fn database_unavailable(&self) -> Handled {
        tokio::select! {
            _ = self.shutdown.cancelled() => {}
            _ = tokio::time::sleep(DATABASE_PAUSE) => {}
        }
        Handled::Requeue
    }

    async fn deliver(&self, job: DeliveryJob) -> Handled {
        let message = render(&job);
        let attempt_started = self.clock.now();
        let (outcome, took) = self.email.send(job.id, &job.email, &message).await;
        let now = self.clock.now();
        let (class, healthy) = match &outcome {
            SendOutcome::Delivered { .. } => ("delivered", true),
            SendOutcome::Permanent { .. } => ("permanent", true),
            SendOutcome::Retryable {
                timed_out: true, ..
            } => ("timeout", false),
            SendOutcome::Retryable { status: None, .. } => ("connect", false),
            SendOutcome::Retryable { .. } => ("retryable", false),
        };
        self.breaker.record(healthy, Instant::now());
        metrics::counter!(instruments::ATTEMPTS, "outcome" => class).increment(1);
        metrics::histogram!(instruments::DELIVERY_DURATION, "outcome" => class)
            .record(took.as_secs_f64());

        let completion = match &outcome {
            SendOutcome::Delivered { .. } => Completion::Delivered {
                message,
                email: job.email.clone(),
            },
            SendOutcome::Permanent { status } => Completion::Failed {
                reason: format!("the e-mail service refused it permanently (HTTP {status})"),
            },
            SendOutcome::Retryable {
                retry_after, error, ..
            } => {
                let delay = retry_delay(
                    job.attempts,
                    Duration::from_millis(self.delivery.backoff_base_ms),
                    Duration::from_millis(self.delivery.backoff_max_ms),
                    *retry_after,
                    rand::random::<f64>(),
                );
                let due_at = now + chrono::Duration::from_std(delay).unwrap_or_default();
                if job.attempts >= self.delivery.max_attempts {
                    Completion::Failed {
                        reason: format!("gave up after {} attempts (last: {error})", job.attempts),
                    }
                } else if due_at > job.deadline_at {
                    Completion::Failed {
                        reason: format!("the next retry would pass the deadline (last: {error})"),
                    }
                } else {
                    Completion::RetryAt {
                        due_at,
                        reason: format!("attempt {} failed: {error}", job.attempts),
                    }
                }
            }
        };
        let record = AttemptRecord {
            started_at: attempt_started,
            duration_ms: took.as_millis().min(i32::MAX as u128) as i32,
            outcome: class,
            http_status: match outcome {
                SendOutcome::Delivered { status } | SendOutcome::Permanent { status } => {
                    Some(i32::from(status))
                }
                SendOutcome::Retryable { status, .. } => status.map(i32::from),
            },
            error: match &outcome {
                SendOutcome::Retryable { error, .. } => Some(error.clone()),
                _ => None,
            },
        };
        self.complete(Outcome {
            job,
            attempt: record,
            completion,
        })
        .await
    }

    /// Commits the result, retrying the database briefly; acks only after the commit.
    async fn complete(&self, outcome: Outcome) -> Handled {
        let mut pause = Duration::from_millis(100);
        for _ in 0..5 {
            match self.completions.call(outcome.clone()).await {
                Ok(_) => return self.count(&outcome),
                Err(err) => tracing::warn!(error = %err, "could not record a delivery result"),
            }
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
        // The row stays 'sending' and its lease expiry hands it back to the scheduler; if the
        // e-mail did go out, the retry carries the same Idempotency-Key.
        Handled::Requeue
    }

    fn count(&self, outcome: &Outcome) -> Handled {
        let kind = outcome.job.kind.clone();
        match &outcome.completion {
            Completion::Delivered { .. } => {
                metrics::counter!(instruments::DELIVERED, "kind" => kind.clone()).increment(1);
                let late =
                    (self.clock.now() - outcome.job.send_at).num_milliseconds() as f64 / 1000.0;
                metrics::histogram!(instruments::LATENESS, "kind" => kind).record(late.max(0.0));
                Handled::Ack
            }
            Completion::RetryAt { .. } => {
                metrics::counter!(instruments::RETRIED, "kind" => kind).increment(1);
                Handled::Ack
            }
            Completion::Failed { reason } => {
                tracing::warn!(occurrence = %outcome.job.id, reason, "delivery failed; dead-lettering");
                metrics::counter!(instruments::FAILED, "kind" => kind).increment(1);
                Handled::DeadLetter
            }
        }
    }
}

/// The current text for the job, from the user's names as read when the job started.
fn render(job: &DeliveryJob) -> String {
    let kind = OccasionKind::parse(&job.kind).unwrap_or(OccasionKind::Birthday);
    match (
        PersonName::parse(&job.first_name),
        PersonName::parse(&job.last_name),
    ) {
        (Ok(first), Ok(last)) => kind.render(&first, &last),
        // Stored names were validated on the way in; keep them verbatim if a row was edited by hand.
        _ => format!(
            "Hey, {} {} {}",
            job.first_name,
            job.last_name,
            kind.definition().message_tail
        ),
    }
}

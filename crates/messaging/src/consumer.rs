//! The consumer loop: it alone acks, rejects or requeues. Handlers get the payload and say
//! what happened; they never see lapin. A message is acked only after the handler returned,
//! that is, after its state change was committed. A handler that panics has its message
//! dead-lettered: left unsettled, the message would hold a prefetch slot until the channel
//! closed and then come back to panic again.

use std::{future::Future, panic::AssertUnwindSafe, sync::Arc};

use futures_util::{FutureExt, StreamExt};
use lapin::{
    options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions},
    types::FieldTable,
    Channel,
};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// What the loop does with a message after its handler ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Done (delivered, or stale and safely ignored).
    Ack,
    /// Cannot ever succeed (malformed, permanently failed, the handler panicked): to the
    /// dead-letter queue.
    DeadLetter,
    /// Not handled now (database down, shutting down): back to the queue for another try.
    Requeue,
}

pub trait Handler: Send + Sync + 'static {
    fn handle(&self, payload: Vec<u8>) -> impl Future<Output = Handled> + Send;
}

/// Consumes `queue` with at most `concurrency` messages in flight (prefetch = concurrency)
/// until `shutdown` is cancelled, then waits for in-flight handlers. Returns an error when the
/// channel fails, so the caller can reconnect.
pub async fn consume<H: Handler>(
    channel: &Channel,
    queue: &str,
    concurrency: u16,
    handler: Arc<H>,
    shutdown: CancellationToken,
) -> lapin::Result<()> {
    channel
        .basic_qos(concurrency, BasicQosOptions::default())
        .await?;
    let mut consumer = channel
        .basic_consume(
            queue.into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let permits = Arc::new(Semaphore::new(concurrency as usize));
    let result = loop {
        let permit = tokio::select! {
            _ = shutdown.cancelled() => break Ok(()),
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let delivery = tokio::select! {
            _ = shutdown.cancelled() => break Ok(()),
            next = consumer.next() => match next {
                Some(Ok(delivery)) => delivery,
                Some(Err(err)) => break Err(err),
                None => break Ok(()),
            },
        };
        let handler = handler.clone();
        tokio::spawn(async move {
            let outcome = AssertUnwindSafe(handler.handle(delivery.data.clone()))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    tracing::error!("a message handler panicked; dead-lettering its message");
                    Handled::DeadLetter
                });
            let acked = match outcome {
                Handled::Ack => delivery.acker.ack(BasicAckOptions::default()).await,
                Handled::DeadLetter => {
                    delivery
                        .acker
                        .nack(BasicNackOptions {
                            requeue: false,
                            ..Default::default()
                        })
                        .await
                }
                Handled::Requeue => {
                    delivery
                        .acker
                        .nack(BasicNackOptions {
                            requeue: true,
                            ..Default::default()
                        })
                        .await
                }
            };
            if let Err(err) = acked {
                // The broker will redeliver it; the conditional updates make that harmless.
                tracing::warn!(error = %err, "could not settle a message");
            }
            drop(permit);
        });
    };
    // Drain: every permit back means every handler finished and settled its message.
    let _ = permits.acquire_many(concurrency as u32).await;
    result
}

//! Group commit for the worker's database writes. Concurrent handlers each ask for one row
//! change; a single task takes whatever requests are waiting, runs them as one statement and
//! answers each caller. Under load batches grow by themselves; when idle a request runs
//! alone at once, so nothing waits for a timer.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

type Request<Q, A> = (Q, oneshot::Sender<Result<A, String>>);

/// A handle to the batching task; cheap to clone.
pub struct Batcher<Q, A> {
    requests: mpsc::Sender<Request<Q, A>>,
}

impl<Q, A> Clone for Batcher<Q, A> {
    fn clone(&self) -> Self {
        Self {
            requests: self.requests.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("batched database write failed: {0}")]
pub struct BatchError(pub String);

impl<Q: Send + 'static, A: Send + 'static> Batcher<Q, A> {
    /// Spawns the task. `run` gets up to `max_batch` requests and must answer them in order.
    pub fn spawn<F, Fut, E>(max_batch: usize, run: F) -> Self
    where
        F: Fn(Vec<Q>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<A>, E>> + Send,
        E: std::fmt::Display,
    {
        let (requests, mut incoming) = mpsc::channel::<Request<Q, A>>(max_batch * 4);
        tokio::spawn(async move {
            while let Some(first) = incoming.recv().await {
                let mut batch = vec![first];
                while batch.len() < max_batch {
                    match incoming.try_recv() {
                        Ok(request) => batch.push(request),
                        Err(_) => break,
                    }
                }
                let (inputs, replies): (Vec<Q>, Vec<_>) = batch.into_iter().unzip();
                match run(inputs).await {
                    Ok(answers) => {
                        for (reply, answer) in replies.into_iter().zip(answers) {
                            let _ = reply.send(Ok(answer));
                        }
                    }
                    Err(err) => {
                        let message = err.to_string();
                        for reply in replies {
                            let _ = reply.send(Err(message.clone()));
                        }
                    }
                }
            }
        });
        Self { requests }
    }

    pub async fn call(&self, request: Q) -> Result<A, BatchError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send((request, reply))
            .await
            .map_err(|_| BatchError("the batching task stopped".into()))?;
        answer
            .await
            .map_err(|_| BatchError("the batching task dropped the request".into()))?
            .map_err(BatchError)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };

    use super::*;

    #[tokio::test]
    async fn concurrent_requests_are_answered_in_order_from_fewer_batches() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counter = runs.clone();
        let batcher = Batcher::spawn(64, move |inputs: Vec<u32>| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::task::yield_now().await;
                Ok::<_, String>(inputs.into_iter().map(|n| n * 2).collect())
            }
        });
        let calls = (0..200u32).map(|n| {
            let batcher = batcher.clone();
            tokio::spawn(async move { (n, batcher.call(n).await.unwrap()) })
        });
        for call in futures_util::future::join_all(calls).await {
            let (n, doubled) = call.unwrap();
            assert_eq!(doubled, n * 2);
        }
        assert!(
            runs.load(Ordering::SeqCst) < 200,
            "some requests shared a batch"
        );
    }

    #[tokio::test]
    async fn a_failed_batch_fails_every_request_in_it() {
        let batcher = Batcher::spawn(8, |_: Vec<u32>| async {
            Err::<Vec<u32>, _>("database down")
        });
        let err = batcher.call(1).await.unwrap_err();
        assert!(err.to_string().contains("database down"));
    }
}

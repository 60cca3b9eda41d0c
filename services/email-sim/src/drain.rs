//! Graceful shutdown. When the shutdown token fires, the simulator stops accepting
//! connections, ends every simulated wait (hanging requests get a 503), asks clients to close
//! their connections, and stops as soon as no request is in flight.
//!
//! Why not just actix's graceful stop: it waits for every connection to close, idle
//! keep-alive ones included, so a client's connection pool would hold shutdown for the whole
//! keep-alive timeout. Counting requests in flight lets us stop the moment the last answer is
//! out.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
};

use actix_web::{
    body::MessageBody,
    dev::{Service, ServiceRequest, ServiceResponse},
    http::ConnectionType,
    Error,
};
use tokio::sync::Notify;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

/// Shared by the server's middleware, the handlers and `run_until_stopped`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Drain {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    draining: CancellationToken,
    in_flight: AtomicUsize,
    idle: Notify,
}

impl Drain {
    /// Starts draining: waits end and answers close their connection.
    pub(crate) fn start(&self) {
        self.inner.draining.cancel();
    }

    /// Completes once draining has started.
    pub(crate) fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        self.inner.draining.cancelled()
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.inner.in_flight.load(Ordering::Acquire)
    }

    /// Completes when no request is in flight.
    pub(crate) async fn idle(&self) {
        loop {
            let notified = self.inner.idle.notified();
            tokio::pin!(notified);
            // Register before reading the count, so a request finishing in between still
            // wakes us.
            notified.as_mut().enable();
            if self.in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }

    fn enter(&self) -> InFlight {
        self.inner.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(self.inner.clone())
    }

    /// The middleware body: counts the request while it runs and, once draining, answers with
    /// `Connection: close`.
    pub(crate) fn track<S, B>(
        &self,
        request: ServiceRequest,
        service: &S,
    ) -> impl Future<Output = Result<ServiceResponse<B>, Error>> + 'static
    where
        S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
        S::Future: 'static,
        B: MessageBody,
    {
        let in_flight = self.enter();
        let response = service.call(request);
        async move {
            let mut response = response.await;
            if let Ok(response) = &mut response {
                if in_flight.0.draining.is_cancelled() {
                    response
                        .response_mut()
                        .head_mut()
                        .set_connection_type(ConnectionType::Close);
                }
            }
            drop(in_flight);
            response
        }
    }
}

/// One request in flight; dropping it (answered or abandoned by its client) uncounts it.
struct InFlight(Arc<Inner>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn idle_completes_when_the_last_request_leaves() {
        let drain = Drain::default();
        let first = drain.enter();
        let second = drain.enter();
        assert_eq!(drain.in_flight(), 2);

        let waiter = tokio::spawn({
            let drain = drain.clone();
            async move { drain.idle().await }
        });
        tokio::task::yield_now().await;
        drop(first);
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "one request is still in flight");
        drop(second);

        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("idle completes")
            .expect("the waiter does not panic");
        assert_eq!(drain.in_flight(), 0);
    }

    #[tokio::test]
    async fn idle_completes_at_once_with_nothing_in_flight() {
        tokio::time::timeout(std::time::Duration::from_secs(5), Drain::default().idle())
            .await
            .expect("idle completes");
    }
}

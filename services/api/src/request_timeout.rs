//! A deadline for every request (`http.request_timeout_ms`): a request still unanswered when
//! it passes — a stalled database, a client trickling its body — gets 503 with `Retry-After`,
//! and its work is dropped. An open transaction then rolls back; a commit already sent may
//! still land, so a timed-out write's outcome is unknown to the client until it reads back.

use std::time::Duration;

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web, Error,
};

use crate::problem::ApiError;

#[derive(Debug, Clone, Copy)]
pub struct RequestTimeout(pub Duration);

/// Middleware (`middleware::from_fn`). A timed-out request answers through `Err`: the request
/// itself has moved into the handler's future, and actix renders the error as our problem.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let limit = req
        .app_data::<web::Data<RequestTimeout>>()
        .map(|timeout| timeout.0)
        .expect("the request timeout is registered with the app");
    let path = req.path().to_owned();
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(response) => response,
        Err(_elapsed) => {
            tracing::warn!(
                path,
                limit_ms = limit.as_millis() as u64,
                "request timed out"
            );
            Err(ApiError::TimedOut(limit).into())
        }
    }
}

//! `POST /send-email`: the vendor API. Decides the answer on arrival from the live behaviour,
//! records it, waits the simulated latency (or hangs), then answers.
//!
//! The record is written when the answer is decided, not when it is sent: like a real vendor,
//! a delivery counts even if the client gave up before hearing the 200, which is exactly the
//! case idempotency keys exist for.

use std::time::Instant;

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use greetings_domain::Clock;
use serde::Deserialize;

use super::problem::{problem, ProblemBuilder};
use crate::{
    behaviour::{LiveBehaviour, Outcome},
    drain::Drain,
    instruments,
    records::{Record, Records},
};

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

#[derive(Debug, Deserialize)]
struct EmailIn {
    email: String,
    message: String,
}

pub(super) async fn send_email(
    request: HttpRequest,
    body: web::Bytes,
    behaviour: web::Data<LiveBehaviour>,
    records: web::Data<Records>,
    clock: web::Data<Clock>,
    drain: web::Data<Drain>,
) -> HttpResponse {
    let started = Instant::now();
    let received_at = clock.now();
    // Parsed by hand rather than with `web::Json` so a malformed body is counted and answered
    // in the same problem shape as everything else, whatever its content type.
    let email = match serde_json::from_slice::<EmailIn>(&body) {
        Ok(email) => email,
        Err(error) => {
            records.record_malformed();
            instruments::count_request(400);
            instruments::observe_duration(started.elapsed().as_secs_f64());
            return problem(
                StatusCode::BAD_REQUEST,
                "malformed_body",
                format!("expected a JSON object with string fields email and message: {error}"),
            );
        }
    };
    let idempotency_key = request
        .headers()
        .get(IDEMPOTENCY_KEY)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(str::to_owned);

    let current = behaviour.current();
    let outcome = current.decide(rand::random());
    let delay = current.delay(outcome, rand::random());
    let recorded = records.record(Record {
        email: email.email,
        message: email.message,
        idempotency_key,
        status: outcome.status(),
        received_at,
    });
    instruments::count_request(outcome.status());
    if recorded.duplicate {
        instruments::count_duplicate();
    }

    let response = if delay.is_zero() {
        answer(outcome, current.retry_after_seconds)
    } else {
        tokio::select! {
            () = tokio::time::sleep(delay) => answer(outcome, current.retry_after_seconds),
            // Shutting down: end the wait so the drain is not held up by simulated latency.
            () = drain.cancelled() => match outcome {
                Outcome::Hang => problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "shutting_down",
                    "the simulator is shutting down",
                ),
                _ => answer(outcome, current.retry_after_seconds),
            },
        }
    };
    instruments::observe_duration(started.elapsed().as_secs_f64());
    response
}

fn answer(outcome: Outcome, retry_after_seconds: u64) -> HttpResponse {
    match outcome {
        Outcome::Deliver => HttpResponse::Ok().json(serde_json::json!({"status": "sent"})),
        Outcome::InternalError => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "simulated_error",
            "simulated internal error (failure.error_rate)",
        ),
        Outcome::Unavailable => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "simulated_error",
            "simulated unavailability (failure.error_rate)",
        ),
        Outcome::Hang => problem(
            StatusCode::GATEWAY_TIMEOUT,
            "simulated_timeout",
            "simulated hang (failure.timeout_rate)",
        ),
        Outcome::Throttle => ProblemBuilder::new(
            StatusCode::TOO_MANY_REQUESTS,
            "simulated_throttle",
            "simulated rate limit (failure.throttle_rate)",
        )
        .header("Retry-After", retry_after_seconds.to_string())
        .finish(),
        Outcome::Reject => problem(
            StatusCode::BAD_REQUEST,
            "simulated_rejection",
            "simulated permanent refusal (failure.permanent_rate)",
        ),
    }
}

//! The worker's metrics, declared once with their help text.

pub const DELIVERED: &str = "greetings_messages_delivered_total";
pub const FAILED: &str = "greetings_messages_failed_total";
pub const RETRIED: &str = "greetings_delivery_retries_total";
pub const STALE: &str = "greetings_stale_messages_total";
pub const MALFORMED: &str = "greetings_malformed_messages_total";
pub const ATTEMPTS: &str = "greetings_email_requests_total";
pub const DELIVERY_DURATION: &str = "greetings_delivery_duration_seconds";
pub const LATENESS: &str = "greetings_delivery_lateness_seconds";
pub const IN_FLIGHT: &str = "greetings_deliveries_in_flight";
pub const ACTIVE_WORKERS: &str = "greetings_active_workers";
pub const BREAKER_STATE: &str = "greetings_circuit_breaker_state";

pub fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        DELIVERED,
        "Occurrences delivered (e-mail service answered 2xx), by kind."
    );
    describe_counter!(FAILED, "Occurrences failed for good (permanent error or attempts exhausted) and dead-lettered, by kind.");
    describe_counter!(
        RETRIED,
        "Attempts that failed in a retryable way and were scheduled again, by kind."
    );
    describe_counter!(
        STALE,
        "Broker messages ignored because their claim was no longer current."
    );
    describe_counter!(
        MALFORMED,
        "Broker messages that could not be decoded or named no known occurrence (dead-lettered)."
    );
    describe_counter!(ATTEMPTS, "Calls to the e-mail service, by outcome class.");
    describe_histogram!(
        DELIVERY_DURATION,
        Unit::Seconds,
        "Duration of one call to the e-mail service, by outcome class."
    );
    describe_histogram!(
        LATENESS,
        Unit::Seconds,
        "Delivery time minus the intended 09:00 local instant, by kind."
    );
    describe_gauge!(IN_FLIGHT, "Deliveries being handled right now.");
    describe_gauge!(
        ACTIVE_WORKERS,
        "1 while this worker is connected and consuming."
    );
    describe_gauge!(
        BREAKER_STATE,
        "E-mail circuit breaker: 0 closed, 1 half-open, 2 open."
    );
    export_at_zero();
}

/// Exports the counters at zero and the gauges at their idle values, so rates and alerts see
/// a series (and `increase()` counts the first event) before the first delivery.
fn export_at_zero() {
    for kind in greetings_domain::OccasionKind::ALL.map(|k| k.as_str()) {
        for counter in [DELIVERED, FAILED, RETRIED] {
            metrics::counter!(counter, "kind" => kind).increment(0);
        }
    }
    for outcome in ["delivered", "retryable", "permanent", "timeout", "connect"] {
        metrics::counter!(ATTEMPTS, "outcome" => outcome).increment(0);
    }
    for counter in [STALE, MALFORMED] {
        metrics::counter!(counter).increment(0);
    }
    metrics::gauge!(IN_FLIGHT).increment(0.0);
    metrics::gauge!(ACTIVE_WORKERS).increment(0.0);
    metrics::gauge!(BREAKER_STATE).increment(0.0);
}

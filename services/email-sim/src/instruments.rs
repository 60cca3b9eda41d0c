//! The simulator's Prometheus series, named once here and described with help text at start.
//!
//! Labels stay low-cardinality: the answered status code only.

use metrics::{describe_counter, describe_histogram, Unit};

/// Requests answered, by HTTP status (`status` label), malformed ones included.
pub const REQUESTS_TOTAL: &str = "greetings_email_sim_requests_total";
/// 2xx answers for an idempotency key that had already had one.
pub const DUPLICATES_TOTAL: &str = "greetings_email_sim_duplicates_total";
/// Time from receiving a request to answering it, simulated latency included.
pub const REQUEST_DURATION_SECONDS: &str = "greetings_email_sim_request_duration_seconds";

/// Registers help text and exports the duplicate counter at zero, so dashboards and alerts see
/// the series before the first duplicate.
pub fn describe() {
    describe_counter!(
        REQUESTS_TOTAL,
        Unit::Count,
        "Requests answered by the e-mail simulator, by HTTP status."
    );
    describe_counter!(
        DUPLICATES_TOTAL,
        Unit::Count,
        "Deliveries (2xx) for an idempotency key that had already been delivered."
    );
    describe_histogram!(
        REQUEST_DURATION_SECONDS,
        Unit::Seconds,
        "Time the e-mail simulator took to answer, simulated latency included."
    );
    metrics::counter!(DUPLICATES_TOTAL).increment(0);
}

/// Counts one answer.
pub fn count_request(status: u16) {
    metrics::counter!(REQUESTS_TOTAL, "status" => status.to_string()).increment(1);
}

/// Counts one duplicate delivery.
pub fn count_duplicate() {
    metrics::counter!(DUPLICATES_TOTAL).increment(1);
}

/// Observes how long one answer took.
pub fn observe_duration(seconds: f64) {
    metrics::histogram!(REQUEST_DURATION_SECONDS).record(seconds);
}

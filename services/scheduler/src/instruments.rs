//! The scheduler's metrics, declared once with their help text.

pub const TICKS: &str = "greetings_scheduler_ticks_total";
pub const TICK_DURATION: &str = "greetings_scheduler_tick_duration_seconds";
pub const CLAIM_DURATION: &str = "greetings_scheduler_claim_duration_seconds";
pub const PUBLISHED: &str = "greetings_messages_scheduled_total";
pub const PUBLISH_FAILED: &str = "greetings_publish_failures_total";
pub const EXPIRED: &str = "greetings_messages_expired_total";
pub const REAPED: &str = "greetings_leases_reaped_total";
pub const MATERIALISED: &str = "greetings_occurrences_materialised_total";
pub const DUE_UNSENT: &str = "greetings_due_unsent_occurrences";
pub const QUEUE_DEPTH: &str = "greetings_queue_depth_messages";
pub const DEAD_LETTER_DEPTH: &str = "greetings_dead_letter_depth_messages";
pub const RECONCILER_VIOLATIONS: &str = "greetings_reconciler_violations";
pub const RECONCILER_RUNS: &str = "greetings_reconciler_runs_total";
pub const DUPLICATES: &str = "greetings_messages_duplicate_total";

pub fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(TICKS, "Dispatch rounds run.");
    describe_histogram!(
        TICK_DURATION,
        Unit::Seconds,
        "Duration of one dispatch round (expire, claim, publish)."
    );
    describe_histogram!(
        CLAIM_DURATION,
        Unit::Seconds,
        "Duration of one batch claim query."
    );
    describe_counter!(
        PUBLISHED,
        "Occurrences claimed and confirmed published to the broker, by kind."
    );
    describe_counter!(
        PUBLISH_FAILED,
        "Claimed occurrences the broker did not confirm (released for the next round)."
    );
    describe_counter!(
        EXPIRED,
        "Occurrences expired because their catch-up window passed, by kind."
    );
    describe_counter!(
        REAPED,
        "Abandoned claims (dead scheduler or worker) returned to waiting."
    );
    describe_counter!(
        MATERIALISED,
        "Occurrence rows created by the horizon materialiser."
    );
    describe_gauge!(
        DUE_UNSENT,
        "Occurrences due now but not yet handed to a worker."
    );
    describe_gauge!(QUEUE_DEPTH, "Messages ready in the deliveries queue.");
    describe_gauge!(DEAD_LETTER_DEPTH, "Messages in the dead-letter queue.");
    describe_gauge!(
        RECONCILER_VIOLATIONS,
        "Occurrences violating a promise check right now, by check: stuck (live past deadline plus grace), duplicate_delivery (delivered more than once, within the look-back)."
    );
    describe_counter!(RECONCILER_RUNS, "Reconciler runs, by outcome (ok, error).");
    describe_counter!(
        DUPLICATES,
        "Extra deliveries of one occurrence found by the reconciler, by kind."
    );
    export_at_zero();
}

/// Exports the event counters at zero for every kind, so rates and alerts see a series (and
/// `increase()` counts the first event) before anything has happened.
fn export_at_zero() {
    for kind in greetings_domain::OccasionKind::ALL.map(|k| k.as_str()) {
        for counter in [PUBLISHED, EXPIRED, DUPLICATES] {
            metrics::counter!(counter, "kind" => kind).increment(0);
        }
    }
    for counter in [TICKS, PUBLISH_FAILED, REAPED, MATERIALISED] {
        metrics::counter!(counter).increment(0);
    }
}

//! How the simulated vendor behaves: the failure rates and latency in force, the live copy
//! that `PUT /control` changes, and the decision for one request.
//!
//! The decision is a pure function of random draws in `0.0..1.0`, so unit tests choose the
//! draw instead of fighting the random number generator.

use std::{sync::RwLock, time::Duration};

use serde::{Deserialize, Serialize};

/// What the simulator does with each request. Rates are probabilities; what they leave over
/// is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Behaviour {
    /// Answer 500 or 503 (half each).
    pub error_rate: f64,
    /// Hang for `hang_ms`, then answer 504.
    pub timeout_rate: f64,
    /// Answer 429 with `Retry-After: retry_after_seconds`.
    pub throttle_rate: f64,
    /// Answer 400: the vendor refuses the message for good.
    pub permanent_rate: f64,
    /// Shortest delay before an answer.
    pub latency_min_ms: u64,
    /// Longest delay before an answer (inclusive).
    pub latency_max_ms: u64,
    /// How long a "timeout" request hangs.
    pub hang_ms: u64,
    /// The `Retry-After` of a 429, in seconds.
    pub retry_after_seconds: u64,
}

impl Default for Behaviour {
    /// A perfect vendor: instant, never fails.
    fn default() -> Self {
        Self {
            error_rate: 0.0,
            timeout_rate: 0.0,
            throttle_rate: 0.0,
            permanent_rate: 0.0,
            latency_min_ms: 0,
            latency_max_ms: 0,
            hang_ms: 30_000,
            retry_after_seconds: 1,
        }
    }
}

/// The answer chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 200: the message is sent.
    Deliver,
    /// 500.
    InternalError,
    /// 503.
    Unavailable,
    /// Hang, then 504.
    Hang,
    /// 429 with `Retry-After`.
    Throttle,
    /// 400: a permanent refusal.
    Reject,
}

impl Outcome {
    /// The HTTP status this outcome answers with.
    pub fn status(self) -> u16 {
        match self {
            Outcome::Deliver => 200,
            Outcome::InternalError => 500,
            Outcome::Unavailable => 503,
            Outcome::Hang => 504,
            Outcome::Throttle => 429,
            Outcome::Reject => 400,
        }
    }
}

impl Behaviour {
    /// Picks the outcome for a uniform `draw` in `0.0..1.0`. The unit interval is cut into
    /// consecutive bands, one per failure kind in field order, and the rest delivers; the
    /// error band's lower half is 500 and its upper half 503.
    pub fn decide(&self, draw: f64) -> Outcome {
        let mut upper = self.error_rate;
        if draw < upper {
            return if draw < self.error_rate / 2.0 {
                Outcome::InternalError
            } else {
                Outcome::Unavailable
            };
        }
        for (rate, outcome) in [
            (self.timeout_rate, Outcome::Hang),
            (self.throttle_rate, Outcome::Throttle),
            (self.permanent_rate, Outcome::Reject),
        ] {
            upper += rate;
            if draw < upper {
                return outcome;
            }
        }
        Outcome::Deliver
    }

    /// How long to wait before answering `outcome`, for a uniform `draw` in `0.0..1.0`.
    pub fn delay(&self, outcome: Outcome, draw: f64) -> Duration {
        if outcome == Outcome::Hang {
            return Duration::from_millis(self.hang_ms);
        }
        let (min, max) = (
            self.latency_min_ms,
            self.latency_max_ms.max(self.latency_min_ms),
        );
        let span = (max - min + 1) as f64;
        // `min(max)` guards a draw of exactly 1.0 from an overeager caller.
        let millis = (min + (draw * span) as u64).min(max);
        Duration::from_millis(millis)
    }

    /// Checks the rates and the latency range; `names` says how to call each field in the
    /// error (config keys at start, control fields at run time).
    pub fn validate(&self, names: &FieldNames) -> Result<(), InvalidBehaviour> {
        let rates = [
            (names.error_rate, self.error_rate),
            (names.timeout_rate, self.timeout_rate),
            (names.throttle_rate, self.throttle_rate),
            (names.permanent_rate, self.permanent_rate),
        ];
        for (key, value) in rates {
            if !(0.0..=1.0).contains(&value) {
                return Err(InvalidBehaviour::RateOutOfRange { key, value });
            }
        }
        let sum: f64 = rates.iter().map(|(_, value)| value).sum();
        // Decimal rates such as 0.1 + 0.2 + 0.7 overshoot 1 by a rounding error.
        if sum > 1.0 + 1e-9 {
            let keys = rates.map(|(key, _)| key).join(" + ");
            return Err(InvalidBehaviour::RatesAboveOne { keys, sum });
        }
        if self.latency_min_ms > self.latency_max_ms {
            return Err(InvalidBehaviour::LatencyInverted {
                min_key: names.latency_min_ms,
                max_key: names.latency_max_ms,
                min: self.latency_min_ms,
                max: self.latency_max_ms,
            });
        }
        Ok(())
    }

    /// The behaviour with `patch` applied, if it is still valid.
    pub fn patched(&self, patch: &BehaviourPatch) -> Result<Behaviour, InvalidBehaviour> {
        let next = Behaviour {
            error_rate: patch.error_rate.unwrap_or(self.error_rate),
            timeout_rate: patch.timeout_rate.unwrap_or(self.timeout_rate),
            throttle_rate: patch.throttle_rate.unwrap_or(self.throttle_rate),
            permanent_rate: patch.permanent_rate.unwrap_or(self.permanent_rate),
            latency_min_ms: patch.latency_min_ms.unwrap_or(self.latency_min_ms),
            latency_max_ms: patch.latency_max_ms.unwrap_or(self.latency_max_ms),
            hang_ms: patch.hang_ms.unwrap_or(self.hang_ms),
            retry_after_seconds: patch
                .retry_after_seconds
                .unwrap_or(self.retry_after_seconds),
        };
        next.validate(&FieldNames::CONTROL)?;
        Ok(next)
    }
}

/// The body of `PUT /control`: any subset of the behaviour's fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BehaviourPatch {
    pub error_rate: Option<f64>,
    pub timeout_rate: Option<f64>,
    pub throttle_rate: Option<f64>,
    pub permanent_rate: Option<f64>,
    pub latency_min_ms: Option<u64>,
    pub latency_max_ms: Option<u64>,
    pub hang_ms: Option<u64>,
    pub retry_after_seconds: Option<u64>,
}

/// What each field is called where it was set, for error messages.
#[derive(Debug)]
pub struct FieldNames {
    pub error_rate: &'static str,
    pub timeout_rate: &'static str,
    pub throttle_rate: &'static str,
    pub permanent_rate: &'static str,
    pub latency_min_ms: &'static str,
    pub latency_max_ms: &'static str,
}

impl FieldNames {
    /// The configuration keys.
    pub const CONFIG: FieldNames = FieldNames {
        error_rate: "failure.error_rate",
        timeout_rate: "failure.timeout_rate",
        throttle_rate: "failure.throttle_rate",
        permanent_rate: "failure.permanent_rate",
        latency_min_ms: "latency.min_ms",
        latency_max_ms: "latency.max_ms",
    };

    /// The JSON fields of `PUT /control`.
    pub const CONTROL: FieldNames = FieldNames {
        error_rate: "errorRate",
        timeout_rate: "timeoutRate",
        throttle_rate: "throttleRate",
        permanent_rate: "permanentRate",
        latency_min_ms: "latencyMinMs",
        latency_max_ms: "latencyMaxMs",
    };
}

/// Why a behaviour cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidBehaviour {
    #[error("{key} must be between 0 and 1 (got {value})")]
    RateOutOfRange { key: &'static str, value: f64 },
    #[error("{keys} must add up to at most 1 (got {sum})")]
    RatesAboveOne { keys: String, sum: f64 },
    #[error("{min_key} must not exceed {max_key} (got {min} > {max})")]
    LatencyInverted {
        min_key: &'static str,
        max_key: &'static str,
        min: u64,
        max: u64,
    },
}

/// The behaviour in force, shared by every worker thread. Requests copy it out and release
/// the lock at once; only `PUT /control` writes.
#[derive(Debug)]
pub struct LiveBehaviour(RwLock<Behaviour>);

impl LiveBehaviour {
    pub fn new(behaviour: Behaviour) -> Self {
        Self(RwLock::new(behaviour))
    }

    pub fn current(&self) -> Behaviour {
        *self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Applies `patch` atomically and returns the new behaviour; nothing changes if invalid.
    pub fn apply(&self, patch: &BehaviourPatch) -> Result<Behaviour, InvalidBehaviour> {
        let mut guard = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let next = guard.patched(patch)?;
        *guard = next;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_rates(error: f64, timeout: f64, throttle: f64, permanent: f64) -> Behaviour {
        Behaviour {
            error_rate: error,
            timeout_rate: timeout,
            throttle_rate: throttle,
            permanent_rate: permanent,
            ..Behaviour::default()
        }
    }

    #[test]
    fn a_perfect_vendor_delivers_every_draw() {
        let behaviour = Behaviour::default();
        for draw in [0.0, 0.25, 0.5, 0.999_999] {
            assert_eq!(behaviour.decide(draw), Outcome::Deliver);
        }
    }

    #[test]
    fn each_failure_kind_owns_its_band_of_the_draw_in_field_order() {
        let behaviour = with_rates(0.2, 0.1, 0.1, 0.1);
        assert_eq!(behaviour.decide(0.0), Outcome::InternalError);
        assert_eq!(behaviour.decide(0.099), Outcome::InternalError);
        assert_eq!(behaviour.decide(0.1), Outcome::Unavailable);
        assert_eq!(behaviour.decide(0.199), Outcome::Unavailable);
        assert_eq!(behaviour.decide(0.2), Outcome::Hang);
        assert_eq!(behaviour.decide(0.35), Outcome::Throttle);
        assert_eq!(behaviour.decide(0.45), Outcome::Reject);
        assert_eq!(behaviour.decide(0.5), Outcome::Deliver);
        assert_eq!(behaviour.decide(0.999), Outcome::Deliver);
    }

    #[test]
    fn a_rate_of_one_claims_every_draw() {
        for (behaviour, expected) in [
            (with_rates(0.0, 1.0, 0.0, 0.0), Outcome::Hang),
            (with_rates(0.0, 0.0, 1.0, 0.0), Outcome::Throttle),
            (with_rates(0.0, 0.0, 0.0, 1.0), Outcome::Reject),
        ] {
            for draw in [0.0, 0.5, 0.999_999] {
                assert_eq!(behaviour.decide(draw), expected, "{behaviour:?} at {draw}");
            }
        }
        let errors = with_rates(1.0, 0.0, 0.0, 0.0);
        assert_eq!(errors.decide(0.2), Outcome::InternalError);
        assert_eq!(errors.decide(0.7), Outcome::Unavailable);
    }

    #[test]
    fn outcomes_answer_with_the_vendor_statuses() {
        let statuses = [
            Outcome::Deliver,
            Outcome::InternalError,
            Outcome::Unavailable,
            Outcome::Hang,
            Outcome::Throttle,
            Outcome::Reject,
        ]
        .map(Outcome::status);
        assert_eq!(statuses, [200, 500, 503, 504, 429, 400]);
    }

    #[test]
    fn the_delay_is_uniform_over_the_inclusive_latency_range() {
        let behaviour = Behaviour {
            latency_min_ms: 10,
            latency_max_ms: 19,
            ..Behaviour::default()
        };
        assert_eq!(
            behaviour.delay(Outcome::Deliver, 0.0),
            Duration::from_millis(10)
        );
        assert_eq!(
            behaviour.delay(Outcome::Deliver, 0.55),
            Duration::from_millis(15)
        );
        assert_eq!(
            behaviour.delay(Outcome::Reject, 0.999_999),
            Duration::from_millis(19)
        );
        assert_eq!(
            behaviour.delay(Outcome::Deliver, 1.0),
            Duration::from_millis(19)
        );
    }

    #[test]
    fn a_hanging_request_waits_hang_ms_whatever_the_latency() {
        let behaviour = Behaviour {
            latency_max_ms: 5,
            hang_ms: 300,
            ..Behaviour::default()
        };
        assert_eq!(
            behaviour.delay(Outcome::Hang, 0.0),
            Duration::from_millis(300)
        );
    }

    #[test]
    fn the_default_latency_answers_at_once() {
        assert_eq!(
            Behaviour::default().delay(Outcome::Deliver, 0.7),
            Duration::ZERO
        );
    }

    #[test]
    fn a_rate_outside_zero_to_one_is_rejected_by_its_config_key() {
        let error = with_rates(1.5, 0.0, 0.0, 0.0)
            .validate(&FieldNames::CONFIG)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "failure.error_rate must be between 0 and 1 (got 1.5)"
        );
        let error = with_rates(0.0, 0.0, -0.1, 0.0)
            .validate(&FieldNames::CONFIG)
            .unwrap_err();
        assert!(error
            .to_string()
            .starts_with("failure.throttle_rate must be between 0 and 1"));
        let error = with_rates(0.0, f64::NAN, 0.0, 0.0)
            .validate(&FieldNames::CONFIG)
            .unwrap_err();
        assert!(error.to_string().starts_with("failure.timeout_rate"));
    }

    #[test]
    fn rates_adding_up_to_more_than_one_are_rejected() {
        let error = with_rates(0.5, 0.3, 0.2, 0.1)
            .validate(&FieldNames::CONFIG)
            .unwrap_err();
        assert!(matches!(error, InvalidBehaviour::RatesAboveOne { .. }));
        assert!(
            error.to_string().contains("failure.permanent_rate"),
            "{error}"
        );
    }

    #[test]
    fn decimal_rates_adding_up_to_exactly_one_are_accepted() {
        assert_eq!(
            with_rates(0.1, 0.2, 0.7, 0.0).validate(&FieldNames::CONFIG),
            Ok(())
        );
    }

    #[test]
    fn an_inverted_latency_range_is_rejected() {
        let behaviour = Behaviour {
            latency_min_ms: 50,
            latency_max_ms: 10,
            ..Behaviour::default()
        };
        let error = behaviour.validate(&FieldNames::CONFIG).unwrap_err();
        assert_eq!(
            error.to_string(),
            "latency.min_ms must not exceed latency.max_ms (got 50 > 10)"
        );
    }

    #[test]
    fn a_patch_changes_only_the_fields_it_names() {
        let live = LiveBehaviour::new(with_rates(0.1, 0.0, 0.0, 0.0));
        let patch = BehaviourPatch {
            throttle_rate: Some(0.5),
            latency_max_ms: Some(20),
            ..BehaviourPatch::default()
        };
        let next = live.apply(&patch).unwrap();
        assert_eq!(next.error_rate, 0.1);
        assert_eq!(next.throttle_rate, 0.5);
        assert_eq!(next.latency_max_ms, 20);
        assert_eq!(live.current(), next);
    }

    #[test]
    fn an_invalid_patch_names_the_control_field_and_changes_nothing() {
        let before = with_rates(0.1, 0.0, 0.0, 0.0);
        let live = LiveBehaviour::new(before);
        let patch = BehaviourPatch {
            error_rate: Some(2.0),
            ..BehaviourPatch::default()
        };
        let error = live.apply(&patch).unwrap_err();
        assert_eq!(
            error.to_string(),
            "errorRate must be between 0 and 1 (got 2)"
        );
        assert_eq!(live.current(), before);
    }

    #[test]
    fn a_patch_with_an_unknown_field_does_not_parse() {
        let parsed = serde_json::from_str::<BehaviourPatch>(r#"{"errorRat": 1.0}"#);
        assert!(parsed.is_err());
    }
}

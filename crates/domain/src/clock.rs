//! The service clock: the only source of "now" for every scheduling decision.
//!
//! A clock may be shifted by a fixed offset (`clock.offset_seconds`) so demos and tests can
//! stand just before 09:00 anywhere in the world, or frozen at an instant in unit tests.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    offset: Duration,
    frozen: Option<DateTime<Utc>>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl Clock {
    /// The machine's wall clock.
    pub fn system() -> Self {
        Self::with_offset_seconds(0)
    }

    /// The wall clock shifted by `seconds` (negative moves it back).
    pub fn with_offset_seconds(seconds: i64) -> Self {
        Self {
            offset: Duration::seconds(seconds),
            frozen: None,
        }
    }

    /// A clock that always answers `at`; for unit tests of pure rules.
    pub fn frozen(at: DateTime<Utc>) -> Self {
        Self {
            offset: Duration::zero(),
            frozen: Some(at),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.frozen.unwrap_or_else(|| Utc::now() + self.offset)
    }

    pub fn offset_seconds(&self) -> i64 {
        self.offset.num_seconds()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_clock_runs_ahead_of_the_wall_clock_by_its_offset() {
        let clock = Clock::with_offset_seconds(3_600);
        let drift = clock.now() - Utc::now();
        assert!(
            (drift - Duration::hours(1)).num_seconds().abs() <= 1,
            "{drift}"
        );
    }

    #[test]
    fn a_frozen_clock_does_not_move() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T08:59:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(Clock::frozen(at).now(), at);
    }
}

//! A circuit breaker around the e-mail service: closed → open when the failure ratio over the
//! last calls is too high → half-open after a pause, letting a few probes through → closed on
//! a probe's success, open again on its failure. While open, callers wait (no attempt is
//! burned, no hot loop).

use std::{
    collections::VecDeque,
    sync::Mutex,
    time::{Duration, Instant},
};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct BreakerSettings {
    pub window: usize,
    pub min_calls: usize,
    pub failure_ratio: f64,
    pub open_seconds: u64,
    pub half_open_probes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Closed,
    HalfOpen,
    Open,
}

impl State {
    /// The gauge value: 0 closed, 1 half-open, 2 open.
    pub fn gauge(self) -> f64 {
        match self {
            Self::Closed => 0.0,
            Self::HalfOpen => 1.0,
            Self::Open => 2.0,
        }
    }
}

#[derive(Debug)]
struct Inner {
    state: State,
    recent: VecDeque<bool>,
    opened_at: Option<Instant>,
    probes_in_flight: usize,
}

#[derive(Debug)]
pub struct CircuitBreaker {
    settings: BreakerSettings,
    inner: Mutex<Inner>,
}

/// Permission to make one call; report its result with [`CircuitBreaker::record`].
#[derive(Debug)]
pub enum Admission {
    Allowed,
    /// Open: try again after this long.
    Wait(Duration),
}

impl CircuitBreaker {
    pub fn new(settings: BreakerSettings) -> Self {
        Self {
            settings,
            inner: Mutex::new(Inner {
                state: State::Closed,
                recent: VecDeque::new(),
                opened_at: None,
                probes_in_flight: 0,
            }),
        }
    }

    pub fn state(&self) -> State {
        self.inner.lock().expect("breaker lock").state
    }

    pub fn admit(&self, now: Instant) -> Admission {
        let mut inner = self.inner.lock().expect("breaker lock");
        let open_for = Duration::from_secs(self.settings.open_seconds);
        if inner.state == State::Open {
            let opened = inner.opened_at.expect("open has a time");
            if now.duration_since(opened) < open_for {
                return Admission::Wait(open_for - now.duration_since(opened));
            }
            inner.state = State::HalfOpen;
            inner.probes_in_flight = 0;
        }
        if inner.state == State::HalfOpen {
            if inner.probes_in_flight >= self.settings.half_open_probes {
                return Admission::Wait(Duration::from_millis(100));
            }
            inner.probes_in_flight += 1;
        }
        Admission::Allowed
    }

    /// Records a call's result: `ok` false for failures that say the service is unwell
    /// (5xx, 429, timeouts, connection errors), not for permanent 4xx.
    pub fn record(&self, ok: bool, now: Instant) {
        let mut inner = self.inner.lock().expect("breaker lock");
        match inner.state {
            State::HalfOpen => {
                inner.probes_in_flight = inner.probes_in_flight.saturating_sub(1);
                if ok {
                    inner.state = State::Closed;
                    inner.recent.clear();
                } else {
                    inner.state = State::Open;
                    inner.opened_at = Some(now);
                }
            }
            State::Closed => {
                inner.recent.push_back(ok);
                while inner.recent.len() > self.settings.window {
                    inner.recent.pop_front();
                }
                let failures = inner.recent.iter().filter(|ok| !**ok).count();
                let calls = inner.recent.len();
                if calls >= self.settings.min_calls
                    && failures as f64 / calls as f64 >= self.settings.failure_ratio
                {
                    inner.state = State::Open;
                    inner.opened_at = Some(now);
                    inner.recent.clear();
                }
            }
            // A call admitted before the circuit opened: its result changes nothing.
            State::Open => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(BreakerSettings {
            window: 10,
            min_calls: 4,
            failure_ratio: 0.5,
            open_seconds: 5,
            half_open_probes: 1,
        })
    }

    #[test]
    fn it_stays_closed_below_the_minimum_number_of_calls() {
        let b = breaker();
        let t = Instant::now();
        for _ in 0..3 {
            b.record(false, t);
        }
        assert_eq!(b.state(), State::Closed);
    }

    #[test]
    fn it_opens_at_the_failure_ratio_and_makes_callers_wait() {
        let b = breaker();
        let t = Instant::now();
        for ok in [true, false, true, false] {
            b.record(ok, t);
        }
        assert_eq!(b.state(), State::Open);
        assert!(
            matches!(b.admit(t + Duration::from_secs(1)), Admission::Wait(d) if d == Duration::from_secs(4))
        );
    }

    #[test]
    fn after_the_pause_one_probe_passes_and_its_result_decides() {
        let b = breaker();
        let t = Instant::now();
        for _ in 0..4 {
            b.record(false, t);
        }
        let later = t + Duration::from_secs(5);
        assert!(matches!(b.admit(later), Admission::Allowed));
        assert_eq!(b.state(), State::HalfOpen);
        assert!(
            matches!(b.admit(later), Admission::Wait(_)),
            "only one probe at a time"
        );
        b.record(false, later);
        assert_eq!(b.state(), State::Open, "a failed probe reopens");
        let again = later + Duration::from_secs(5);
        assert!(matches!(b.admit(again), Admission::Allowed));
        b.record(true, again);
        assert_eq!(b.state(), State::Closed, "a good probe closes");
    }
}

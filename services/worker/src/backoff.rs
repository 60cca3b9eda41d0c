//! Retry delays: exponential backoff with full jitter, never shorter than a `Retry-After`.

use std::time::Duration;

/// `random(0, min(max, base * 2^(attempt-1)))`, then at least `retry_after`. `draw` is a
/// uniform number in [0, 1) (a parameter so the rule is testable).
pub fn retry_delay(
    attempt: i32,
    base: Duration,
    max: Duration,
    retry_after: Option<Duration>,
    draw: f64,
) -> Duration {
    let exponent = attempt.clamp(1, 30) as u32 - 1;
    let ceiling = base.saturating_mul(2u32.saturating_pow(exponent)).min(max);
    let jittered = ceiling.mul_f64(draw.clamp(0.0, 1.0));
    jittered.max(retry_after.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_millis(500);
    const MAX: Duration = Duration::from_secs(60);

    #[test]
    fn the_ceiling_doubles_per_attempt_up_to_the_maximum() {
        assert_eq!(
            retry_delay(1, BASE, MAX, None, 0.999_999),
            BASE.mul_f64(0.999_999)
        );
        assert_eq!(retry_delay(3, BASE, MAX, None, 0.5), Duration::from_secs(1));
        assert_eq!(
            retry_delay(30, BASE, MAX, None, 0.5),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn full_jitter_can_retry_at_once_and_retry_after_is_honoured() {
        assert_eq!(retry_delay(4, BASE, MAX, None, 0.0), Duration::ZERO);
        assert_eq!(
            retry_delay(1, BASE, MAX, Some(Duration::from_secs(7)), 0.3),
            Duration::from_secs(7)
        );
    }
}

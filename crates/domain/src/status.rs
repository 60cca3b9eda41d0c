//! The life cycle of one occurrence (one message for one user, kind and local date).

use std::fmt;

/// Pinned in the operator contract; the database CHECK constraint lists the same names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OccurrenceStatus {
    /// Materialised, waiting for its send time (or its next retry).
    Scheduled,
    /// Claimed by a scheduler and published to the broker under a lease.
    Queued,
    /// A worker is talking to the e-mail service right now.
    Sending,
    /// The last attempt failed in a retryable way; the next one is due later.
    Retrying,
    Delivered,
    /// Permanent error or retries exhausted; dead-lettered.
    Failed,
    /// Its catch-up window passed before it could be sent.
    Expired,
    /// The user was deleted or the date removed or changed.
    Cancelled,
    /// The send time was already past when the system learnt of it, or Feb 29 `skip`.
    Skipped,
}

impl OccurrenceStatus {
    pub const ALL: [OccurrenceStatus; 9] = [
        Self::Scheduled,
        Self::Queued,
        Self::Sending,
        Self::Retrying,
        Self::Delivered,
        Self::Failed,
        Self::Expired,
        Self::Cancelled,
        Self::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Retrying => "retrying",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
            Self::Skipped => "skipped",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == input)
    }

    /// Terminal statuses never change again (except an operator's explicit retry of `failed`).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Delivered | Self::Failed | Self::Expired | Self::Cancelled | Self::Skipped
        )
    }
}

impl fmt::Display for OccurrenceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_name() {
        for status in OccurrenceStatus::ALL {
            assert_eq!(OccurrenceStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(OccurrenceStatus::parse("done"), None);
    }
}

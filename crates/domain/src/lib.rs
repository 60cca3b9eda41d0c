#![doc = include_str!("../README.md")]

pub mod calendar;
pub mod clock;
pub mod occasion;
pub mod person;
pub mod status;
pub mod timezone;

pub use calendar::{
    next_occurrence, plan_occurrences, send_instant, Feb29Policy, PlannedOccurrence, SendRule,
};
pub use clock::Clock;
pub use occasion::{OccasionDate, OccasionKind};
pub use person::{Email, Location, PersonName};
pub use status::OccurrenceStatus;
pub use timezone::Timezone;

/// Why a value handed to a `parse` constructor was refused. The message is written for the
/// person who sent the value and never echoes more than the offending input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl ParseError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

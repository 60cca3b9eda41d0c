//! `/api/v1/schedule`: what the calendar rules will do, computed, not stored.

pub mod preview;

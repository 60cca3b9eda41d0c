#![doc = include_str!("../README.md")]

pub mod api_keys;
pub mod migrations;
pub mod occurrences;
pub mod pool;
pub mod schema;
pub mod users;

pub use pool::{connect, DatabaseSettings, DbConn, DbPool};

/// Whether `err` is a unique-constraint violation (duplicate key).
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

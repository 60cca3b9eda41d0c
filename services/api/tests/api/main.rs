//! Integration tests of the api against a real Postgres: one binary, one database per test.

mod contract;
mod helpers;
mod messages;
mod metrics_summary;
mod users;
mod validation;

//! Integration tests of the api against a real Postgres: one binary, one database per test.

mod auth;
mod contract;
mod helpers;
mod messages;
mod metrics_summary;
mod privacy;
mod users;
mod validation;

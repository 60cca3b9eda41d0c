#![doc = include_str!("../README.md")]

pub mod broker;
pub mod config;
pub mod database;
pub mod http;
pub mod poll;
pub mod private;
pub mod users;

pub use broker::{DeadLetter, TestBroker};
pub use database::TestDatabase;
pub use http::http_client;
pub use poll::eventually;

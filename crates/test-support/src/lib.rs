#![doc = include_str!("../README.md")]

pub mod database;
pub mod poll;

pub use database::TestDatabase;
pub use poll::eventually;

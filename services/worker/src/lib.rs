#![doc = include_str!("../README.md")]

pub mod backoff;
pub mod batcher;
pub mod breaker;
pub mod email;
pub mod handler;
pub mod instruments;
pub mod settings;
pub mod startup;

pub use settings::Settings;
pub use startup::Application;

#![doc = include_str!("../README.md")]

pub mod behaviour;
mod drain;
pub mod instruments;
pub mod records;
mod routes;
pub mod settings;
mod startup;

pub use settings::Settings;
pub use startup::Application;

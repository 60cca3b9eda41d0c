#![doc = include_str!("../README.md")]

pub mod dispatcher;
pub mod instruments;
pub mod materialiser;
pub mod reconciler;
pub mod settings;
pub mod startup;

pub use settings::Settings;
pub use startup::Application;

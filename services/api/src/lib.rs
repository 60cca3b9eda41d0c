#![doc = include_str!("../README.md")]

pub mod auth;
pub mod dto;
pub mod keys_cli;
pub mod openapi;
pub mod problem;
pub mod request_timeout;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod state;
pub mod vocabulary;

pub use settings::Settings;
pub use startup::Application;

#![doc = include_str!("../README.md")]

pub mod connection;
pub mod consumer;
pub mod contract;
pub mod publisher;
pub mod topology;

pub use connection::{connect, RabbitSettings};
pub use consumer::{consume, Handled, Handler};
pub use contract::DeliveryMessage;
pub use publisher::Publisher;
pub use topology::Topology;

//! Publishing with publisher confirms, pipelined: a whole batch is written before any confirm
//! is awaited (waiting for each in turn caps a broker at a few hundred messages a second).

use futures_util::future::join_all;
use lapin::{
    options::{BasicPublishOptions, ConfirmSelectOptions},
    BasicProperties, Channel, Connection,
};

use crate::{contract::DeliveryMessage, topology::Topology};

pub struct Publisher {
    channel: Channel,
    topology: Topology,
}

impl Publisher {
    /// Opens a confirm-mode channel and declares the topology on it.
    pub async fn open(connection: &Connection, topology: Topology) -> lapin::Result<Self> {
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        topology.declare(&channel).await?;
        Ok(Self { channel, topology })
    }

    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// Publishes every message persistently; element `i` of the result says whether message
    /// `i` was confirmed by the broker. An error means the channel is gone.
    pub async fn publish_all(&self, messages: &[DeliveryMessage]) -> lapin::Result<Vec<bool>> {
        let mut confirms = Vec::with_capacity(messages.len());
        for message in messages {
            let properties = BasicProperties::default()
                // 2 = persistent: written to disk, survives a broker restart.
                .with_delivery_mode(2)
                .with_content_type("application/json".into())
                .with_message_id(message.occurrence_id().to_string().into());
            let confirm = self
                .channel
                .basic_publish(
                    self.topology.deliveries_exchange().into(),
                    self.topology.routing_key().into(),
                    BasicPublishOptions::default(),
                    &message.encode(),
                    properties,
                )
                .await?;
            confirms.push(confirm);
        }
        let results = join_all(confirms).await;
        Ok(results
            .into_iter()
            .map(|r| matches!(r, Ok(confirmation) if confirmation.is_ack()))
            .collect())
    }
}

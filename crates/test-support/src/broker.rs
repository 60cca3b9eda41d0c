//! A private RabbitMQ namespace per test: a unique exchange/queue prefix, deleted at the end.

use greetings_messaging::Topology;
use lapin::{
    options::{BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions},
    types::AMQPValue,
    BasicProperties, Connection, ConnectionProperties,
};

pub fn amqp_url() -> String {
    std::env::var("TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

pub struct TestBroker {
    pub url: String,
    pub prefix: String,
    pub topology: Topology,
    connection: Connection,
}

impl TestBroker {
    /// A namespace on the shared test broker (`TEST_AMQP_URL`).
    pub async fn create() -> Self {
        Self::create_on(&amqp_url()).await
    }

    pub async fn create_on(url: &str) -> Self {
        let url = url.to_owned();
        let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
        let connection = Connection::connect(&url, ConnectionProperties::default())
            .await
            .expect("connecting to the test RabbitMQ (is it running? see .ci/run)");
        let topology = Topology::new(&prefix);
        let channel = connection.create_channel().await.expect("channel");
        topology
            .declare(&channel)
            .await
            .expect("declaring the test topology");
        Self {
            url,
            prefix,
            topology,
            connection,
        }
    }

    /// Takes every message currently ready in the deliveries queue (acking them).
    pub async fn drain_deliveries(&self) -> Vec<Vec<u8>> {
        self.drain(&self.topology.deliveries_queue()).await
    }

    pub async fn drain_dead_letters(&self) -> Vec<Vec<u8>> {
        self.drain(&self.topology.dead_letter_queue()).await
    }

    /// Publishes raw payloads (well-formed or not) the way the scheduler publishes deliveries,
    /// and waits until the broker confirmed every one.
    pub async fn publish_raw(&self, payloads: &[&[u8]]) {
        let channel = self.connection.create_channel().await.expect("channel");
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .expect("confirm mode");
        for payload in payloads {
            let confirm = channel
                .basic_publish(
                    self.topology.deliveries_exchange().into(),
                    self.topology.routing_key().into(),
                    BasicPublishOptions::default(),
                    payload,
                    BasicProperties::default().with_delivery_mode(2),
                )
                .await
                .expect("basic.publish")
                .await
                .expect("publisher confirm");
            assert!(confirm.is_ack(), "the broker refused a test message");
        }
    }

    /// Ready messages in (deliveries, dead letters).
    pub async fn depths(&self) -> (u32, u32) {
        let channel = self.connection.create_channel().await.expect("channel");
        self.topology
            .depths(&channel)
            .await
            .expect("passive declares")
    }

    /// Takes every ready dead letter (acking them), with what its `x-death` header says.
    pub async fn drain_dead_letter_records(&self) -> Vec<DeadLetter> {
        let channel = self.connection.create_channel().await.expect("channel");
        let mut letters = Vec::new();
        while let Some(message) = channel
            .basic_get(
                self.topology.dead_letter_queue().into(),
                BasicGetOptions { no_ack: true },
            )
            .await
            .expect("basic.get")
        {
            let deaths = message
                .delivery
                .properties
                .headers()
                .as_ref()
                .and_then(|headers| headers.inner().get("x-death").cloned());
            let deaths: Vec<(String, i64)> = match deaths {
                Some(AMQPValue::FieldArray(array)) => array
                    .as_slice()
                    .iter()
                    .filter_map(|death| match death {
                        AMQPValue::FieldTable(table) => Some((
                            match table.inner().get("reason") {
                                Some(AMQPValue::LongString(reason)) => reason.to_string(),
                                _ => String::new(),
                            },
                            match table.inner().get("count") {
                                Some(AMQPValue::LongLongInt(count)) => *count,
                                _ => 0,
                            },
                        )),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            letters.push(DeadLetter {
                payload: message.delivery.data.clone(),
                deaths,
            });
        }
        letters
    }

    async fn drain(&self, queue: &str) -> Vec<Vec<u8>> {
        let channel = self.connection.create_channel().await.expect("channel");
        let mut messages = Vec::new();
        while let Some(message) = channel
            .basic_get(queue.into(), BasicGetOptions { no_ack: true })
            .await
            .expect("basic.get")
        {
            messages.push(message.delivery.data.clone());
        }
        messages
    }
}

/// A message taken from the dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub payload: Vec<u8>,
    /// `(reason, count)` of each `x-death` entry: `("rejected", 1)` for one nack to the
    /// dead-letter exchange, `("delivery_limit", _)` for a message that kept coming back.
    pub deaths: Vec<(String, i64)>,
}

impl Drop for TestBroker {
    fn drop(&mut self) {
        let (url, topology) = (self.url.clone(), self.topology.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let connection = Connection::connect(&url, ConnectionProperties::default())
                    .await
                    .ok()?;
                let channel = connection.create_channel().await.ok()?;
                topology.delete(&channel).await.ok()
            })
        })
        .join();
    }
}

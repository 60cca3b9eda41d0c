//! A private RabbitMQ namespace per test: a unique exchange/queue prefix, deleted at the end.

use greetings_messaging::Topology;
use lapin::{options::BasicGetOptions, Connection, ConnectionProperties};

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

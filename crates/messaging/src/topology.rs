//! The queue topology, declared in one place. Declaring is idempotent, so every process
//! declares it on every (re)connect.
//!
//! ```text
//! scheduler ─publish─▶ {prefix}.deliveries (direct exchange)
//!                         └─▶ {prefix}.deliveries (quorum queue) ─▶ workers
//!                                └─ rejected / over delivery limit ─▶ {prefix}.dead-letter (fanout)
//!                                                                       └─▶ {prefix}.dead-letter (quorum queue)
//! ```
//!
//! Retries do not go through a broker delay queue: a retryable failure puts the occurrence back
//! in Postgres as `retrying` with its next due time, and the scheduler claims it again. That
//! keeps retry order earliest-deadline-first, survives losing the broker, and avoids the
//! head-of-line blocking of per-message TTLs.

use lapin::{
    options::{
        ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions,
        QueueDeleteOptions,
    },
    types::{AMQPValue, FieldTable},
    Channel, ExchangeKind,
};

/// How many times a quorum queue redelivers one message (worker crashes, nacks) before it
/// dead-letters it; a poison message cannot loop forever.
const DELIVERY_LIMIT: i64 = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    prefix: String,
}

impl Topology {
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    pub fn deliveries_exchange(&self) -> String {
        format!("{}.deliveries", self.prefix)
    }

    pub fn deliveries_queue(&self) -> String {
        format!("{}.deliveries", self.prefix)
    }

    pub fn dead_letter_exchange(&self) -> String {
        format!("{}.dead-letter", self.prefix)
    }

    pub fn dead_letter_queue(&self) -> String {
        format!("{}.dead-letter", self.prefix)
    }

    /// The routing key deliveries are published with.
    pub fn routing_key(&self) -> &'static str {
        "delivery"
    }

    pub async fn declare(&self, channel: &Channel) -> lapin::Result<()> {
        let durable = ExchangeDeclareOptions {
            // Survives a broker restart.
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        channel
            .exchange_declare(
                self.deliveries_exchange().into(),
                ExchangeKind::Direct,
                durable,
                FieldTable::default(),
            )
            .await?;
        // Fanout: everything dead-lettered lands in the one dead-letter queue.
        channel
            .exchange_declare(
                self.dead_letter_exchange().into(),
                ExchangeKind::Fanout,
                durable,
                FieldTable::default(),
            )
            .await?;

        let durable_queue = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        let mut dead_letter_args = FieldTable::default();
        // Quorum queues replicate across a cluster's nodes (Raft) and survive node loss.
        dead_letter_args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("quorum".into()),
        );
        channel
            .queue_declare(
                self.dead_letter_queue().into(),
                durable_queue,
                dead_letter_args,
            )
            .await?;
        channel
            .queue_bind(
                self.dead_letter_queue().into(),
                self.dead_letter_exchange().into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;

        let mut args = FieldTable::default();
        args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("quorum".into()),
        );
        // Rejected messages and those over the delivery limit go to the dead-letter exchange
        // instead of being dropped.
        args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(self.dead_letter_exchange().into()),
        );
        // at-least-once dead-lettering would need overflow=reject-publish; at-most-once is
        // enough here because the database, not the queue, is the record of a failure.
        args.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongLongInt(DELIVERY_LIMIT),
        );
        channel
            .queue_declare(self.deliveries_queue().into(), durable_queue, args)
            .await?;
        channel
            .queue_bind(
                self.deliveries_queue().into(),
                self.deliveries_exchange().into(),
                self.routing_key().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        Ok(())
    }

    /// Removes everything `declare` made (tests clean up their private prefix with it).
    pub async fn delete(&self, channel: &Channel) -> lapin::Result<()> {
        for queue in [self.deliveries_queue(), self.dead_letter_queue()] {
            channel
                .queue_delete(queue.into(), QueueDeleteOptions::default())
                .await?;
        }
        for exchange in [self.deliveries_exchange(), self.dead_letter_exchange()] {
            channel
                .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
                .await?;
        }
        Ok(())
    }

    /// Ready messages in (deliveries, dead letters), from passive declares.
    pub async fn depths(&self, channel: &Channel) -> lapin::Result<(u32, u32)> {
        let passive = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        let main = channel
            .queue_declare(
                self.deliveries_queue().into(),
                passive,
                FieldTable::default(),
            )
            .await?;
        let dead = channel
            .queue_declare(
                self.dead_letter_queue().into(),
                passive,
                FieldTable::default(),
            )
            .await?;
        Ok((main.message_count(), dead.message_count()))
    }
}

//! Building and running a worker: the admin server and the consume loop, reconnecting to
//! RabbitMQ with backoff; SIGTERM stops consuming and drains in-flight deliveries.

use std::{net::TcpListener, sync::Arc, time::Duration};

use anyhow::Context;
use greetings_messaging::{consume, Topology};
use greetings_telemetry::Readiness;
use tokio_util::sync::CancellationToken;

use crate::{
    breaker::CircuitBreaker,
    email::EmailClient,
    handler::{spawn_batchers, DeliveryHandler},
    instruments,
    settings::Settings,
};

pub struct Application {
    port: u16,
    listener: TcpListener,
    settings: Settings,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.http.listen)
            .with_context(|| format!("http.listen: cannot bind {}", settings.http.listen))?;
        let port = listener.local_addr()?.port();
        Ok(Self {
            port,
            listener,
            settings,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let settings = self.settings;
        let metrics = greetings_telemetry::metrics::install_recorder();
        instruments::describe();
        greetings_telemetry::build_info::register("worker", env!("CARGO_PKG_VERSION"));
        let readiness = Readiness::new(&["database", "rabbitmq"]);
        let admin = greetings_telemetry::admin::serve(self.listener, metrics, readiness.clone())?;
        let admin_handle = admin.handle();
        let admin_task = tokio::spawn(admin);

        let pool =
            greetings_db::connect(&settings.database).context("database: building the pool")?;
        let clock = settings.clock.clock();
        let (begins, completions) = spawn_batchers(
            pool.clone(),
            clock,
            chrono::Duration::seconds(settings.delivery.lease_seconds),
            settings.delivery.max_batch,
        );
        let handler = Arc::new(DeliveryHandler {
            begins,
            completions,
            clock,
            email: EmailClient::new(
                &settings.email.url,
                Duration::from_millis(settings.email.timeout_ms),
            )?,
            breaker: Arc::new(CircuitBreaker::new(settings.breaker.clone())),
            delivery: settings.delivery.clone(),
            shutdown: shutdown.clone(),
        });
        let topology = Topology::new(&settings.rabbitmq.prefix);
        let pool_gauges = tokio::spawn(greetings_telemetry::db_pool::watch(
            {
                let pool = pool.clone();
                move || pool.status().into()
            },
            shutdown.clone(),
        ));
        let database_probe =
            tokio::spawn(probe_database(pool, readiness.clone(), shutdown.clone()));
        while !shutdown.is_cancelled() {
            readiness.set("rabbitmq", false);
            let Some(connection) =
                greetings_messaging::connect(&settings.rabbitmq.url, &shutdown).await
            else {
                break;
            };
            let consumed = async {
                let channel = connection.create_channel().await?;
                topology.declare(&channel).await?;
                readiness.set("rabbitmq", true);
                metrics::gauge!(instruments::ACTIVE_WORKERS).set(1.0);
                tracing::info!(
                    concurrency = settings.delivery.concurrency,
                    "consuming deliveries"
                );
                consume(
                    &channel,
                    &topology.deliveries_queue(),
                    settings.delivery.concurrency,
                    handler.clone(),
                    shutdown.clone(),
                )
                .await
            }
            .await;
            metrics::gauge!(instruments::ACTIVE_WORKERS).set(0.0);
            if let Err(err) = consumed {
                tracing::warn!(error = %err, "lost RabbitMQ; reconnecting");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            let _ = connection.close(200, "worker stopping".into()).await;
        }
        let _ = database_probe.await;
        let _ = pool_gauges.await;
        admin_handle.stop(true).await;
        let _ = admin_task.await;
        tracing::info!("worker stopped");
        Ok(())
    }
}

/// Keeps the `database` readiness flag current.
async fn probe_database(
    pool: greetings_db::DbPool,
    readiness: Readiness,
    shutdown: CancellationToken,
) {
    loop {
        let ok = matches!(
            tokio::time::timeout(Duration::from_secs(2), pool.get()).await,
            Ok(Ok(_))
        );
        readiness.set("database", ok);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

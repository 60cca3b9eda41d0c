//! Building and running the scheduler: the admin server, the dispatch loop (reconnecting to
//! RabbitMQ with backoff), the materialiser loop, the reconciler loop and the pool gauges, all
//! stopped by one token.

use std::{net::TcpListener, time::Duration};

use anyhow::Context;
use greetings_messaging::{Publisher, Topology};
use greetings_telemetry::{db_pool, Readiness};
use tokio_util::sync::CancellationToken;

use crate::{
    dispatcher::{Dispatcher, RoundError},
    instruments,
    materialiser::Materialiser,
    reconciler::Reconciler,
    settings::Settings,
};

pub struct Application {
    port: u16,
    listener: TcpListener,
    settings: Settings,
    pub dispatcher: Dispatcher,
    pub materialiser: Materialiser,
    pub reconciler: Reconciler,
    readiness: Readiness,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.http.listen)
            .with_context(|| format!("http.listen: cannot bind {}", settings.http.listen))?;
        let port = listener.local_addr()?.port();
        let pool =
            greetings_db::connect(&settings.database).context("database: building the pool")?;
        let clock = settings.clock.clock();
        let dispatcher = Dispatcher {
            pool: pool.clone(),
            clock,
            claim_batch: settings.dispatch.claim_batch,
            lease: chrono::Duration::seconds(settings.dispatch.lease_seconds),
            sweep_batch: settings.dispatch.sweep_batch,
        };
        let reconciler = Reconciler::new(pool.clone(), clock, &settings.reconcile);
        let materialiser = Materialiser {
            pool,
            clock,
            policy: settings.planning.policy()?,
            batch_users: settings.materialise.batch_users,
        };
        Ok(Self {
            port,
            listener,
            settings,
            dispatcher,
            materialiser,
            reconciler,
            readiness: Readiness::new(&["database", "rabbitmq"]),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let handle = greetings_telemetry::metrics::install_recorder();
        instruments::describe();
        greetings_telemetry::build_info::register("scheduler", env!("CARGO_PKG_VERSION"));
        let admin =
            greetings_telemetry::admin::serve(self.listener, handle, self.readiness.clone())?;
        let admin_handle = admin.handle();
        let admin_task = tokio::spawn(admin);

        let materialiser = tokio::spawn(materialise_loop(
            self.materialiser.clone(),
            Duration::from_secs(self.settings.materialise.interval_seconds),
            self.readiness.clone(),
            shutdown.clone(),
        ));
        let pool = self.dispatcher.pool.clone();
        let pool_gauges = tokio::spawn(db_pool::watch(
            move || pool.status().into(),
            shutdown.clone(),
        ));
        let reconciler = tokio::spawn(reconcile_loop(
            self.reconciler,
            Duration::from_secs(self.settings.reconcile.interval_seconds),
            shutdown.clone(),
        ));
        dispatch_loop(&self.dispatcher, &self.settings, &self.readiness, &shutdown).await;
        let _ = materialiser.await;
        let _ = reconciler.await;
        let _ = pool_gauges.await;
        admin_handle.stop(true).await;
        let _ = admin_task.await;
        tracing::info!("scheduler stopped");
        Ok(())
    }
}

async fn materialise_loop(
    materialiser: Materialiser,
    every: Duration,
    readiness: Readiness,
    shutdown: CancellationToken,
) {
    loop {
        match materialiser.run_until_done().await {
            Ok(done) if done.occurrences > 0 => tracing::info!(
                users = done.users,
                occurrences = done.occurrences,
                "materialised"
            ),
            Ok(_) => {}
            Err(err) => {
                readiness.set("database", false);
                tracing::warn!(
                    error = format!("{err:#}"),
                    "materialising failed; will retry"
                );
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

/// Runs the promise checks every `every` (the first right away) until shutdown.
async fn reconcile_loop(mut reconciler: Reconciler, every: Duration, shutdown: CancellationToken) {
    loop {
        match reconciler.run_once().await {
            Ok(report) => tracing::debug!(?report, "reconciled"),
            Err(err) => {
                tracing::warn!(error = format!("{err:#}"), "reconciling failed; will retry")
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

async fn dispatch_loop(
    dispatcher: &Dispatcher,
    settings: &Settings,
    readiness: &Readiness,
    shutdown: &CancellationToken,
) {
    let topology = Topology::new(&settings.rabbitmq.prefix);
    let tick = Duration::from_millis(settings.dispatch.tick_ms);
    while !shutdown.is_cancelled() {
        readiness.set("rabbitmq", false);
        let Some(connection) = greetings_messaging::connect(&settings.rabbitmq.url, shutdown).await
        else {
            return;
        };
        let publisher = match Publisher::open(&connection, topology.clone()).await {
            Ok(publisher) => publisher,
            Err(err) => {
                tracing::warn!(error = %err, "declaring the topology failed; reconnecting");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        readiness.set("rabbitmq", true);
        tracing::info!("connected to RabbitMQ; dispatching");
        let mut db_backoff = tick;
        let mut last_observed = std::time::Instant::now() - Duration::from_secs(60);
        loop {
            if shutdown.is_cancelled() {
                let _ = connection.close(200, "shutting down".into()).await;
                return;
            }
            let pause = match dispatcher.run_round(&publisher).await {
                Ok(report) => {
                    readiness.set("database", true);
                    db_backoff = tick;
                    if report.claimed > 0 || report.expired > 0 || report.reaped > 0 {
                        tracing::debug!(?report, "dispatch round");
                    }
                    if report.claimed as i64 >= dispatcher.claim_batch {
                        Duration::ZERO
                    } else {
                        // Wake when the next row falls due if that is before the tick. Rows due
                        // now but not claimed are another replica's: wait the tick for those.
                        match report.next_due_in {
                            Some(due) if !due.is_zero() => due.min(tick),
                            _ => tick,
                        }
                    }
                }
                Err(RoundError::Broker(err)) => {
                    tracing::warn!(error = %err, "broker failed; reconnecting");
                    break;
                }
                Err(RoundError::Database(err)) => {
                    readiness.set("database", false);
                    tracing::warn!(
                        error = format!("{err:#}"),
                        retry_in_ms = db_backoff.as_millis() as u64,
                        "database failed"
                    );
                    db_backoff = (db_backoff * 2).min(Duration::from_secs(5));
                    db_backoff
                }
            };
            if last_observed.elapsed() >= Duration::from_secs(5) {
                last_observed = std::time::Instant::now();
                if let Err(err) = dispatcher.observe(&publisher, &topology).await {
                    tracing::debug!(error = %err, "refreshing gauges failed");
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => {}
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }
}

//! Building and running the api: binds its own listener (port 0 in tests) so callers can ask
//! for the port before serving.

use std::{net::TcpListener, time::Duration};

use actix_web::{dev::Server, web, App, HttpServer};
use anyhow::Context;
use greetings_db::DbPool;
use greetings_telemetry::{
    db_pool,
    http_metrics::{self, HttpMetrics},
    latency::LatencyWindow,
};
use tokio_util::sync::CancellationToken;

use crate::{problem::ApiError, routes, settings::Settings, state::AppState};

pub struct Application {
    port: u16,
    server: Server,
    grace: Duration,
    pool: DbPool,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.http.listen)
            .with_context(|| format!("http.listen: cannot bind {}", settings.http.listen))?;
        let port = listener.local_addr()?.port();
        let pool =
            greetings_db::connect(&settings.database).context("database: building the pool")?;
        let state = AppState {
            pool: pool.clone(),
            clock: settings.clock.clock(),
            policy: settings.planning.policy()?,
        };
        let metrics = greetings_telemetry::metrics::install_recorder();
        http_metrics::describe();
        greetings_telemetry::build_info::register("api", env!("CARGO_PKG_VERSION"));
        // Recent API latencies for `GET /api/v1/metrics`; the middleware feeds it.
        let latency = web::Data::new(LatencyWindow::new());
        let max_body = settings.http.max_body_bytes;
        let grace = Duration::from_secs(settings.shutdown.grace_seconds);
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(HttpMetrics)
                .app_data(web::Data::new(state.clone()))
                .app_data(web::Data::new(metrics.clone()))
                .app_data(latency.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(max_body)
                        .error_handler(|err, _req| ApiError::from(err).into()),
                )
                .app_data(web::QueryConfig::default().error_handler(|err, _req| {
                    ApiError::InvalidParameter(crate::problem::FieldError::new(
                        "query",
                        err.to_string(),
                    ))
                    .into()
                }))
                .configure(routes::configure)
                .default_service(web::to(routes::health::not_found))
        })
        .disable_signals()
        .shutdown_timeout(grace.as_secs());
        if settings.http.workers > 0 {
            server = server.workers(settings.http.workers);
        }
        let server = server.listen(listener)?.run();
        Ok(Self {
            port,
            server,
            grace,
            pool,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` is cancelled, then lets in-flight requests finish.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let grace = self.grace;
        let pool = self.pool;
        tokio::spawn(db_pool::watch(
            move || pool.status().into(),
            shutdown.clone(),
        ));
        tokio::spawn(async move {
            shutdown.cancelled().await;
            tracing::info!(grace_seconds = grace.as_secs(), "stopping the api");
            handle.stop(true).await;
        });
        self.server.await.context("api server")
    }
}

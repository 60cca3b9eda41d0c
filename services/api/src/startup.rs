//! Building and running the api: binds its own listener (port 0 in tests) so callers can ask
//! for the port before serving.

use std::{net::TcpListener, time::Duration};

use actix_web::{dev::Server, middleware::from_fn, web, App, HttpServer};
use anyhow::{bail, Context};
use greetings_db::{api_keys, DbPool};
use greetings_telemetry::{
    db_pool,
    http_metrics::{self, HttpMetrics},
    latency::LatencyWindow,
};
use tokio_util::sync::CancellationToken;

use crate::{
    auth::{
        guard::{self, Guard},
        rate_limit::RateLimits,
        Authenticator,
    },
    problem::ApiError,
    request_timeout::{self, RequestTimeout},
    routes,
    settings::Settings,
    state::AppState,
};

pub struct Application {
    port: u16,
    server: Server,
    grace: Duration,
    pool: DbPool,
    guard: web::Data<Guard>,
    /// `/metrics` on its own address (`http.metrics_listen`), when one is set.
    metrics_server: Option<(u16, Server)>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.http.listen)
            .with_context(|| format!("http.listen: cannot bind {}", settings.http.listen))?;
        let port = listener.local_addr()?.port();
        let pool =
            greetings_db::connect(&settings.database).context("database: building the pool")?;
        let guard = web::Data::new(Guard::new(
            authenticator(&settings, &pool).await?,
            RateLimits::new(&settings.rate_limit),
        ));
        let timeout = web::Data::new(RequestTimeout(Duration::from_millis(
            settings.http.request_timeout_ms,
        )));
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
        let metrics_server = match settings.http.metrics_listen.as_str() {
            "" => None,
            address => Some(metrics_only_server(address, metrics.clone())?),
        };
        let metrics_on_main_port = metrics_server.is_none();
        let max_body = settings.http.max_body_bytes;
        let grace = Duration::from_secs(settings.shutdown.grace_seconds);
        let app_guard = guard.clone();
        let mut server = HttpServer::new(move || {
            // The last `wrap` is outermost: metrics see every answer (401/429/503 included)
            // and the deadline covers the guard's key lookup as well as the handler.
            App::new()
                .wrap(from_fn(guard::guard))
                .wrap(from_fn(request_timeout::enforce))
                .wrap(HttpMetrics)
                .app_data(app_guard.clone())
                .app_data(timeout.clone())
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
                .configure(|cfg| {
                    if metrics_on_main_port {
                        routes::metrics(cfg);
                    }
                })
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
            guard,
            metrics_server,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port serving `/metrics` alone, when `http.metrics_listen` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(port, _)| *port)
    }

    /// Serves until `shutdown` is cancelled, then lets in-flight requests finish.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let grace = self.grace;
        let pool = self.pool;
        tokio::spawn(forget_idle_rate_limits(self.guard, shutdown.clone()));
        tokio::spawn(db_pool::watch(
            move || pool.status().into(),
            shutdown.clone(),
        ));
        let metrics_handle = self.metrics_server.map(|(_, server)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        tokio::spawn(async move {
            shutdown.cancelled().await;
            tracing::info!(grace_seconds = grace.as_secs(), "stopping the api");
            handle.stop(true).await;
            if let Some(metrics) = metrics_handle {
                metrics.stop(true).await;
            }
        });
        self.server.await.context("api server")
    }
}

/// A one-thread server answering `/metrics` only, so scrapes can stay on an internal address.
fn metrics_only_server(
    address: &str,
    handle: metrics_exporter_prometheus::PrometheusHandle,
) -> anyhow::Result<(u16, Server)> {
    let listener = TcpListener::bind(address)
        .with_context(|| format!("http.metrics_listen: cannot bind {address}"))?;
    let port = listener.local_addr()?.port();
    let handle = web::Data::new(handle);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(handle.clone())
            .configure(routes::metrics)
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    Ok((port, server))
}

/// The authenticator, or `None` when `auth.disabled` is set. Refuses to start with auth on and
/// no live key: an api that answers 401 to everyone is a misconfiguration, not a state to run in.
async fn authenticator(
    settings: &Settings,
    pool: &DbPool,
) -> anyhow::Result<Option<Authenticator>> {
    if settings.auth.disabled {
        tracing::warn!(
            "auth.disabled is set: every API route is open to anyone who can reach this address \
             (local development only)"
        );
        return Ok(None);
    }
    let mut conn = pool
        .get()
        .await
        .context("database: checking for a live API key at start")?;
    if api_keys::count_live_keys(&mut conn).await? == 0 {
        bail!(
            "auth: no live API key. Mint one with `greetings-api keys create --name NAME \
             --scopes users:read,users:write,admin`, or set auth.disabled = true \
             (GREETINGS__AUTH__DISABLED=true) for local development only"
        );
    }
    Ok(Some(Authenticator::new(
        pool.clone(),
        Duration::from_secs(settings.auth.cache_seconds),
    )))
}

/// Every minute, drops the rate-limit buckets of keys and addresses that have gone quiet.
async fn forget_idle_rate_limits(guard: web::Data<Guard>, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = every.tick() => guard.limits().forget_idle(),
        }
    }
}

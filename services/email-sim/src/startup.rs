//! Building and running the simulator: binds its own listener (port 0 allowed) so tests start
//! it in-process, and drains gracefully when the shutdown token is cancelled.

use std::{
    net::{SocketAddr, TcpListener},
    time::Duration,
};

use actix_web::{dev::Server, web, App, HttpServer};
use anyhow::Context;
use greetings_telemetry::{admin, metrics::install_recorder, Readiness};
use tokio_util::sync::CancellationToken;

use crate::{
    behaviour::LiveBehaviour, drain::Drain, instruments, records::Records, routes,
    settings::Settings,
};

/// A built simulator: bound, and serving once [`Application::run_until_stopped`] is polled.
pub struct Application {
    address: SocketAddr,
    server: Server,
    drain: Drain,
    grace: Duration,
}

impl Application {
    /// Validates `settings`, binds `http.listen` and prepares the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        settings.validate().context("invalid configuration")?;
        let listener = TcpListener::bind(&settings.http.listen)
            .with_context(|| format!("binding http.listen = {}", settings.http.listen))?;
        let address = listener.local_addr().context("reading the bound address")?;
        let grace = Duration::from_secs(settings.shutdown.grace_seconds);

        let prometheus = web::Data::new(install_recorder());
        instruments::describe();
        greetings_telemetry::build_info::register("email-sim", env!("CARGO_PKG_VERSION"));
        let readiness = web::Data::new(Readiness::new(&[]));
        let behaviour = web::Data::new(LiveBehaviour::new(settings.behaviour()));
        let records = web::Data::new(Records::new(settings.record.max_messages));
        let clock = web::Data::new(settings.clock.clock());
        let drain = Drain::default();
        let drain_data = web::Data::new(drain.clone());
        let tracked = drain.clone();

        let server = HttpServer::new(move || {
            let tracker = tracked.clone();
            App::new()
                .app_data(prometheus.clone())
                .app_data(readiness.clone())
                .app_data(behaviour.clone())
                .app_data(records.clone())
                .app_data(clock.clone())
                .app_data(drain_data.clone())
                .configure(admin::configure)
                .configure(routes::configure)
                .wrap_fn(move |request, service| tracker.track(request, service))
        })
        .disable_signals()
        .shutdown_timeout(settings.shutdown.grace_seconds)
        .listen(listener)
        .context("listening for HTTP")?
        .run();

        Ok(Application {
            address,
            server,
            drain,
            grace,
        })
    }

    /// The bound port (the real one when `http.listen` asked for port 0).
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until `shutdown` is cancelled, then stops accepting connections, ends simulated
    /// waits and stops once the requests in flight are answered, or `shutdown.grace_seconds`
    /// have passed.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let handle = self.server.handle();
        // The server future is what carries out `handle`'s commands: it must keep running
        // while we pause and stop it.
        let mut server = tokio::spawn(self.server);
        tokio::select! {
            finished = &mut server => return finished.context("the HTTP server task failed")?.context("the HTTP server failed"),
            () = shutdown.cancelled() => {}
        }
        tracing::info!(
            in_flight = self.drain.in_flight(),
            "draining in-flight requests"
        );
        self.drain.start();
        handle.pause().await;
        if tokio::time::timeout(self.grace, self.drain.idle())
            .await
            .is_err()
        {
            tracing::warn!(
                in_flight = self.drain.in_flight(),
                "grace period over; closing the remaining connections"
            );
        }
        // Nothing is in flight: what remains are idle keep-alive connections, safe to close.
        handle.stop(false).await;
        server
            .await
            .context("the HTTP server task failed")?
            .context("the HTTP server failed while stopping")
    }
}

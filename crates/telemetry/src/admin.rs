//! The small HTTP surface every service exposes: `/metrics`, `/health/live`, `/health/ready`.
//! The api mounts these routes on its main server; the other services run them on their
//! admin port.

use std::net::TcpListener;

use actix_web::{dev::Server, web, App, HttpResponse, HttpServer};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::readiness::Readiness;

/// Registers the health and metrics routes; `app_data` must hold the handle and readiness.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(render_metrics))
        .route("/health/live", web::get().to(live))
        .route("/health/ready", web::get().to(ready));
}

async fn render_metrics(handle: web::Data<PrometheusHandle>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

async fn ready(readiness: web::Data<Readiness>) -> HttpResponse {
    let checks = readiness.snapshot();
    let body = serde_json::json!({
        "status": if readiness.is_ready() { "ready" } else { "not_ready" },
        "checks": checks,
    });
    if readiness.is_ready() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Starts the admin server on an already bound listener (port 0 in tests).
pub fn serve(
    listener: TcpListener,
    handle: PrometheusHandle,
    readiness: Readiness,
) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(handle.clone()))
            .app_data(web::Data::new(readiness.clone()))
            .configure(configure)
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}

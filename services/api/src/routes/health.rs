//! Liveness (the process answers) and readiness (it can reach Postgres).

use std::time::Duration;

use actix_web::{web, HttpResponse};
use diesel_async::RunQueryDsl;

use crate::state::AppState;

#[utoipa::path(get, path = "/health/live", tag = "operations",
    responses((status = 200, description = "the process answers", body = Object)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

#[utoipa::path(get, path = "/health/ready", tag = "operations",
    responses((status = 200, description = "Postgres reachable", body = Object),
        (status = 503, description = "Postgres unreachable", body = Object)))]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let check = async {
        let mut conn = state.pool.get().await.ok()?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await.ok()
    };
    let database = matches!(
        tokio::time::timeout(Duration::from_secs(2), check).await,
        Ok(Some(_))
    );
    let body = serde_json::json!({
        "status": if database { "ready" } else { "not_ready" },
        "checks": {"database": database},
    });
    if database {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

pub async fn metrics(
    handle: web::Data<metrics_exporter_prometheus::PrometheusHandle>,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

pub async fn not_found() -> Result<HttpResponse, crate::problem::ApiError> {
    Err(crate::problem::ApiError::NotFound("resource"))
}

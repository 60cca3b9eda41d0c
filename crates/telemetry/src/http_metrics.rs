//! Request counting and timing as an actix middleware, labelled by route *template*
//! (`/api/v1/users/{id}`), never by raw path, so label cardinality stays bounded.
//!
//! When the app registers a `web::Data<LatencyWindow>`, the middleware also feeds it the
//! durations of API requests (not health checks or scrapes) for the JSON quantile view.

use std::{
    future::{ready, Future, Ready},
    pin::Pin,
    rc::Rc,
    time::Instant,
};

use actix_web::{
    body::MessageBody,
    dev::{Service, ServiceRequest, ServiceResponse, Transform},
    web, Error,
};

use crate::latency::LatencyWindow;

pub const HTTP_REQUESTS_TOTAL: &str = "greetings_http_requests_total";
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "greetings_http_request_duration_seconds";

/// Registers help text for the HTTP metrics (call once at start).
pub fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS_TOTAL,
        "HTTP requests answered, by method, route template and status."
    );
    metrics::describe_histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        metrics::Unit::Seconds,
        "HTTP request latency, by method, route template and status."
    );
}

/// `App::wrap(HttpMetrics)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpMetrics;

impl<S, B> Transform<S, ServiceRequest> for HttpMetrics
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = HttpMetricsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(HttpMetricsService {
            service: Rc::new(service),
        }))
    }
}

pub struct HttpMetricsService<S> {
    service: Rc<S>,
}

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for HttpMetricsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<Result<Self::Response, Self::Error>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let method = req.method().as_str().to_owned();
        let window = req.app_data::<web::Data<LatencyWindow>>().cloned();
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            let result = service.call(req).await;
            let (route, status) = match &result {
                Ok(res) => (
                    res.request()
                        .match_pattern()
                        .unwrap_or_else(|| "unmatched".to_owned()),
                    res.status().as_u16(),
                ),
                Err(err) => (
                    "unmatched".to_owned(),
                    err.as_response_error().status_code().as_u16(),
                ),
            };
            let labels = [
                ("method", method),
                ("route", route),
                ("status", status.to_string()),
            ];
            metrics::counter!(HTTP_REQUESTS_TOTAL, &labels).increment(1);
            let seconds = started.elapsed().as_secs_f64();
            if let Some(window) = window.filter(|_| is_api_route(&labels[1].1)) {
                window.record(seconds);
            }
            metrics::histogram!(HTTP_REQUEST_DURATION_SECONDS, &labels).record(seconds);
            result
        })
    }
}

/// Whether a route template is part of the API people call, as opposed to the operational
/// endpoints (health probes, scrapes, the summary itself) that would swamp the quantiles.
fn is_api_route(route: &str) -> bool {
    !(route == "unmatched"
        || route.starts_with("/health")
        || route == "/metrics"
        || route == "/api/v1/metrics")
}

#[cfg(test)]
mod tests {
    use super::is_api_route;

    #[test]
    fn probes_and_scrapes_stay_out_of_the_latency_view() {
        assert!(is_api_route("/api/v1/users/{id}"));
        assert!(is_api_route("/user"));
        for route in ["/metrics", "/health/ready", "/api/v1/metrics", "unmatched"] {
            assert!(!is_api_route(route), "{route}");
        }
    }
}

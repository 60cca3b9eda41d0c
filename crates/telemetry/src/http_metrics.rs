//! Request counting and timing as an actix middleware, labelled by route *template*
//! (`/api/v1/users/{id}`), never by raw path, so label cardinality stays bounded.

use std::{
    future::{ready, Future, Ready},
    pin::Pin,
    rc::Rc,
    time::Instant,
};

use actix_web::{
    body::MessageBody,
    dev::{Service, ServiceRequest, ServiceResponse, Transform},
    Error,
};

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
            metrics::histogram!(HTTP_REQUEST_DURATION_SECONDS, &labels)
                .record(started.elapsed().as_secs_f64());
            result
        })
    }
}

//! Route table: one module per resource, one file per action.
//!
//! Every path is one actix resource listing its methods, so a method it does not support is a
//! 405 problem with an `Allow` header, not a 404 that suggests the path does not exist.

pub mod health;
pub mod messages;
pub mod metrics_summary;
pub mod schedule;
pub mod users;

use actix_web::{http::Method, web, Resource, Route};

use crate::problem::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Method as M;
    cfg.service(
        web::scope("/api/v1")
            .service(resource(
                "/users",
                [
                    (M::POST, web::to(users::create::create_user)),
                    (M::GET, web::to(users::list::list_users)),
                ],
            ))
            .service(resource(
                "/users/{id}",
                [
                    (M::GET, web::to(users::get::get_user)),
                    (M::PUT, web::to(users::replace::replace_user)),
                    (M::PATCH, web::to(users::patch::patch_user)),
                    (M::DELETE, web::to(users::delete::delete_user)),
                ],
            ))
            .service(resource(
                "/users/{id}/messages",
                [(M::GET, web::to(messages::for_user::list_user_messages))],
            ))
            .service(resource(
                "/messages",
                [(M::GET, web::to(messages::list::list_messages))],
            ))
            .service(resource(
                "/messages/{id}",
                [(M::GET, web::to(messages::get::get_message))],
            ))
            .service(resource(
                "/messages/{id}/retry",
                [(M::POST, web::to(messages::retry::retry_message))],
            ))
            .service(resource(
                "/metrics",
                [(M::GET, web::to(metrics_summary::get_metrics_summary))],
            ))
            .service(resource(
                "/openapi.json",
                [(M::GET, web::to(crate::openapi::openapi_json))],
            ))
            .service(resource(
                "/schedule/preview",
                [(M::GET, web::to(schedule::preview::preview_schedule))],
            )),
    )
    // The original assignment's paths, kept for its clients.
    .service(resource(
        "/user",
        [(M::POST, web::to(users::create::create_user))],
    ))
    .service(resource(
        "/user/{id}",
        [
            (M::GET, web::to(users::get::get_user)),
            (M::PUT, web::to(users::replace::replace_user)),
            (M::DELETE, web::to(users::delete::delete_user)),
        ],
    ))
    .service(resource("/health/live", [(M::GET, web::to(health::live))]))
    .service(resource(
        "/health/ready",
        [(M::GET, web::to(health::ready))],
    ))
    .service(resource(
        "/docs",
        [(M::GET, web::to(crate::openapi::docs_page))],
    ));
}

/// `GET /metrics` (Prometheus text): on the API's port unless `http.metrics_listen` moves it.
pub fn metrics(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(
        "/metrics",
        [(Method::GET, web::to(health::metrics))],
    ));
}

/// A path served by `routes`, one per method; any other method is a 405 naming them.
fn resource<const N: usize>(path: &str, routes: [(Method, Route); N]) -> Resource {
    let allow = routes
        .iter()
        .map(|(method, _)| method.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    routes
        .into_iter()
        .fold(web::resource(path), |resource, (method, route)| {
            resource.route(route.method(method))
        })
        .default_service(web::to(move || {
            let allow = allow.clone();
            async move { Err::<actix_web::HttpResponse, _>(ApiError::MethodNotAllowed(allow)) }
        }))
}

//! `GET /control` shows the behaviour in force; `PUT /control` changes any of its fields live
//! (tests make the vendor fail for a while, then recover).

use actix_web::{http::StatusCode, web, HttpResponse};

use super::problem::problem;
use crate::behaviour::{BehaviourPatch, LiveBehaviour};

pub(super) async fn get_control(behaviour: web::Data<LiveBehaviour>) -> HttpResponse {
    HttpResponse::Ok().json(behaviour.current())
}

pub(super) async fn put_control(
    body: web::Bytes,
    behaviour: web::Data<LiveBehaviour>,
) -> HttpResponse {
    let patch = match serde_json::from_slice::<BehaviourPatch>(&body) {
        Ok(patch) => patch,
        Err(error) => return problem(StatusCode::BAD_REQUEST, "malformed_body", error.to_string()),
    };
    match behaviour.apply(&patch) {
        Ok(next) => {
            tracing::info!(behaviour = ?next, "behaviour changed");
            HttpResponse::Ok().json(next)
        }
        Err(invalid) => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_behaviour",
            invalid.to_string(),
        ),
    }
}

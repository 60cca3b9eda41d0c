//! `PATCH /api/v1/users/{id}`: absent fields are kept, `null` clears an optional one.

use super::update_user;
use crate::{
    dto::{parse_id, UserBody, UserOut},
    problem::{ApiError, BodyErrors, Unavailable},
    state::AppState,
};
use actix_web::{web, HttpResponse};

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path)),
    request_body = crate::dto::UserPatch,
    responses((status = 200, body = UserOut),
        (status = 400, description = "malformed JSON, or id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no live user", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "e-mail already used by another live user", body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyErrors, Unavailable))]
pub async fn patch_user(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<UserBody>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let now = state.clock.now();
    let body = body.into_inner();
    let user = update_user(&state, id, now, |current| body.patch(current, now)).await?;
    Ok(HttpResponse::Ok().json(UserOut::from(user)))
}

//! `PUT /api/v1/users/{id}` (and `PUT /user/{id}`): full replacement.

use super::update_user;
use crate::{
    dto::{parse_id, UserBody, UserOut},
    problem::{ApiError, BodyErrors, Unavailable},
    state::AppState,
};
use actix_web::{web, HttpResponse};

#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path)),
    request_body = crate::dto::UserIn,
    responses((status = 200, body = UserOut),
        (status = 400, description = "malformed JSON, or id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no live user", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "e-mail already used by another live user", body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyErrors, Unavailable))]
pub async fn replace_user(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<UserBody>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    // Validated before any database work: a bad body is a 422 whether or not the user exists.
    let now = state.clock.now();
    let fields = body.into_inner().into_fields(now)?;
    let user = update_user(&state, id, now, |_| Ok(fields)).await?;
    Ok(HttpResponse::Ok().json(UserOut::from(user)))
}

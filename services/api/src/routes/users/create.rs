//! `POST /api/v1/users` (and `POST /user`).

use actix_web::{web, HttpResponse};
use greetings_db::occurrences::planning::insert_user_with_occurrences;
use uuid::Uuid;

use super::{location_of, map_write_error};
use crate::{
    dto::{UserBody, UserOut},
    problem::{ApiError, BodyErrors, Unavailable},
    state::AppState,
};

#[utoipa::path(post, path = "/api/v1/users", tag = "users",
    request_body = crate::dto::UserIn,
    responses(
        (status = 201, description = "created", body = UserOut,
            headers(("Location" = String, description = "the new user's path"))),
        (status = 400, description = "malformed JSON", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "e-mail already used by a live user", body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyErrors, Unavailable))]
pub async fn create_user(
    state: web::Data<AppState>,
    body: web::Json<UserBody>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let fields = body.into_inner().into_fields(now)?;
    let policy = state.policy;
    let mut conn = state.conn().await?;
    let user = insert_user_with_occurrences(&mut conn, Uuid::now_v7(), &fields, &policy, now)
        .await
        .map_err(map_write_error)?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", location_of(user.id)))
        .json(UserOut::from(user)))
}

//! `GET /api/v1/users/{id}`.

use actix_web::{web, HttpResponse};
use greetings_db::users;

use crate::{
    dto::{parse_id, UserOut},
    problem::{ApiError, Unavailable},
    state::AppState,
};

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path)),
    responses((status = 200, body = UserOut),
        (status = 400, description = "id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no live user", body = crate::problem::Problem, content_type = "application/problem+json"),
        Unavailable))]
pub async fn get_user(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let mut conn = state.conn().await?;
    let user = users::find_live_user(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    Ok(HttpResponse::Ok().json(UserOut::from(user)))
}

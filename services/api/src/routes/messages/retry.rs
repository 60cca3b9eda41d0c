//! `POST /api/v1/messages/{id}/retry`: re-drive a failed (dead-lettered) or expired message.

use actix_web::{web, HttpResponse};
use greetings_db::occurrences::{delivery::redrive, find_occurrence};

use super::MessageOut;
use crate::{
    dto::parse_id,
    problem::{ApiError, Unavailable},
    state::AppState,
};

#[utoipa::path(post, path = "/api/v1/messages/{id}/retry", tag = "messages", params(("id" = Uuid, Path)),
    responses((status = 202, description = "due again now, with a fresh window and attempt budget", body = MessageOut),
        (status = 400, description = "id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such message", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "not failed or expired", body = crate::problem::Problem, content_type = "application/problem+json"),
        Unavailable))]
pub async fn retry_message(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    match redrive(&mut conn, id, state.policy.catch_up, now).await? {
        Some(row) => Ok(HttpResponse::Accepted().json(MessageOut::from(row))),
        None => match find_occurrence(&mut conn, id).await? {
            None => Err(ApiError::NotFound("message")),
            Some(row) => Err(ApiError::Conflict {
                code: "not-retryable",
                detail: format!(
                    "only failed or expired messages can be retried; this one is {}",
                    row.status
                ),
            }),
        },
    }
}

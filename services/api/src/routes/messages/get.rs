//! `GET /api/v1/messages/{id}`: one occurrence with every delivery attempt.

use actix_web::{web, HttpResponse};
use greetings_db::occurrences::{find_occurrence, list_attempts};
use serde::Serialize;

use super::{AttemptOut, MessageOut};
use crate::{
    dto::parse_id,
    problem::{ApiError, Unavailable},
    state::AppState,
};

#[derive(Serialize, utoipa::ToSchema)]
pub struct MessageDetail {
    #[serde(flatten)]
    message: MessageOut,
    #[serde(rename = "deliveryAttempts")]
    delivery_attempts: Vec<AttemptOut>,
}

#[utoipa::path(get, path = "/api/v1/messages/{id}", tag = "messages", params(("id" = Uuid, Path)),
    responses((status = 200, body = MessageDetail),
        (status = 400, description = "id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such message", body = crate::problem::Problem, content_type = "application/problem+json"),
        Unavailable))]
pub async fn get_message(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let mut conn = state.conn().await?;
    let row = find_occurrence(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound("message"))?;
    let attempts = list_attempts(&mut conn, id).await?;
    Ok(HttpResponse::Ok().json(MessageDetail {
        message: row.into(),
        delivery_attempts: attempts.into_iter().map(AttemptOut::from).collect(),
    }))
}

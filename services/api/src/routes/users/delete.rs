//! `DELETE /api/v1/users/{id}` (and `DELETE /user/{id}`): soft delete. In the same
//! transaction the user's personal fields are replaced, pending messages are cancelled, and the
//! delivery history keeps its rows but loses the texts and addresses.

use actix_web::{web, HttpResponse};
use diesel_async::AsyncConnection;
use greetings_db::{
    occurrences::{
        planning::{cancel_pending_for_user, REASON_USER_DELETED},
        privacy::redact_user_history,
    },
    users,
};

use crate::{
    dto::parse_id,
    problem::{ApiError, Unavailable},
    state::AppState,
};

#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path)),
    responses((status = 204, description = "deleted; personal data redacted, pending messages cancelled"),
        (status = 400, description = "id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no live user", body = crate::problem::Problem, content_type = "application/problem+json"),
        Unavailable))]
pub async fn delete_user(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        if !users::soft_delete_user(conn, id, now).await? {
            return Err(ApiError::NotFound("user"));
        }
        cancel_pending_for_user(conn, id, REASON_USER_DELETED, now).await?;
        redact_user_history(conn, id, now).await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

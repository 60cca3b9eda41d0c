//! `GET /api/v1/users?limit=&cursor=`: live users in id order, a cursor page at a time.

use actix_web::{web, HttpResponse};
use greetings_db::users;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    dto::{page_limit, Page, UserOut},
    problem::{ApiError, FieldError, Unavailable},
    state::AppState,
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size, default 50.
    #[param(minimum = 1, maximum = 200, nullable = false)]
    limit: Option<i64>,
    /// `nextCursor` of the previous page.
    #[param(nullable = false)]
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    params(ListQuery),
    responses((status = 200, body = Page<UserOut>),
        (status = 400, description = "bad limit or cursor, or an unknown parameter", body = crate::problem::Problem, content_type = "application/problem+json"),
        Unavailable))]
pub async fn list_users(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| {
            uuid::Uuid::parse_str(c).map_err(|_| {
                ApiError::InvalidParameter(FieldError::new(
                    "cursor",
                    "is not a cursor this API issued",
                ))
            })
        })
        .transpose()?;
    let mut conn = state.conn().await?;
    let rows = users::list_live_users(&mut conn, after, limit).await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|u| u.id.to_string()))
        .flatten();
    Ok(HttpResponse::Ok().json(Page {
        items: rows.into_iter().map(UserOut::from).collect(),
        next_cursor,
    }))
}

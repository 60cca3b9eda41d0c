//! `GET /api/v1/messages?status=&kind=&from=&to=&limit=&cursor=`.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use greetings_db::occurrences::{list_occurrences, OccurrenceFilter};
use greetings_domain::{OccasionKind, OccurrenceStatus};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{decode_cursor, next_cursor, MessageOut};
use crate::{
    dto::{page_limit, Page},
    problem::{ApiError, FieldError, Unavailable},
    state::AppState,
    vocabulary::{KindName, StatusName},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = StatusName, required = false)]
    status: Option<String>,
    #[param(value_type = KindName, required = false)]
    kind: Option<String>,
    /// RFC 3339 instant; `sendAt` at or after it.
    #[param(format = DateTime, nullable = false)]
    from: Option<String>,
    /// RFC 3339 instant; `sendAt` before it.
    #[param(format = DateTime, nullable = false)]
    to: Option<String>,
    /// Page size, default 50.
    #[param(minimum = 1, maximum = 200, nullable = false)]
    limit: Option<i64>,
    /// `nextCursor` of the previous page.
    #[param(nullable = false)]
    cursor: Option<String>,
}

fn instant(field: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.map(|raw| {
        DateTime::parse_from_rfc3339(raw)
            .map(|at| at.to_utc())
            .map_err(|_| {
                ApiError::InvalidParameter(FieldError::new(
                    field,
                    "must be an RFC 3339 instant such as 2026-12-04T09:00:00Z",
                ))
            })
    })
    .transpose()
}

#[utoipa::path(get, path = "/api/v1/messages", tag = "messages",
    params(ListQuery),
    responses((status = 200, body = Page<MessageOut>),
        (status = 400, description = "bad filter, limit or cursor, or an unknown parameter", body = crate::problem::Problem, content_type = "application/problem+json"),
        Unavailable))]
pub async fn list_messages(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let status = query
        .status
        .map(|s| {
            OccurrenceStatus::parse(&s)
                .map(|s| s.as_str().to_owned())
                .ok_or_else(|| {
                    ApiError::InvalidParameter(FieldError::new("status", "is not a known status"))
                })
        })
        .transpose()?;
    let kind = query
        .kind
        .map(|k| {
            OccasionKind::parse(&k)
                .map(|k| k.as_str().to_owned())
                .map_err(|err| ApiError::InvalidParameter(FieldError::new("kind", err.0)))
        })
        .transpose()?;
    let filter = OccurrenceFilter {
        user_id: None,
        status,
        kind,
        from: instant("from", query.from.as_deref())?,
        to: instant("to", query.to.as_deref())?,
    };
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let mut conn = state.conn().await?;
    let rows = list_occurrences(&mut conn, &filter, after, limit).await?;
    let next_cursor = next_cursor(&rows, limit);
    Ok(HttpResponse::Ok().json(Page {
        items: rows.into_iter().map(MessageOut::from).collect::<Vec<_>>(),
        next_cursor,
    }))
}

//! `GET /api/v1/messages?status=&kind=&from=&to=&limit=&cursor=`.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use greetings_db::occurrences::{list_occurrences, OccurrenceFilter};
use greetings_domain::{OccasionKind, OccurrenceStatus};
use serde::Deserialize;

use super::{decode_cursor, next_cursor, MessageOut};
use crate::{
    dto::{page_limit, Page},
    problem::{ApiError, FieldError},
    state::AppState,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<i64>,
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
    params(("status" = Option<String>, Query, description = "scheduled, queued, sending, retrying, delivered, failed, expired, cancelled or skipped"),
           ("kind" = Option<String>, Query, description = "birthday or anniversary"),
           ("from" = Option<String>, Query, description = "RFC 3339; sendAt at or after"),
           ("to" = Option<String>, Query, description = "RFC 3339; sendAt before"),
           ("limit" = Option<i64>, Query, description = "1-200, default 50"),
           ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page")),
    responses((status = 200, body = Page<MessageOut>), (status = 400, description = "bad filter", body = crate::problem::Problem, content_type = "application/problem+json")))]
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

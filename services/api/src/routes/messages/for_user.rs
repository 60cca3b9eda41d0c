//! `GET /api/v1/users/{id}/messages`: a user's occurrences, past and upcoming, plus the next
//! occurrence of each occasion even when it lies beyond the materialisation horizon.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use greetings_db::{
    occurrences::{list_occurrences, planning::occasion_date, OccurrenceFilter},
    users,
};
use greetings_domain::{calendar::next_occurrence, OccasionKind, Timezone};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::{decode_cursor, local_instant, next_cursor, MessageOut};
use crate::{
    dto::{page_limit, parse_id},
    problem::{ApiError, Unavailable},
    state::AppState,
    vocabulary::KindName,
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Query {
    /// Page size, default 50.
    #[param(minimum = 1, maximum = 200, nullable = false)]
    limit: Option<i64>,
    /// `nextCursor` of the previous page.
    #[param(nullable = false)]
    cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NextOccurrence {
    #[schema(value_type = KindName)]
    kind: &'static str,
    local_date: NaiveDate,
    send_at: DateTime<Utc>,
    local_send_at: DateTime<FixedOffset>,
    rule: String,
    /// Whether a row (with an id and status in `items`) already exists for it.
    materialised: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserMessages {
    items: Vec<MessageOut>,
    /// `null` on the last page.
    #[schema(required = true)]
    next_cursor: Option<String>,
    next: Vec<NextOccurrence>,
}

#[utoipa::path(get, path = "/api/v1/users/{id}/messages", tag = "messages",
    params(("id" = Uuid, Path), Query),
    responses((status = 200, body = UserMessages),
        (status = 400, description = "bad id, limit or cursor, or an unknown parameter", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no live user", body = crate::problem::Problem, content_type = "application/problem+json"),
        Unavailable))]
pub async fn list_user_messages(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let limit = page_limit(query.limit)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let now = state.clock.now();
    let mut conn = state.conn().await?;
    let user = users::find_live_user(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let filter = OccurrenceFilter {
        user_id: Some(id),
        ..OccurrenceFilter::default()
    };
    let rows = list_occurrences(&mut conn, &filter, after, limit).await?;
    let next_cursor = next_cursor(&rows, limit);
    let zone = Timezone::parse(&user.timezone)
        .map_err(|err| ApiError::internal(anyhow::anyhow!("stored zone: {err}")))?;
    let materialised = list_occurrences(
        &mut conn,
        &OccurrenceFilter {
            from: Some(now),
            ..filter
        },
        None,
        20,
    )
    .await?;
    let next = OccasionKind::ALL
        .into_iter()
        .filter_map(|kind| occasion_date(&user, kind).map(|anchor| (kind, anchor)))
        .map(|(kind, anchor)| {
            let planned = next_occurrence(kind, anchor, zone, state.policy.feb29, now);
            NextOccurrence {
                kind: kind.as_str(),
                local_date: planned.local_date,
                send_at: planned.send_at,
                local_send_at: local_instant(planned.send_at, zone.name()),
                rule: planned.rule.label(),
                materialised: materialised
                    .iter()
                    .any(|row| row.kind == kind.as_str() && row.local_date == planned.local_date),
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(UserMessages {
        items: rows.into_iter().map(MessageOut::from).collect(),
        next_cursor,
        next,
    }))
}

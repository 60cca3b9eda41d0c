//! `GET /api/v1/schedule/preview?from=&to=&limit=&cursor=`: who gets what, when, and under
//! which rule, for send instants in `[from, to)` (at most 31 days), a page of users at a time.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, SecondsFormat, Utc};
use greetings_db::{occurrences::planning::plan_user, users};
use greetings_domain::{OccasionKind, PersonName};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::{
    dto::page_limit,
    problem::{ApiError, FieldError, Unavailable},
    routes::messages::local_instant,
    state::AppState,
    vocabulary::KindName,
};

const MAX_WINDOW_DAYS: i64 = 31;

/// The latest `to`: zones run up to 14 hours ahead of UTC, and a later send instant can fall on
/// a local date in year 10000, which RFC 3339 (`localDate`, `localSendAt`) cannot write.
fn latest_to() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .expect("a valid date")
        .and_utc()
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// RFC 3339 instant, inclusive.
    #[param(format = DateTime)]
    from: String,
    /// RFC 3339 instant, exclusive; after `from`, at most 31 days later and at most
    /// 9999-12-31T00:00:00Z.
    #[param(format = DateTime)]
    to: String,
    /// Users per page, default 50.
    #[param(minimum = 1, maximum = 200, nullable = false)]
    limit: Option<i64>,
    /// `nextCursor` of the previous page.
    #[param(nullable = false)]
    cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreviewItem {
    user_id: Uuid,
    email: String,
    #[schema(value_type = KindName)]
    kind: &'static str,
    local_date: NaiveDate,
    send_at: DateTime<Utc>,
    local_send_at: DateTime<FixedOffset>,
    timezone: String,
    rule: String,
    /// False for Feb 29 `skip` in a non-leap year.
    will_send: bool,
    message: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    items: Vec<PreviewItem>,
    /// Cursor over users: the next page continues after the last user examined.
    #[schema(required = true)]
    next_cursor: Option<String>,
}

fn instant(field: &str, raw: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|at| at.to_utc())
        .map_err(|_| {
            ApiError::InvalidParameter(FieldError::new(
                field,
                "must be an RFC 3339 instant such as 2026-12-04T00:00:00Z",
            ))
        })
}

#[utoipa::path(get, path = "/api/v1/schedule/preview", tag = "schedule",
    params(PreviewQuery),
    responses((status = 200, body = Preview),
        (status = 400, description = "bad window, limit or cursor, or an unknown parameter", body = crate::problem::Problem, content_type = "application/problem+json"),
        Unavailable))]
pub async fn preview_schedule(
    state: web::Data<AppState>,
    query: web::Query<PreviewQuery>,
) -> Result<HttpResponse, ApiError> {
    let from = instant("from", &query.from)?;
    let to = instant("to", &query.to)?;
    if to > latest_to() {
        return Err(ApiError::InvalidParameter(FieldError::new(
            "to",
            format!(
                "must be at most {}",
                latest_to().to_rfc3339_opts(SecondsFormat::Secs, true)
            ),
        )));
    }
    if to <= from || to - from > Duration::days(MAX_WINDOW_DAYS) {
        return Err(ApiError::InvalidParameter(FieldError::new(
            "to",
            format!("must be after from, at most {MAX_WINDOW_DAYS} days later"),
        )));
    }
    let limit = page_limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| {
            Uuid::parse_str(c).map_err(|_| {
                ApiError::InvalidParameter(FieldError::new(
                    "cursor",
                    "is not a cursor this API issued",
                ))
            })
        })
        .transpose()?;
    let mut conn = state.conn().await?;
    let page = users::list_live_users(&mut conn, after, limit).await?;
    let next_cursor = (page.len() as i64 == limit)
        .then(|| page.last().map(|u| u.id.to_string()))
        .flatten();
    let mut items = Vec::new();
    // plan_user's window is (after, until]; the preview's is [from, to).
    let (window_start, window_end) = (
        from - Duration::nanoseconds(1),
        to - Duration::nanoseconds(1),
    );
    for user in &page {
        let names = (
            PersonName::parse(&user.first_name),
            PersonName::parse(&user.last_name),
        );
        for planned in plan_user(user, state.policy.feb29, window_start, window_end) {
            let message = match &names {
                (Ok(first), Ok(last)) => planned.kind.render(first, last),
                _ => String::new(),
            };
            items.push(PreviewItem {
                user_id: user.id,
                email: user.email.clone(),
                kind: OccasionKind::as_str(planned.kind),
                local_date: planned.local_date,
                send_at: planned.send_at,
                local_send_at: local_instant(planned.send_at, &user.timezone),
                timezone: user.timezone.clone(),
                rule: planned.rule.label(),
                will_send: !planned.skipped_by_policy(),
                message,
            });
        }
    }
    items.sort_by_key(|item| (item.send_at, item.user_id));
    Ok(HttpResponse::Ok().json(Preview { items, next_cursor }))
}

//! `GET /messages?email=&key=&limit=`: the stored messages, oldest first, optionally filtered.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::problem::problem;
use crate::records::{Filter, Records};

const DEFAULT_LIMIT: usize = 1000;

#[derive(Debug, Deserialize)]
struct MessagesQuery {
    email: Option<String>,
    key: Option<String>,
    limit: Option<usize>,
}

pub(super) async fn list_messages(
    request: HttpRequest,
    records: web::Data<Records>,
) -> HttpResponse {
    let query = match web::Query::<MessagesQuery>::from_query(request.query_string()) {
        Ok(query) => query.into_inner(),
        Err(error) => return problem(StatusCode::BAD_REQUEST, "invalid_query", error.to_string()),
    };
    let filter = Filter {
        email: query.email,
        key: query.key,
        limit: query.limit.unwrap_or(DEFAULT_LIMIT),
    };
    HttpResponse::Ok().json(json!({ "items": records.messages(&filter) }))
}

//! `GET /stats`: the running counts, duplicates per idempotency key included.

use actix_web::{web, HttpResponse};

use crate::records::Records;

pub(super) async fn get_stats(records: web::Data<Records>) -> HttpResponse {
    HttpResponse::Ok().json(records.stats())
}

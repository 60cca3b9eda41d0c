//! `POST /reset`: forgets every recorded message and count (the behaviour stays as it is).

use actix_web::{web, HttpResponse};

use crate::records::Records;

pub(super) async fn reset_records(records: web::Data<Records>) -> HttpResponse {
    records.reset();
    HttpResponse::NoContent().finish()
}

//! The HTTP surface: the vendor API (`POST /send-email`) and the endpoints tests and operators
//! use around it (`/control`, `/reset`, `/stats`, `/messages`). One file per action.
//!
//! Errors are RFC 9457 problem documents, simulated failures included, so a client sees the
//! same shape whatever went wrong.

mod control;
mod messages;
mod problem;
mod reset;
mod send_email;
mod stats;

use actix_web::web;

/// Registers every simulator route; `/metrics` and `/health/*` come from `greetings-telemetry`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/send-email", web::post().to(send_email::send_email))
        .service(
            web::resource("/control")
                .route(web::get().to(control::get_control))
                .route(web::put().to(control::put_control)),
        )
        .route("/reset", web::post().to(reset::reset_records))
        .route("/stats", web::get().to(stats::get_stats))
        .route("/messages", web::get().to(messages::list_messages));
}

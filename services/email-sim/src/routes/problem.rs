//! RFC 9457 `application/problem+json` answers with a stable `code`.

use actix_web::{http::StatusCode, HttpResponse, HttpResponseBuilder};
use serde_json::json;

/// Starts a problem answer; callers may add headers before calling [`ProblemBuilder::finish`].
pub(crate) struct ProblemBuilder {
    builder: HttpResponseBuilder,
    status: StatusCode,
    code: &'static str,
    detail: String,
}

impl ProblemBuilder {
    pub(crate) fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        let mut builder = HttpResponse::build(status);
        builder.content_type("application/problem+json");
        Self {
            builder,
            status,
            code,
            detail: detail.into(),
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: String) -> Self {
        self.builder.insert_header((name, value));
        self
    }

    pub(crate) fn finish(mut self) -> HttpResponse {
        self.builder.json(json!({
            "type": format!("urn:greetings:email-sim:{}", self.code),
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "code": self.code,
            "detail": self.detail,
        }))
    }
}

/// A problem answer without extra headers.
pub(crate) fn problem(
    status: StatusCode,
    code: &'static str,
    detail: impl Into<String>,
) -> HttpResponse {
    ProblemBuilder::new(status, code, detail).finish()
}

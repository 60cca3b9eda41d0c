//! Errors as RFC 9457 `application/problem+json`.
//!
//! Every failure a client can cause maps to a stable `code` (also the last segment of `type`)
//! and, for validation, per-field details. Anything unexpected is an opaque 500 whose cause is
//! logged once, here, and never sent to the client.
//!
//! The response sets at the end ([`Unavailable`], [`BodyErrors`]) document, for the OpenAPI
//! document, the problems that many operations share, next to the code that produces them.

use std::collections::BTreeMap;

use actix_web::{error::JsonPayloadError, http::StatusCode, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::openapi::{
    header::HeaderBuilder, schema::Type, ContentBuilder, ObjectBuilder, Ref, RefOr, Response,
    ResponseBuilder,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("one or more fields are invalid")]
    Validation(Vec<FieldError>),
    #[error("{}: {}", .0.field, .0.message)]
    InvalidParameter(FieldError),
    #[error("no {0} with that id")]
    NotFound(&'static str),
    /// The path exists but not with this method; carries the `Allow` header's value.
    #[error("this path does not support the method; it supports {0}")]
    MethodNotAllowed(String),
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("this API key lacks the {0} scope")]
    Forbidden(crate::auth::Scope),
    #[error("too many requests: retry after {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: u64 },
    #[error("the request took longer than {} ms", .0.as_millis())]
    TimedOut(std::time::Duration),
    #[error("the service is temporarily unable to handle the request")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// An RFC 9457 problem document (`application/problem+json`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `/problems/{code}`.
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: String,
    /// Stable machine-readable code, e.g. `validation-failed`.
    code: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedJson(_) => "malformed-json",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::PayloadTooLarge(_) => "payload-too-large",
            Self::Validation(_) => "validation-failed",
            Self::InvalidParameter(_) => "invalid-parameter",
            Self::NotFound(_) => "not-found",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::Conflict { code, .. } => code,
            Self::Unauthenticated(_) => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::RateLimited { .. } => "rate-limited",
            Self::TimedOut(_) => "request-timeout",
            Self::Unavailable => "service-unavailable",
            Self::Internal(_) => "internal-error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::MalformedJson(_) => "Malformed JSON",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::PayloadTooLarge(_) => "Payload too large",
            Self::Validation(_) => "Validation failed",
            Self::InvalidParameter(_) => "Invalid parameter",
            Self::NotFound(_) => "Not found",
            Self::MethodNotAllowed(_) => "Method not allowed",
            Self::Conflict { .. } => "Conflict",
            Self::Unauthenticated(_) => "Unauthenticated",
            Self::Forbidden(_) => "Forbidden",
            Self::RateLimited { .. } => "Too many requests",
            Self::TimedOut(_) => "Request timed out",
            Self::Unavailable => "Service unavailable",
            Self::Internal(_) => "Internal server error",
        }
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MalformedJson(_) | Self::InvalidParameter(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::TimedOut(_) | Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let errors = match self {
            Self::Validation(errors) => errors.clone(),
            Self::InvalidParameter(error) => vec![error.clone()],
            _ => Vec::new(),
        };
        let status = self.status_code();
        let code = self.code();
        let mut response = HttpResponse::build(status);
        match self {
            Self::Unavailable | Self::TimedOut(_) => {
                response.insert_header(("Retry-After", "1"));
            }
            Self::RateLimited {
                retry_after_seconds,
            } => {
                response.insert_header(("Retry-After", retry_after_seconds.to_string()));
            }
            Self::Unauthenticated(_) => {
                response.insert_header(("WWW-Authenticate", "Bearer"));
            }
            Self::MethodNotAllowed(allow) => {
                response.insert_header(("Allow", allow.as_str()));
            }
            _ => {}
        }
        response
            .content_type("application/problem+json")
            .json(Problem {
                kind: format!("/problems/{code}"),
                title: self.title(),
                status: status.as_u16(),
                detail: self.to_string(),
                code,
                errors,
            })
    }
}

impl From<JsonPayloadError> for ApiError {
    fn from(err: JsonPayloadError) -> Self {
        match err {
            JsonPayloadError::OverflowKnownLength { limit, .. }
            | JsonPayloadError::Overflow { limit } => Self::PayloadTooLarge(limit),
            JsonPayloadError::ContentType => Self::UnsupportedMediaType,
            JsonPayloadError::Deserialize(err) => Self::MalformedJson(err.to_string()),
            other => Self::MalformedJson(other.to_string()),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Internal(err.into())
    }
}

impl From<greetings_db::pool::PoolError> for ApiError {
    fn from(err: greetings_db::pool::PoolError) -> Self {
        tracing::warn!(error = %err, "no database connection available");
        Self::Unavailable
    }
}

/// A documented problem response: `application/problem+json` with the [`Problem`] schema.
pub fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// The `Retry-After` header of 429 and 503 answers, as documented.
pub fn retry_after_header() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .description(Some("seconds to wait before retrying"))
        .build()
}

/// 503 `service-unavailable` with `Retry-After`: every operation that needs a database
/// connection answers it when none frees up in time.
pub struct Unavailable;

impl utoipa::IntoResponses for Unavailable {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut response = problem_response("no database connection available; retry later");
        response
            .headers
            .insert("Retry-After".into(), retry_after_header());
        BTreeMap::from([("503".into(), response.into())])
    }
}

/// 413, 415 and 422: every operation that reads a JSON body (400 for malformed JSON is listed
/// by each operation, together with its other 400s).
pub struct BodyErrors;

impl utoipa::IntoResponses for BodyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        [
            ("413", "body larger than `http.max_body_bytes`"),
            ("415", "body not sent as `application/json`"),
            ("422", "invalid fields, each named in `errors`"),
        ]
        .into_iter()
        .map(|(status, description)| (status.into(), problem_response(description).into()))
        .collect()
    }
}

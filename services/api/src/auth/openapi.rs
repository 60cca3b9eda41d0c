//! The access policy written into the OpenAPI document: a bearer security scheme, and on every
//! operation that needs a key its scope plus the 401/403 (and, where limited, 429) answers.
//! Derived from [`super::required_access`], the same function the guard enforces.

use actix_web::http::Method;
use utoipa::{
    openapi::{
        header::HeaderBuilder,
        path::Operation,
        security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
        ObjectBuilder, Type,
    },
    Modify,
};

use super::{required_access, Access};
use crate::problem::{problem_response, retry_after_header};

pub const SECURITY_SCHEME: &str = "apiKey";

pub struct ApiKeySecurity;

impl Modify for ApiKeySecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                SECURITY_SCHEME,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(
                            "An API key minted with `greetings-api keys create`, sent as \
                             `Authorization: Bearer <key>`. Scopes: users:read, users:write, admin.",
                        ))
                        .build(),
                ),
            );
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                (Method::GET, &mut item.get),
                (Method::PUT, &mut item.put),
                (Method::POST, &mut item.post),
                (Method::DELETE, &mut item.delete),
                (Method::PATCH, &mut item.patch),
                (Method::HEAD, &mut item.head),
            ];
            for (method, operation) in operations {
                if let (Some(operation), Access::Requires(scope)) =
                    (operation.as_mut(), required_access(&method, path))
                {
                    operation.security = Some(vec![SecurityRequirement::new(
                        SECURITY_SCHEME,
                        [scope.as_str()],
                    )]);
                    document_refusals(operation, scope.is_rate_limited());
                }
            }
        }
    }
}

fn document_refusals(operation: &mut Operation, rate_limited: bool) {
    let mut unauthenticated =
        problem_response("no API key, not a bearer token, or an unknown or revoked key");
    unauthenticated.headers.insert(
        "WWW-Authenticate".into(),
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::String))
            .build(),
    );
    let responses = &mut operation.responses.responses;
    responses.insert("401".into(), unauthenticated.into());
    responses.insert(
        "403".into(),
        problem_response("the key lacks the scope this operation needs").into(),
    );
    if rate_limited {
        let mut limited =
            problem_response("rate limit of the key or of the client address reached");
        limited
            .headers
            .insert("Retry-After".into(), retry_after_header());
        responses.insert("429".into(), limited.into());
    }
}

//! The access policy written into the OpenAPI document: a bearer security scheme, and on every
//! operation that needs a key its scope plus the 401/403 (and, where limited, 429) answers.
//! Derived from [`super::required_access`], the same function the guard enforces.

use actix_web::http::Method;
use utoipa::{
    openapi::{
        header::HeaderBuilder,
        path::Operation,
        security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
        ContentBuilder, ObjectBuilder, Ref, ResponseBuilder, Type,
    },
    Modify,
};

use super::{required_access, Access};

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
    let problem = |description: &str| {
        ResponseBuilder::new().description(description).content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
    };
    let responses = &mut operation.responses.responses;
    responses.insert(
        "401".into(),
        problem("no API key, not a bearer token, or an unknown or revoked key")
            .header(
                "WWW-Authenticate",
                HeaderBuilder::new().schema(schema_of(Type::String)).build(),
            )
            .build()
            .into(),
    );
    responses.insert(
        "403".into(),
        problem("the key lacks the scope this operation needs")
            .build()
            .into(),
    );
    if rate_limited {
        responses.insert(
            "429".into(),
            problem("rate limit of the key or of the client address reached")
                .header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .schema(schema_of(Type::Integer))
                        .description(Some("seconds to wait"))
                        .build(),
                )
                .build()
                .into(),
        );
    }
}

fn schema_of(kind: Type) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(kind)
}

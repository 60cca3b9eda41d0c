//! The access policy: which scope each route needs. Reads need `users:read`, changes to users
//! `users:write`, operator actions (retry, schedule preview) `admin`. Scopes do not imply one
//! another: a key holds exactly the scopes it was minted with.

use std::fmt;

use actix_web::http::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    UsersRead,
    UsersWrite,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::UsersRead, Scope::UsersWrite, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UsersRead => "users:read",
            Self::UsersWrite => "users:write",
            Self::Admin => "admin",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }

    /// Write and admin routes are rate limited; reads are not.
    pub fn is_rate_limited(self) -> bool {
        self != Self::UsersRead
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Open,
    Requires(Scope),
}

/// The paths anyone may call. Everything else needs a key: an unknown path is a 401 before it
/// is a 404, so a spelling the router happens to accept can never be an open door.
const OPEN_PATHS: [&str; 5] = [
    "/health/live",
    "/health/ready",
    "/metrics",
    "/docs",
    "/api/v1/openapi.json",
];

/// What a request to `path` (a route template, or a request path *as the router sees it*:
/// percent-decoded, see [`super::guard`]) with `method` needs.
pub fn required_access(method: &Method, path: &str) -> Access {
    if OPEN_PATHS.contains(&path) {
        return Access::Open;
    }
    let admin = path.starts_with("/api/v1/schedule/")
        || (path.starts_with("/api/v1/messages/") && path.ends_with("/retry"));
    Access::Requires(if admin {
        Scope::Admin
    } else if method == Method::GET || method == Method::HEAD {
        Scope::UsersRead
    } else {
        Scope::UsersWrite
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(method: Method, path: &str) -> Access {
        required_access(&method, path)
    }

    #[test]
    fn operational_endpoints_and_the_api_description_are_open() {
        for path in [
            "/health/live",
            "/health/ready",
            "/metrics",
            "/docs",
            "/api/v1/openapi.json",
        ] {
            assert_eq!(access(Method::GET, path), Access::Open, "{path}");
        }
    }

    #[test]
    fn reads_writes_and_operator_actions_need_their_own_scope() {
        use Scope::*;
        let cases = [
            (Method::GET, "/api/v1/users", UsersRead),
            (Method::GET, "/api/v1/users/{id}/messages", UsersRead),
            (Method::GET, "/api/v1/messages/{id}", UsersRead),
            (Method::GET, "/api/v1/metrics", UsersRead),
            (Method::GET, "/user/{id}", UsersRead),
            (Method::POST, "/api/v1/users", UsersWrite),
            (Method::PATCH, "/api/v1/users/{id}", UsersWrite),
            (Method::DELETE, "/user/{id}", UsersWrite),
            (Method::POST, "/user", UsersWrite),
            (Method::POST, "/api/v1/messages/{id}/retry", Admin),
            (Method::GET, "/api/v1/schedule/preview", Admin),
        ];
        for (method, path, scope) in cases {
            assert_eq!(
                access(method.clone(), path),
                Access::Requires(scope),
                "{method} {path}"
            );
        }
    }

    #[test]
    fn anything_not_listed_as_open_needs_a_key() {
        for path in [
            "/",
            "/api/v1",
            "/health",
            "/health/live/",
            "/metrics/x",
            "/nope",
        ] {
            assert_ne!(access(Method::GET, path), Access::Open, "{path}");
        }
    }

    #[test]
    fn scope_names_round_trip_and_unknown_names_are_refused() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("users:delete"), None);
    }
}

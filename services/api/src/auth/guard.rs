//! The request guard in front of every route: looks up what the route needs, applies the
//! per-address limit on write and admin routes (before any key is checked), authenticates the
//! key (401; a failure also counts against the address on read routes, so guessing keys is
//! limited everywhere), checks its scope (403) and applies the per-key limit (429).

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::AUTHORIZATION,
    middleware::Next,
    web, Error,
};

use super::{rate_limit::RateLimits, required_access, Access, Authenticator, Scope};
use crate::problem::ApiError;

pub struct Guard {
    /// `None` when `auth.disabled` is set: every route is open (rate limits still apply).
    authenticator: Option<Authenticator>,
    limits: RateLimits,
}

impl Guard {
    pub fn new(authenticator: Option<Authenticator>, limits: RateLimits) -> Self {
        Self {
            authenticator,
            limits,
        }
    }

    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    async fn admit(&self, req: &ServiceRequest, scope: Scope) -> Result<(), ApiError> {
        if scope.is_rate_limited() {
            if let Some(peer) = req.peer_addr() {
                self.limits.check_address(peer.ip())?;
            }
        }
        let Some(authenticator) = &self.authenticator else {
            return Ok(());
        };
        let header = req
            .headers()
            .get(AUTHORIZATION)
            .map(|value| value.to_str().unwrap_or_default());
        let caller = match authenticator.authenticate(header).await {
            Ok(caller) => caller,
            Err(refused @ ApiError::Unauthenticated(_)) => {
                // A failed attempt counts against its address on every route, so guessing
                // keys through the (otherwise unlimited) reads is limited too.
                if let (false, Some(peer)) = (scope.is_rate_limited(), req.peer_addr()) {
                    self.limits.check_address(peer.ip())?;
                }
                return Err(refused);
            }
            Err(other) => return Err(other),
        };
        if !caller.may(scope) {
            return Err(ApiError::Forbidden(scope));
        }
        if scope.is_rate_limited() {
            self.limits.check_key(caller.key_id)?;
        }
        Ok(())
    }
}

/// Middleware (`middleware::from_fn`): admits the request or answers with a problem.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    // The path the router matches: percent-decoded (but for %2F, %25 and %2B). The raw
    // `req.path()` would let `/%61pi/v1/users` skip the key while still reaching the handler.
    let Access::Requires(scope) = required_access(req.method(), req.match_info().as_str()) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let guard = req
        .app_data::<web::Data<Guard>>()
        .cloned()
        .expect("the guard's state is registered with the app");
    match guard.admit(&req, scope).await {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(problem) => Ok(req.error_response(problem).map_into_right_body()),
    }
}

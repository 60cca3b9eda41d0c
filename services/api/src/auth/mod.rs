//! Who may call what: API keys (`Authorization: Bearer <key>`) with scopes, and the per-key
//! and per-address rate limits on write and admin routes.
//!
//! The policy is one function, [`policy::required_access`], read by the request guard and by
//! the OpenAPI document alike, so the two cannot disagree. Health probes, `/metrics`, the
//! OpenAPI document and the docs page stay open.

pub mod authenticator;
pub mod guard;
pub mod key;
pub mod openapi;
pub mod policy;
pub mod rate_limit;

pub use authenticator::{Authenticator, Caller};
pub use policy::{required_access, Access, Scope};

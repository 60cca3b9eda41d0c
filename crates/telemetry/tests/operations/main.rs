//! What operators rely on outside the code: the build-info metric, the `healthcheck` probe
//! the container images run, and the configuration reference in `docs/configuration.md`.
//! One test binary (each one links the whole crate graph).

mod build_info;
mod config_reference;
mod healthcheck;

//! An HTTP client for tests.
//!
//! The worker enables reqwest's TLS (`rustls-no-provider`), and Cargo unifies features across
//! a workspace build, so in `cargo test --workspace` every crate's reqwest needs a crypto
//! provider installed before a client is built. This installs ring's once per process.

/// A plain reqwest client, safe to build whatever reqwest features the build unified.
pub fn http_client() -> reqwest::Client {
    // An error only means a provider is already installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

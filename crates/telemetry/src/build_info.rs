//! What build is running: the version and commit every binary prints with `--version` and
//! exports as `greetings_build_info{service,version,commit} 1`, so a dashboard can show which
//! build each replica runs during a rolling upgrade.
//!
//! The commit is baked in at compile time from `GREETINGS_GIT_COMMIT` (the container build
//! passes it as a build argument); a build without it says `unknown`.

/// The metric name; its value is always 1, the information is in the labels.
pub const BUILD_INFO: &str = "greetings_build_info";

/// The commit this binary was built from, or `unknown`.
pub const COMMIT: &str = match option_env!("GREETINGS_GIT_COMMIT") {
    Some(commit) => commit,
    None => "unknown",
};

/// `greetings-api 0.1.0 (abc1234)`: what `--version` prints. `version` is the calling
/// binary's `env!("CARGO_PKG_VERSION")`.
pub fn version_line(binary: &str, version: &str) -> String {
    format!("{binary} {version} ({COMMIT})")
}

/// Registers and sets `greetings_build_info{service, version, commit} 1`. Call it once the
/// Prometheus recorder is installed (before that the facade drops the value).
pub fn register(service: &'static str, version: &'static str) {
    metrics::describe_gauge!(
        BUILD_INFO,
        "Always 1; the labels name the service, its version and the commit it was built from."
    );
    metrics::gauge!(
        BUILD_INFO,
        "service" => service,
        "version" => version,
        "commit" => COMMIT,
    )
    .set(1.0);
}

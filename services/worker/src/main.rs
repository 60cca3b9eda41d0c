//! `greetings-worker`: deliver due occurrences until SIGTERM.

use greetings_telemetry::{build_info::version_line, healthcheck};
use greetings_worker::{Application, Settings};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = std::env::args().nth(1);
    if command.as_deref() == Some("--version") {
        println!(
            "{}",
            version_line("greetings-worker", env!("CARGO_PKG_VERSION"))
        );
        return Ok(());
    }
    let settings = Settings::load()?;
    match command.as_deref() {
        None | Some("serve") => {}
        Some("healthcheck") => return healthcheck::check(&settings.http.listen, "/health/ready"),
        Some(other) => {
            anyhow::bail!("unknown command '{other}' (expected: serve, healthcheck, --version)")
        }
    }
    greetings_telemetry::logging::init_logging(&settings.log);
    let app = Application::build(settings).await?;
    tracing::info!(admin_port = app.port(), "greetings-worker starting");
    let shutdown = CancellationToken::new();
    greetings_telemetry::shutdown::cancel_on_signal(shutdown.clone());
    app.run_until_stopped(shutdown).await
}

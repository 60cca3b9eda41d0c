//! `greetings-worker`: deliver due occurrences until SIGTERM.

use greetings_telemetry::cli::{self, Command};
use greetings_worker::{Application, Settings};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Some(Command::Serve(settings)) = cli::parse(
        "greetings-worker",
        env!("CARGO_PKG_VERSION"),
        &[],
        Settings::load,
        |s| &s.http.listen,
    )?
    else {
        return Ok(());
    };
    greetings_telemetry::logging::init_logging(&settings.log);
    let app = Application::build(settings).await?;
    tracing::info!(admin_port = app.port(), "greetings-worker starting");
    let shutdown = CancellationToken::new();
    greetings_telemetry::shutdown::cancel_on_signal(shutdown.clone());
    app.run_until_stopped(shutdown).await
}

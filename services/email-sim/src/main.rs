//! `greetings-email-sim`: the flaky e-mail vendor stand-in. Everything lives in the library;
//! `healthcheck` asks the running simulator on this host whether it is ready.

use anyhow::Context;
use greetings_email_sim::{Application, Settings};
use greetings_telemetry::cli::{self, Command};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Some(Command::Serve(settings)) = cli::parse(
        "greetings-email-sim",
        env!("CARGO_PKG_VERSION"),
        &[],
        Settings::load,
        |s| &s.http.listen,
    )?
    else {
        return Ok(());
    };
    greetings_telemetry::logging::init_logging(&settings.log);
    let behaviour = settings.behaviour();
    let application = Application::build(settings)
        .await
        .context("starting greetings-email-sim")?;
    tracing::info!(url = %format!("http://{}", application.address()), ?behaviour, "greetings-email-sim listening");

    let shutdown = CancellationToken::new();
    greetings_telemetry::shutdown::cancel_on_signal(shutdown.clone());
    application.run_until_stopped(shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

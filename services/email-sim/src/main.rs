//! `greetings-email-sim`: the flaky e-mail vendor stand-in. Everything lives in the library;
//! `healthcheck` asks the running simulator on this host whether it is ready.

use anyhow::Context;
use greetings_email_sim::{Application, Settings};
use greetings_telemetry::{build_info::version_line, healthcheck};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = std::env::args().nth(1);
    if command.as_deref() == Some("--version") {
        println!(
            "{}",
            version_line("greetings-email-sim", env!("CARGO_PKG_VERSION"))
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

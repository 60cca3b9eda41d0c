//! `greetings-api` serves the API; `greetings-api migrate` applies migrations and exits;
//! `greetings-api healthcheck` exits 0 when the running api on this host is ready;
//! `greetings-api keys create|list|revoke` manages API keys.

use anyhow::Context;
use greetings_api::{Application, Settings};
use greetings_telemetry::cli::{self, Command};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = cli::parse(
        "greetings-api",
        env!("CARGO_PKG_VERSION"),
        &["migrate", "keys"],
        Settings::load,
        |s| &s.http.listen,
    )?;
    match command {
        None => Ok(()),
        Some(Command::Serve(settings)) => {
            greetings_telemetry::logging::init_logging(&settings.log);
            serve(settings).await
        }
        Some(Command::Own("keys", settings)) => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            greetings_api::keys_cli::run(&settings, &args).await
        }
        Some(Command::Own(_migrate, settings)) => {
            greetings_telemetry::logging::init_logging(&settings.log);
            migrate(&settings).await
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), "greetings-api listening");
    let shutdown = CancellationToken::new();
    greetings_telemetry::shutdown::cancel_on_signal(shutdown.clone());
    app.run_until_stopped(shutdown).await
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    greetings_db::migrations::ensure_database(settings.database.url.expose_secret())
        .await
        .context("database: creating it if missing")?;
    let applied =
        greetings_db::migrations::run_pending(settings.database.url.expose_secret()).await?;
    tracing::info!(applied = applied.len(), versions = ?applied, "migrations applied");
    println!("migrations applied: {}", applied.len());
    Ok(())
}

//! `greetings-api` serves the API; `greetings-api migrate` applies migrations and exits;
//! `greetings-api healthcheck` exits 0 when the running api on this host is ready.

use anyhow::Context;
use greetings_api::{Application, Settings};
use greetings_telemetry::{build_info::version_line, healthcheck};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    greetings_telemetry::logging::init_logging(&settings.log);
    match std::env::args().nth(1).as_deref() {
        Some("migrate") => migrate(&settings).await,
        Some("--version") => {
            println!(
                "{}",
                version_line("greetings-api", env!("CARGO_PKG_VERSION"))
            );
            Ok(())
        }
        Some("healthcheck") => healthcheck::check(&settings.http.listen, "/health/ready"),
        None | Some("serve") => serve(settings).await,
        Some(other) => {
            anyhow::bail!(
                "unknown command '{other}' (expected: serve, migrate, healthcheck, --version)"
            )
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
    greetings_db::migrations::ensure_database(&settings.database.url)
        .await
        .context("database: creating it if missing")?;
    let applied = greetings_db::migrations::run_pending(&settings.database.url).await?;
    tracing::info!(applied = applied.len(), versions = ?applied, "migrations applied");
    println!("migrations applied: {}", applied.len());
    Ok(())
}

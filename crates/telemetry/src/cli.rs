//! The command line every service binary shares: `--version`, `healthcheck` and `serve` (the
//! default), plus whatever commands a binary handles itself (the api's `migrate`).

use crate::{build_info::version_line, healthcheck};

/// What is left to do once the shared commands are handled.
pub enum Command<S> {
    Serve(S),
    /// One of the binary's own commands, by name.
    Own(&'static str, S),
}

/// Handles the shared commands: `--version` is answered before settings load, so it works
/// with any configuration; `healthcheck` asks the service's own listener for readiness.
/// Returns `None` when the command is done and the process should exit successfully.
pub fn parse<S>(
    binary: &str,
    version: &str,
    own: &[&'static str],
    load: impl FnOnce() -> anyhow::Result<S>,
    listen: impl FnOnce(&S) -> &str,
) -> anyhow::Result<Option<Command<S>>> {
    let argument = std::env::args().nth(1);
    if argument.as_deref() == Some("--version") {
        println!("{}", version_line(binary, version));
        return Ok(None);
    }
    let settings = load()?;
    match argument.as_deref() {
        None | Some("serve") => Ok(Some(Command::Serve(settings))),
        Some("healthcheck") => {
            healthcheck::check(listen(&settings), "/health/ready").map(|()| None)
        }
        Some(name) => match own.iter().find(|own| **own == name) {
            Some(own) => Ok(Some(Command::Own(own, settings))),
            None => {
                let mut expected = vec!["serve"];
                expected.extend_from_slice(own);
                expected.extend(["healthcheck", "--version"]);
                anyhow::bail!(
                    "unknown command '{name}' (expected: {})",
                    expected.join(", ")
                )
            }
        },
    }
}

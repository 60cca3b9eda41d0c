//! The SQL migrations under `/migrations`, embedded in every binary and applied by the one
//! explicit step `greetings-api migrate` (and by the test harness for its template database).

use diesel::Connection;
use diesel_async::{
    async_connection_wrapper::AsyncConnectionWrapper, AsyncConnection, AsyncPgConnection,
};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Applies every pending migration; returns the versions applied. diesel's harness is
/// synchronous, so it runs on a blocking thread (this works on any Tokio runtime flavour).
pub async fn run_pending(database_url: &str) -> anyhow::Result<Vec<String>> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(&url)?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|err| anyhow::anyhow!("applying migrations: {err}"))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
    .await?
}

/// The URL of the same server's `postgres` maintenance database, and the database name.
pub fn maintenance_url(database_url: &str) -> anyhow::Result<(String, String)> {
    let (base, query) = database_url
        .split_once('?')
        .map_or((database_url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base
        .find("://")
        .map(|i| i + 3)
        .ok_or_else(|| anyhow::anyhow!("database.url must start with postgres://"))?;
    let slash = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .ok_or_else(|| anyhow::anyhow!("database.url must name a database"))?;
    let name = base[slash + 1..].to_owned();
    if name.is_empty() {
        anyhow::bail!("database.url must name a database");
    }
    let mut maintenance = format!("{}/postgres", &base[..slash]);
    if let Some(query) = query {
        maintenance = format!("{maintenance}?{query}");
    }
    Ok((maintenance, name))
}

/// Creates the database named in `database_url` if it does not exist yet.
pub async fn ensure_database(database_url: &str) -> anyhow::Result<()> {
    use diesel::{sql_types::Text, QueryableByName};
    use diesel_async::RunQueryDsl;

    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let (maintenance, name) = maintenance_url(database_url)?;
    let mut conn = AsyncPgConnection::establish(&maintenance).await?;
    let found: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<Text, _>(&name)
            .get_result(&mut conn)
            .await?;
    if !found.exists {
        let quoted = name.replace('"', "\"\"");
        diesel::sql_query(format!("CREATE DATABASE \"{quoted}\""))
            .execute(&mut conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::maintenance_url;

    #[test]
    fn the_maintenance_url_keeps_server_and_options_and_swaps_the_database() {
        let (url, name) =
            maintenance_url("postgres://u:p@h:5432/greetings?sslmode=disable").unwrap();
        assert_eq!(url, "postgres://u:p@h:5432/postgres?sslmode=disable");
        assert_eq!(name, "greetings");
        assert!(maintenance_url("postgres://h:5432").is_err());
    }
}

//! `greetings-api keys create|list|revoke`: minting, listing and revoking API keys. A new key
//! is printed once, alone on stdout (so scripts can capture it), and only its digest is kept.

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use greetings_db::api_keys::{self, NewApiKey};
use uuid::Uuid;

use crate::{
    auth::{key, Scope},
    Settings,
};

const USAGE: &str = "usage: greetings-api keys create --name NAME --scopes SCOPE[,SCOPE...] \
| keys list | keys revoke KEY_ID   (scopes: users:read, users:write, admin)";

/// Runs `keys <args>` against the configured database.
pub async fn run(settings: &Settings, args: &[String]) -> anyhow::Result<()> {
    let pool = greetings_db::connect(&settings.database).context("database: building the pool")?;
    let mut conn = pool.get().await.context("database: connecting")?;
    let now = settings.clock.clock().now();
    match args.first().map(String::as_str) {
        Some("create") => {
            let (name, scopes) = parse_create(&args[1..])?;
            let (id, secret) = create_key(&mut conn, &name, &scopes, now).await?;
            eprintln!(
                "created API key '{name}' (id {id}, scopes {}); it is shown once, store it now:",
                scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            println!("{secret}");
        }
        Some("list") => {
            println!(
                "{:<36}  {:<10}  {:<20}  {:<32}  {:<25}  revoked",
                "id", "prefix", "name", "scopes", "created"
            );
            for key in api_keys::list_keys(&mut conn).await? {
                println!(
                    "{:<36}  {:<10}  {:<20}  {:<32}  {:<25}  {}",
                    key.id,
                    key.prefix,
                    key.name,
                    key.scope_names().collect::<Vec<_>>().join(","),
                    key.created_at.to_rfc3339(),
                    key.revoked_at.map_or("-".to_owned(), |at| at.to_rfc3339()),
                );
            }
        }
        Some("revoke") => {
            let id = match &args[1..] {
                [id] => {
                    Uuid::parse_str(id).with_context(|| format!("'{id}' is not a key id (UUID)"))?
                }
                _ => bail!("{USAGE}"),
            };
            if !api_keys::revoke_key(&mut conn, id, now).await? {
                bail!("no live API key with id {id}");
            }
            eprintln!(
                "revoked API key {id}; running apis stop accepting it within auth.cache_seconds"
            );
        }
        _ => bail!("{USAGE}"),
    }
    Ok(())
}

/// Mints a key with `scopes`, stores its digest and returns its id and the secret.
pub async fn create_key(
    conn: &mut AsyncPgConnection,
    name: &str,
    scopes: &[Scope],
    now: DateTime<Utc>,
) -> anyhow::Result<(Uuid, String)> {
    let minted = key::mint();
    let id = Uuid::now_v7();
    api_keys::insert_key(
        conn,
        &NewApiKey {
            id,
            name,
            prefix: &minted.prefix,
            key_sha256: &minted.digest,
            scopes: scopes.iter().map(|scope| scope.as_str()).collect(),
            created_at: now,
        },
    )
    .await
    .context("storing the API key")?;
    Ok((id, minted.secret))
}

fn parse_create(args: &[String]) -> anyhow::Result<(String, Vec<Scope>)> {
    let mut name = None;
    let mut scopes = None;
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value; {USAGE}"))?;
        match flag.as_str() {
            "--name" => name = Some(value.trim().to_owned()),
            "--scopes" => scopes = Some(parse_scopes(value)?),
            other => bail!("unknown option '{other}'; {USAGE}"),
        }
    }
    let name = name.filter(|n| (1..=100).contains(&n.chars().count()));
    match (name, scopes) {
        (Some(name), Some(scopes)) => Ok((name, scopes)),
        _ => bail!("--name (1 to 100 characters) and --scopes are required; {USAGE}"),
    }
}

fn parse_scopes(list: &str) -> anyhow::Result<Vec<Scope>> {
    let mut scopes = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let scope = Scope::parse(name).with_context(|| {
            format!("unknown scope '{name}' (expected users:read, users:write or admin)")
        })?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        bail!("--scopes needs at least one scope");
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn create_takes_a_name_and_known_scopes() {
        let (name, scopes) = parse_create(&args(&[
            "--name",
            "ops",
            "--scopes",
            "admin, users:read,admin",
        ]))
        .unwrap();
        assert_eq!(name, "ops");
        assert_eq!(scopes, vec![Scope::Admin, Scope::UsersRead]);
    }

    #[test]
    fn create_refuses_unknown_scopes_and_missing_values() {
        for bad in [
            vec!["--name", "ops", "--scopes", "root"],
            vec!["--name", "ops"],
            vec!["--scopes", "admin"],
            vec!["--name", "", "--scopes", "admin"],
            vec!["--name", "ops", "--scopes", ","],
            vec!["--name"],
            vec!["--colour", "red"],
        ] {
            assert!(parse_create(&args(&bad)).is_err(), "{bad:?}");
        }
    }
}

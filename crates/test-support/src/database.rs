//! One freshly migrated Postgres database per test, cloned from a template.

use std::{
    collections::hash_map::DefaultHasher,
    hash::{Hash, Hasher},
    time::Duration,
};

use diesel::{sql_types::Text, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn url_for(server: &str, database: &str) -> String {
    let (base, _) = server
        .rsplit_once('/')
        .expect("a server URL names a database");
    format!("{base}/{database}")
}

/// The template's name changes whenever a migration does, so stale templates are never used.
fn template_name() -> String {
    let mut hasher = DefaultHasher::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
    let mut entries: Vec<_> = walk(std::path::Path::new(dir));
    entries.sort();
    for path in entries {
        path.hash(&mut hasher);
        std::fs::read(&path)
            .expect("reading a migration")
            .hash(&mut hasher);
    }
    format!("greetings_template_{:016x}", hasher.finish())
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the migrations folder exists") {
        let path = entry.expect("reading migrations").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> bool {
    let found: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<Text, _>(name)
            .get_result(conn)
            .await
            .expect("querying pg_database");
    found.exists
}

/// Builds the template once; concurrent test processes serialise on an advisory lock.
async fn ensure_template(admin: &mut AsyncPgConnection, server: &str, template: &str) {
    diesel::sql_query("SELECT pg_advisory_lock(724871)")
        .execute(admin)
        .await
        .expect("locking");
    if !database_exists(admin, template).await {
        let building = format!("{template}_building");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .execute(admin)
            .await
            .expect("dropping a half-built template");
        diesel::sql_query(format!("CREATE DATABASE {building}"))
            .execute(admin)
            .await
            .expect("creating the template");
        greetings_db::migrations::run_pending(&url_for(server, &building))
            .await
            .expect("migrating the template");
        // The migration connection must be gone before the rename (and before any copy).
        rename_when_free(admin, &building, template).await;
    }
    diesel::sql_query("SELECT pg_advisory_unlock(724871)")
        .execute(admin)
        .await
        .expect("unlocking");
}

async fn rename_when_free(admin: &mut AsyncPgConnection, from: &str, to: &str) {
    for _ in 0..200 {
        if diesel::sql_query(format!("ALTER DATABASE {from} RENAME TO {to}"))
            .execute(admin)
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("could not rename {from} to {to}");
}

/// A database of one's own for the length of a test. Dropped (forcibly) on drop.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    server: String,
}

impl TestDatabase {
    /// A database on the shared test server (`TEST_DATABASE_URL`).
    pub async fn create() -> Self {
        Self::create_on(&server_url()).await
    }

    /// A database on the server whose maintenance database is `server`.
    pub async fn create_on(server: &str) -> Self {
        let mut admin = AsyncPgConnection::establish(server)
            .await
            .expect("connecting to the test Postgres server (is it running? see .ci/run)");
        let template = template_name();
        ensure_template(&mut admin, server, &template).await;
        let name = format!("greetings_test_{}", uuid::Uuid::new_v4().simple());
        let mut last_error = None;
        // Copying fails while another session briefly touches the template; retry.
        for _ in 0..100 {
            match diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .execute(&mut admin)
                .await
            {
                Ok(_) => {
                    return Self {
                        url: url_for(server, &name),
                        name,
                        server: server.to_owned(),
                    };
                }
                Err(err) => {
                    last_error = Some(err);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        panic!("creating {name} from {template}: {last_error:?}");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (name, server) = (self.name.clone(), self.server.clone());
        // Drop runs outside any async context we can rely on: use a private runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&server).await.ok()?;
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

//! `spawn_app()`: the api in-process on port 0 with a database of its own.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use greetings_api::{auth::Scope, keys_cli::create_key, settings::DEFAULTS, Application, Settings};
use greetings_test_support::TestDatabase;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

pub struct TestApp {
    pub address: String,
    /// A key with every scope, sent by the request helpers below.
    pub key: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    shutdown: CancellationToken,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app with its clock set so that "now" is `at` (approximately; the clock keeps running).
pub async fn spawn_app_at(at: Option<DateTime<Utc>>) -> TestApp {
    spawn_app_with(|settings| {
        if let Some(at) = at {
            settings.clock.offset_seconds = (at - Utc::now()).num_seconds();
        }
    })
    .await
}

/// The app with settings adjusted by `configure` (after the test defaults are applied).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDatabase::create().await;
    let key = mint_key(&db.url, &Scope::ALL).await;
    let mut settings: Settings =
        greetings_telemetry::load_settings(DEFAULTS).expect("default settings");
    settings.http.listen = "127.0.0.1:0".into();
    settings.http.workers = 2;
    settings.database.url = db.url.clone().into();
    settings.shutdown.grace_seconds = 1;
    configure(&mut settings);
    let app = Application::build(settings)
        .await
        .expect("building the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let shutdown = CancellationToken::new();
    tokio::spawn(app.run_until_stopped(shutdown.clone()));
    TestApp {
        address,
        key,
        client: greetings_test_support::http_client(),
        db,
        shutdown,
    }
}

/// Mints a key with `scopes` in the database at `url`, as `greetings-api keys create` does.
pub async fn mint_key(url: &str, scopes: &[Scope]) -> String {
    let mut conn = AsyncPgConnection::establish(url).await.expect("connecting");
    create_key(&mut conn, "tests", scopes, Utc::now())
        .await
        .expect("minting a key")
        .1
}

pub fn user_body(email: &str) -> Value {
    json!({
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": email,
        "timezone": "Europe/London",
        "birthday": "1990-12-10",
        "location": "London"
    })
}

impl TestApp {
    /// A connection of the test's own to the app's database, to set up or inspect rows the
    /// api does not expose.
    pub async fn db_conn(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.db.url)
            .await
            .expect("connecting to the test database")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.key)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("request")
    }

    /// Creates a user and returns its JSON; panics unless 201.
    pub async fn create_user(&self, body: &Value) -> Value {
        let response = self.post_json("/api/v1/users", body).await;
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
        response.json().await.unwrap()
    }

    pub async fn count_users(&self) -> i64 {
        let mut all = 0;
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/users?limit=200&cursor={c}"),
                None => "/api/v1/users?limit=200".to_owned(),
            };
            let page: Value = self.get(&path).await.json().await.unwrap();
            all += page["items"].as_array().unwrap().len() as i64;
            match page["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return all,
            }
        }
    }

    pub async fn messages_of(&self, user_id: &str) -> Value {
        let response = self.get(&format!("/api/v1/users/{user_id}/messages")).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

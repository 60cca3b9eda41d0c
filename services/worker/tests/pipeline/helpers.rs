//! A pipeline of real services for one test: its own database, broker prefix and simulator.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use greetings_db::{users::UserFields, DatabaseSettings, DbPool};
use greetings_test_support::{eventually, users, TestBroker, TestDatabase};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Every burst in these tests is due at this instant: 09:00 UTC on 2027-06-02.
pub fn nine() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2027-06-02T09:00:00Z")
        .unwrap()
        .to_utc()
}

pub struct Pipeline {
    pub db: TestDatabase,
    pub broker: TestBroker,
    pub pool: DbPool,
    pub sim_url: String,
    pub http: reqwest::Client,
    /// Seconds the services' clocks are shifted so that "now" starts just after `nine()`.
    pub offset_seconds: i64,
    shutdown: CancellationToken,
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

#[derive(Clone, Copy, Default)]
pub struct Failures {
    pub error_rate: f64,
    pub timeout_rate: f64,
    pub permanent_rate: f64,
}

impl Pipeline {
    /// A pipeline on the shared test Postgres and RabbitMQ.
    pub async fn start(failures: Failures) -> Self {
        Self::start_with(
            failures,
            TestDatabase::create().await,
            TestBroker::create().await,
        )
        .await
    }

    /// A pipeline on the given database and broker namespace (private servers, for restarts).
    pub async fn start_with(failures: Failures, db: TestDatabase, broker: TestBroker) -> Self {
        let pool = greetings_db::connect(&DatabaseSettings {
            url: db.url.clone().into(),
            max_connections: 8,
            acquire_timeout_ms: 5_000,
        })
        .unwrap();
        let shutdown = CancellationToken::new();
        let mut sim: greetings_email_sim::Settings =
            greetings_telemetry::load_settings(greetings_email_sim::settings::DEFAULT_CONFIG)
                .unwrap();
        sim.http.listen = "127.0.0.1:0".into();
        sim.failure.error_rate = failures.error_rate;
        sim.failure.timeout_rate = failures.timeout_rate;
        sim.failure.permanent_rate = failures.permanent_rate;
        sim.failure.throttle_rate = 0.0;
        sim.failure.hang_ms = 1_500;
        sim.latency.min_ms = 0;
        sim.latency.max_ms = 2;
        let sim = greetings_email_sim::Application::build(sim).await.unwrap();
        let sim_url = format!("http://127.0.0.1:{}", sim.port());
        tokio::spawn(sim.run_until_stopped(shutdown.clone()));
        Self {
            db,
            broker,
            pool,
            sim_url,
            http: greetings_test_support::http_client(),
            offset_seconds: (nine() + chrono::Duration::seconds(1) - Utc::now()).num_seconds(),
            shutdown,
        }
    }

    /// Creates `count` users (as the api would, a day before) whose birthday is due at `nine()`.
    pub async fn create_due_users(&self, count: usize) -> Vec<Uuid> {
        let created = nine() - chrono::Duration::days(1);
        let policy = users::default_policy();
        let mut ids = Vec::with_capacity(count);
        for i in 0..count {
            let fields = UserFields {
                first_name: format!("First{i}"),
                last_name: format!("Last{i}"),
                email: format!("user{i}@example.com"),
                timezone: "UTC".into(),
                birthday: Some(NaiveDate::from_ymd_opt(1990, 6, 2).unwrap()),
                anniversary: None,
                location: None,
            };
            ids.push(
                users::create_user(&self.pool, &fields, &policy, created)
                    .await
                    .id,
            );
        }
        ids
    }

    pub fn scheduler_settings(&self) -> greetings_scheduler::Settings {
        let mut settings: greetings_scheduler::Settings =
            greetings_telemetry::load_settings(greetings_scheduler::settings::DEFAULTS).unwrap();
        settings.http.listen = "127.0.0.1:0".into();
        settings.database.url = self.db.url.clone().into();
        settings.rabbitmq.url = self.broker.url.clone().into();
        settings.rabbitmq.prefix = self.broker.prefix.clone();
        settings.clock.offset_seconds = self.offset_seconds;
        settings.dispatch.tick_ms = 50;
        settings.shutdown.grace_seconds = 2;
        settings
    }

    pub fn worker_settings(&self) -> greetings_worker::Settings {
        let mut settings: greetings_worker::Settings =
            greetings_telemetry::load_settings(greetings_worker::settings::DEFAULTS).unwrap();
        settings.http.listen = "127.0.0.1:0".into();
        settings.database.url = self.db.url.clone().into();
        settings.rabbitmq.url = self.broker.url.clone().into();
        settings.rabbitmq.prefix = self.broker.prefix.clone();
        settings.email.url = self.sim_url.clone();
        settings.email.timeout_ms = 300;
        settings.clock.offset_seconds = self.offset_seconds;
        settings.delivery.backoff_base_ms = 50;
        settings.delivery.backoff_max_ms = 400;
        settings.delivery.max_attempts = 12;
        settings.delivery.lease_seconds = 10;
        settings.breaker.failure_ratio = 0.8;
        settings.breaker.open_seconds = 1;
        settings.shutdown.grace_seconds = 2;
        settings
    }

    pub async fn start_scheduler(&self) {
        let app = greetings_scheduler::Application::build(self.scheduler_settings())
            .await
            .unwrap();
        tokio::spawn(app.run_until_stopped(self.shutdown.clone()));
    }

    /// Starts a worker in-process; its task handle tells whether it is still running.
    pub async fn start_worker(
        &self,
        settings: greetings_worker::Settings,
    ) -> tokio::task::JoinHandle<anyhow::Result<()>> {
        let app = greetings_worker::Application::build(settings)
            .await
            .unwrap();
        tokio::spawn(app.run_until_stopped(self.shutdown.clone()))
    }

    pub async fn count_status(&self, status: &str) -> i64 {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use greetings_db::schema::occurrences::dsl as o;
        let mut conn = self.pool.get().await.unwrap();
        o::occurrences
            .filter(o::status.eq(status))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap()
    }

    pub async fn wait_for_status(&self, status: &str, count: i64, timeout: Duration) {
        eventually(
            timeout,
            &format!("{count} occurrences {status}"),
            || async { (self.count_status(status).await == count).then_some(()) },
        )
        .await
    }

    pub async fn sim_stats(&self) -> Value {
        self.http
            .get(format!("{}/stats", self.sim_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn sim_messages(&self) -> Vec<Value> {
        let body: Value = self
            .http
            .get(format!("{}/messages?limit=100000", self.sim_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["items"].as_array().unwrap().clone()
    }

    pub async fn set_sim(&self, control: Value) {
        let response = self
            .http
            .put(format!("{}/control", self.sim_url))
            .json(&control)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{:?}",
            response.text().await
        );
    }
}

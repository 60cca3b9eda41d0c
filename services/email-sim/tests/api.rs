//! The simulator's HTTP API, driven in-process with `reqwest` against an app on port 0.

use std::time::{Duration, Instant};

use greetings_email_sim::{Application, Settings};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

struct TestApp {
    address: String,
    client: reqwest::Client,
    shutdown: CancellationToken,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A perfect, instant vendor unless `configure` says otherwise.
async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = Settings::load().expect("the embedded defaults load");
    settings.http.listen = "127.0.0.1:0".into();
    settings.shutdown.grace_seconds = 5;
    settings.latency.min_ms = 0;
    settings.latency.max_ms = 0;
    settings.failure.error_rate = 0.0;
    settings.failure.timeout_rate = 0.0;
    settings.failure.throttle_rate = 0.0;
    settings.failure.permanent_rate = 0.0;
    configure(&mut settings);
    let application = Application::build(settings)
        .await
        .expect("the simulator builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(application.run_until_stopped(shutdown.clone()));
    TestApp {
        address,
        client: greetings_test_support::http_client(),
        shutdown,
        server: Some(server),
    }
}

async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

impl TestApp {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    fn send_request(&self, email: &str, key: Option<&str>) -> reqwest::RequestBuilder {
        let request = self
            .client
            .post(self.url("/send-email"))
            .json(&json!({"email": email, "message": format!("Hey, {email} it's your birthday")}));
        match key {
            Some(key) => request.header("Idempotency-Key", key),
            None => request,
        }
    }

    async fn send(&self, email: &str, key: Option<&str>) -> reqwest::Response {
        self.send_request(email, key)
            .send()
            .await
            .expect("send-email answers")
    }

    async fn get_json(&self, path: &str) -> Value {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("GET answers");
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("a JSON body")
    }

    async fn stats(&self) -> Value {
        self.get_json("/stats").await
    }

    async fn put_control(&self, body: Value) -> reqwest::Response {
        self.client
            .put(self.url("/control"))
            .json(&body)
            .send()
            .await
            .expect("PUT /control answers")
    }

    /// Polls `/stats` until `received` reaches `count`, failing after a deadline.
    async fn wait_until_received(&self, count: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let stats = self.stats().await;
            if stats["received"].as_u64() >= Some(count) {
                return stats;
            }
            assert!(
                Instant::now() < deadline,
                "never received {count} requests: {stats}"
            );
            tokio::task::yield_now().await;
        }
    }
}

#[tokio::test]
async fn a_delivered_email_is_recorded_with_its_message_and_key() {
    let app = spawn_app().await;

    let response = app.send("ada@example.com", Some("msg-1")).await;

    assert_eq!(response.status(), StatusCode::OK);
    let items = app.get_json("/messages").await["items"].clone();
    assert_eq!(items.as_array().map(Vec::len), Some(1), "{items}");
    let item = &items[0];
    assert_eq!(item["email"], "ada@example.com");
    assert_eq!(item["message"], "Hey, ada@example.com it's your birthday");
    assert_eq!(item["idempotencyKey"], "msg-1");
    assert_eq!(item["status"], 200);
    let received_at = item["receivedAt"].as_str().expect("receivedAt is a string");
    assert!(
        chrono::DateTime::parse_from_rfc3339(received_at).is_ok(),
        "{received_at}"
    );
    let stats = app.stats().await;
    assert_eq!(stats["received"], 1);
    assert_eq!(stats["delivered"], 1);
    assert_eq!(stats["distinctKeys"], 1);
    assert_eq!(stats["byStatus"]["200"], 1);
}

#[tokio::test]
async fn repeated_deliveries_are_counted_as_duplicates_per_key() {
    let app = spawn_app().await;

    for key in ["k1", "k1", "k2", "k1"] {
        assert_eq!(
            app.send("ada@example.com", Some(key)).await.status(),
            StatusCode::OK
        );
    }
    app.send("ada@example.com", None).await;

    let stats = app.stats().await;
    assert_eq!(stats["delivered"], 5);
    assert_eq!(stats["distinctKeys"], 2);
    assert_eq!(stats["duplicates"], 2);
    assert_eq!(stats["duplicateKeys"], json!(["k1"]));
    assert_eq!(stats["withoutKey"], 1);
}

#[tokio::test]
async fn an_error_rate_of_one_answers_every_request_with_a_server_error() {
    let app = spawn_app_with(|settings| settings.failure.error_rate = 1.0).await;

    for n in 0..20 {
        let response = app.send("ada@example.com", Some(&format!("k{n}"))).await;
        let status = response.status();
        assert!(status == 500 || status == 503, "answered {status}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }

    let stats = app.stats().await;
    assert_eq!(stats["received"], 20);
    assert_eq!(stats["delivered"], 0);
    let server_errors = stats["byStatus"]["500"].as_u64().unwrap_or(0)
        + stats["byStatus"]["503"].as_u64().unwrap_or(0);
    assert_eq!(server_errors, 20, "{stats}");
}

#[tokio::test]
async fn a_throttled_request_gets_429_with_retry_after() {
    let app = spawn_app_with(|settings| {
        settings.failure.throttle_rate = 1.0;
        settings.failure.retry_after_seconds = 7;
    })
    .await;

    let response = app.send("ada@example.com", Some("k1")).await;

    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(app.stats().await["byStatus"]["429"], 1);
}

#[tokio::test]
async fn a_permanent_rate_of_one_answers_400() {
    let app = spawn_app_with(|settings| settings.failure.permanent_rate = 1.0).await;

    let response = app.send("ada@example.com", Some("k1")).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("a problem body");
    assert_eq!(body["code"], "simulated_rejection");
}

#[tokio::test]
async fn control_makes_the_vendor_fail_and_recover_live() {
    let app = spawn_app().await;
    assert_eq!(
        app.send("ada@example.com", Some("k1")).await.status(),
        StatusCode::OK
    );

    let changed = app
        .put_control(json!({"errorRate": 1.0, "latencyMaxMs": 5}))
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert!(app
        .send("ada@example.com", Some("k2"))
        .await
        .status()
        .is_server_error());
    let control = app.get_json("/control").await;
    assert_eq!(control["errorRate"], 1.0);
    assert_eq!(control["latencyMaxMs"], 5);
    assert_eq!(control["timeoutRate"], 0.0);

    app.put_control(json!({"errorRate": 0.0})).await;
    assert_eq!(
        app.send("ada@example.com", Some("k2")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn control_refuses_invalid_behaviour_and_keeps_the_old_one() {
    let app = spawn_app().await;

    let out_of_range = app.put_control(json!({"errorRate": 1.5})).await;
    assert_eq!(out_of_range.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = out_of_range.json().await.expect("a problem body");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .starts_with("errorRate must be between 0 and 1"),
        "{body}"
    );

    let too_much = app
        .put_control(json!({"errorRate": 0.6, "throttleRate": 0.6}))
        .await;
    assert_eq!(too_much.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let unknown = app.put_control(json!({"errorRat": 1.0})).await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);

    assert_eq!(app.get_json("/control").await["errorRate"], 0.0);
}

#[tokio::test]
async fn a_timeout_rate_of_one_hangs_past_a_short_client_timeout_then_answers_504() {
    let app = spawn_app_with(|settings| {
        settings.failure.timeout_rate = 1.0;
        settings.failure.hang_ms = 300;
    })
    .await;

    let impatient = app
        .send_request("ada@example.com", Some("k1"))
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    let error = impatient.expect_err("the client gives up before the simulator answers");
    assert!(error.is_timeout(), "{error}");

    let started = Instant::now();
    let patient = app.send("ada@example.com", Some("k2")).await;
    assert_eq!(patient.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    let stats = app.wait_until_received(2).await;
    assert_eq!(stats["byStatus"]["504"], 2);
}

#[tokio::test]
async fn latency_delays_every_answer_by_at_least_its_minimum() {
    let app = spawn_app_with(|settings| {
        settings.latency.min_ms = 150;
        settings.latency.max_ms = 150;
    })
    .await;

    let started = Instant::now();
    let response = app.send("ada@example.com", Some("k1")).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_malformed_body_is_rejected_with_400_and_not_recorded() {
    let app = spawn_app().await;

    for body in [
        r#"{"email": "ada@example.com""#,
        r#"{"email": "ada@example.com"}"#,
        "[]",
    ] {
        let response = app
            .client
            .post(app.url("/send-email"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("send-email answers");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
    }

    let stats = app.stats().await;
    assert_eq!(stats["malformed"], 3);
    assert_eq!(stats["received"], 0);
    assert_eq!(app.get_json("/messages").await["items"], json!([]));
}

#[tokio::test]
async fn messages_are_filtered_by_email_and_key_and_limited() {
    let app = spawn_app().await;
    app.send("ada@example.com", Some("a1")).await;
    app.send("bob@example.com", Some("b1")).await;
    app.send("ada@example.com", Some("a2")).await;
    app.send("ada@example.com", Some("a3")).await;

    let ada = app.get_json("/messages?email=ada@example.com").await;
    assert_eq!(ada["items"].as_array().map(Vec::len), Some(3));
    let b1 = app.get_json("/messages?key=b1").await;
    assert_eq!(b1["items"][0]["email"], "bob@example.com");
    assert_eq!(b1["items"].as_array().map(Vec::len), Some(1));
    let limited = app
        .get_json("/messages?email=ada@example.com&limit=2")
        .await;
    let keys: Vec<&Value> = limited["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| &item["idempotencyKey"])
        .collect();
    assert_eq!(keys, [&json!("a1"), &json!("a2")]);
    let none = app.get_json("/messages?email=ada@example.com&key=b1").await;
    assert_eq!(none["items"], json!([]));

    let bad_limit = app
        .client
        .get(app.url("/messages?limit=lots"))
        .send()
        .await
        .expect("answers");
    assert_eq!(bad_limit.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reset_clears_recorded_messages_and_counts() {
    let app = spawn_app().await;
    app.send("ada@example.com", Some("k1")).await;

    let reset = app
        .client
        .post(app.url("/reset"))
        .send()
        .await
        .expect("reset answers");

    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    let stats = app.stats().await;
    assert_eq!(stats["received"], 0);
    assert_eq!(stats["distinctKeys"], 0);
    assert_eq!(app.get_json("/messages").await["items"], json!([]));
    app.send("ada@example.com", Some("k1")).await;
    assert_eq!(app.stats().await["duplicates"], 0);
}

#[tokio::test]
async fn metrics_export_the_simulator_series_and_health_answers() {
    let app = spawn_app().await;
    app.send("ada@example.com", Some("k1")).await;
    app.send("ada@example.com", Some("k1")).await;

    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics answer");
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.expect("a text body");
    for expected in [
        "# HELP greetings_email_sim_requests_total",
        "greetings_email_sim_requests_total{status=\"200\"}",
        "greetings_email_sim_duplicates_total",
        "greetings_email_sim_request_duration_seconds_bucket",
        "greetings_build_info{service=\"email-sim\",version=\"",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    assert_eq!(app.get_json("/health/live").await["status"], "ok");
    assert_eq!(app.get_json("/health/ready").await["status"], "ready");
}

#[tokio::test]
async fn shutdown_answers_hanging_requests_and_stops_promptly() {
    let mut app = spawn_app_with(|settings| {
        settings.failure.timeout_rate = 1.0;
        settings.failure.hang_ms = 30_000;
        // Longer than the deadline below: only a prompt drain passes, not the grace timeout.
        settings.shutdown.grace_seconds = 30;
    })
    .await;
    let hanging = tokio::spawn(app.send_request("ada@example.com", Some("k1")).send());
    app.wait_until_received(1).await;

    app.shutdown.cancel();

    let server = app.server.take().expect("the server task");
    let stopped = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(matches!(stopped, Ok(Ok(Ok(())))), "{stopped:?}");
    let answer = hanging.await.expect("the request task").expect("an answer");
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn invalid_settings_are_refused_at_start_naming_the_key() {
    let mut settings = Settings::load().expect("the embedded defaults load");
    settings.http.listen = "127.0.0.1:0".into();
    settings.failure.error_rate = 0.0;
    settings.failure.timeout_rate = 2.0;

    let error = Application::build(settings)
        .await
        .err()
        .expect("the build fails");

    assert!(
        format!("{error:#}").contains("failure.timeout_rate must be between 0 and 1"),
        "{error:#}"
    );
}

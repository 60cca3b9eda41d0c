//! API keys, scopes, rate limits, request deadlines and the start-up refusal, against the real
//! api and Postgres; the `keys` command is run as the real binary.

use std::{
    io::{Read, Write},
    process::Command,
    time::Duration,
};

use greetings_api::{auth::Scope, settings::DEFAULTS, Application, Settings};
use greetings_test_support::{eventually, TestDatabase};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{mint_key, spawn_app, spawn_app_with, user_body, TestApp};

async fn call(app: &TestApp, method: Method, path: &str, key: Option<&str>) -> reqwest::Response {
    let mut request = app.client.request(method.clone(), app.url(path));
    if method == Method::POST {
        request = request.json(&user_body(&format!("{}@example.com", uuid::Uuid::now_v7())));
    }
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.expect("request")
}

async fn status(app: &TestApp, method: Method, path: &str, key: Option<&str>) -> u16 {
    call(app, method, path, key).await.status().as_u16()
}

async fn problem_code(response: reqwest::Response) -> String {
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    problem["code"].as_str().unwrap().to_owned()
}

fn run_keys(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_greetings-api"))
        .arg("keys")
        .args(args)
        .env("DATABASE_URL", database_url)
        .output()
        .expect("running greetings-api keys")
}

#[tokio::test]
async fn no_key_gets_401_while_health_metrics_and_the_api_description_stay_open() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::GET, "/api/v1/users"),
        (Method::POST, "/api/v1/users"),
        (Method::GET, "/user/00000000-0000-0000-0000-000000000000"),
        (Method::GET, "/api/v1/schedule/preview"),
    ] {
        let response = call(&app, method.clone(), path, None).await;
        assert_eq!(response.status(), 401, "{method} {path}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_eq!(problem_code(response).await, "unauthenticated");
        let wrong_scheme = app
            .client
            .request(method.clone(), app.url(path))
            .header("Authorization", format!("Basic {}", app.key))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong_scheme.status(), 401, "Basic on {method} {path}");
    }
    for path in [
        "/health/live",
        "/health/ready",
        "/metrics",
        "/api/v1/openapi.json",
        "/docs",
    ] {
        assert_eq!(
            call(&app, Method::GET, path, None).await.status(),
            200,
            "{path}"
        );
    }
    let unknown = call(&app, Method::GET, "/api/v1/users", Some("gk_not-a-key")).await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(app.count_users().await, 0);
}

#[tokio::test]
async fn a_key_without_the_scope_gets_403_and_changes_nothing() {
    let app = spawn_app().await;
    let reader = mint_key(&app.db.url, &[Scope::UsersRead]).await;
    let writer = mint_key(&app.db.url, &[Scope::UsersWrite]).await;

    let refused = call(&app, Method::POST, "/api/v1/users", Some(&reader)).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(problem_code(refused).await, "forbidden");
    assert_eq!(
        app.count_users().await,
        0,
        "a refused write creates nothing"
    );

    assert_eq!(
        status(&app, Method::GET, "/api/v1/users", Some(&reader)).await,
        200
    );
    assert_eq!(
        status(&app, Method::POST, "/api/v1/users", Some(&writer)).await,
        201
    );
    assert_eq!(
        status(&app, Method::GET, "/api/v1/users", Some(&writer)).await,
        403
    );
    let preview = "/api/v1/schedule/preview?from=2030-01-01T00:00:00Z&to=2030-01-02T00:00:00Z";
    assert_eq!(status(&app, Method::GET, preview, Some(&writer)).await, 403);
    assert_eq!(
        status(&app, Method::GET, preview, Some(&app.key)).await,
        200
    );
}

#[tokio::test]
async fn keys_minted_by_the_cli_work_and_a_revoked_one_gets_401_within_the_cache_time() {
    let app = spawn_app_with(|settings| settings.auth.cache_seconds = 1).await;
    let url = app.db.url.clone();

    let created = run_keys(
        &url,
        &["create", "--name", "reporting", "--scopes", "users:read"],
    );
    assert!(created.status.success(), "{created:?}");
    let key = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert!(
        key.starts_with("gk_") && key.len() == 67,
        "stdout is the key alone: {key}"
    );
    assert_eq!(
        status(&app, Method::GET, "/api/v1/users", Some(&key)).await,
        200
    );

    let listed = String::from_utf8(run_keys(&url, &["list"]).stdout).unwrap();
    let line = listed
        .lines()
        .find(|line| line.contains("reporting"))
        .unwrap_or_else(|| panic!("the key is listed: {listed}"));
    assert!(line.contains(&key[..10]), "listed by its prefix: {line}");
    assert!(
        !listed.contains(&key),
        "the listing never shows a whole key"
    );
    let id = line.split_whitespace().next().unwrap();

    assert!(run_keys(&url, &["revoke", id]).status.success());
    eventually(
        Duration::from_secs(5),
        "the revoked key to be refused",
        || async {
            let status = call(&app, Method::GET, "/api/v1/users", Some(&key))
                .await
                .status();
            (status == StatusCode::UNAUTHORIZED).then_some(())
        },
    )
    .await;
    let again = run_keys(&url, &["revoke", id]);
    assert!(!again.status.success(), "a key is revoked once");
    assert!(String::from_utf8_lossy(&again.stderr).contains("no live API key"));

    let bad = run_keys(&url, &["create", "--name", "x", "--scopes", "root"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown scope 'root'"));
}

#[tokio::test]
async fn a_flood_of_writes_gets_429_with_retry_after_while_reads_and_health_are_not_limited() {
    let app = spawn_app_with(|settings| {
        settings.rate_limit.per_key_per_second = 1;
        settings.rate_limit.per_key_burst = 5;
    })
    .await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..20 {
        let response = call(&app, Method::POST, "/api/v1/users", Some(&app.key)).await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            retry_after = response.headers().get("retry-after").cloned();
            assert_eq!(problem_code(response).await, "rate-limited");
        }
    }
    let created = statuses.iter().filter(|s| **s == 201).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        (5..=7).contains(&created),
        "the burst, and at most a refill or two: {statuses:?}"
    );
    assert_eq!(created + limited, 20, "{statuses:?}");
    let seconds: u64 = retry_after.unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&seconds), "Retry-After {seconds}");
    assert_eq!(
        app.count_users().await,
        created as i64,
        "refused writes create nothing"
    );
    for path in ["/health/live", "/health/ready", "/metrics", "/api/v1/users"] {
        for _ in 0..10 {
            assert_eq!(
                call(&app, Method::GET, path, Some(&app.key)).await.status(),
                200,
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn the_api_refuses_to_start_without_a_live_key_unless_auth_is_disabled() {
    let db = TestDatabase::create().await;
    let mut settings: Settings = greetings_telemetry::load_settings(DEFAULTS).unwrap();
    settings.http.listen = "127.0.0.1:0".into();
    settings.database.url = db.url.clone().into();
    let refused = Application::build(settings.clone())
        .await
        .err()
        .expect("refused");
    let message = format!("{refused:#}");
    assert!(message.contains("no live API key"), "{message}");
    assert!(
        message.contains("greetings-api keys create"),
        "says how to fix it: {message}"
    );

    settings.auth.disabled = true;
    let app = Application::build(settings)
        .await
        .expect("starts with auth disabled");
    let address = format!("http://127.0.0.1:{}", app.port());
    let shutdown = tokio_util::sync::CancellationToken::new();
    tokio::spawn(app.run_until_stopped(shutdown.clone()));
    let response = greetings_test_support::http_client()
        .get(format!("{address}/api/v1/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "every route is open when auth is disabled"
    );
    shutdown.cancel();
}

#[tokio::test]
async fn a_deeply_nested_body_is_refused_with_400_and_the_api_keeps_serving() {
    let app = spawn_app().await;
    let depth = 30_000; // ~60 KB: under the 64 KiB body limit, so the nesting is what refuses it
    let body = format!(
        r#"{{"firstName": {}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&app.key)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(problem_code(response).await, "malformed-json");
    app.create_user(&user_body("after@example.com")).await;
}

#[tokio::test]
async fn a_request_that_outlives_its_deadline_gets_503_with_retry_after() {
    let app = spawn_app_with(|settings| settings.http.request_timeout_ms = 300).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let key = app.key.clone();
    // A client that announces a body and never finishes sending it.
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "POST /api/v1/users HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {key}\r\n\
             Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"firstName\":"
        )
        .unwrap();
        let mut answer = vec![0; 4096];
        let read = stream.read(&mut answer).unwrap();
        String::from_utf8_lossy(&answer[..read]).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );
    assert!(answer.contains("request-timeout"), "{answer}");
    assert_eq!(app.count_users().await, 0);
}

#[tokio::test]
async fn the_openapi_document_states_the_scope_and_refusals_of_each_operation() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert_eq!(
        doc["components"]["securitySchemes"]["apiKey"]["scheme"],
        json!("bearer")
    );
    let create = &doc["paths"]["/api/v1/users"]["post"];
    assert_eq!(create["security"], json!([{ "apiKey": ["users:write"] }]));
    for status in ["401", "403", "429"] {
        assert!(
            create["responses"][status].is_object(),
            "POST /users documents {status}"
        );
    }
    let read = &doc["paths"]["/api/v1/users/{id}"]["get"];
    assert_eq!(read["security"], json!([{ "apiKey": ["users:read"] }]));
    assert!(
        read["responses"]["429"].is_null(),
        "reads are not rate limited"
    );
    let preview = &doc["paths"]["/api/v1/schedule/preview"]["get"];
    assert_eq!(preview["security"], json!([{ "apiKey": ["admin"] }]));
    assert!(doc["paths"]["/health/live"]["get"]["security"].is_null());
}

#[tokio::test]
async fn metrics_can_be_served_on_an_address_of_their_own() {
    let db = TestDatabase::create().await;
    mint_key(&db.url, &[Scope::UsersRead]).await;
    let mut settings: Settings = greetings_telemetry::load_settings(DEFAULTS).unwrap();
    settings.http.listen = "127.0.0.1:0".into();
    settings.http.metrics_listen = "127.0.0.1:0".into();
    settings.database.url = db.url.clone().into();
    let app = Application::build(settings).await.expect("starts");
    let api = format!("http://127.0.0.1:{}", app.port());
    let metrics = format!(
        "http://127.0.0.1:{}",
        app.metrics_port().expect("a metrics port")
    );
    let shutdown = tokio_util::sync::CancellationToken::new();
    tokio::spawn(app.run_until_stopped(shutdown.clone()));
    let client = greetings_test_support::http_client();
    assert_eq!(
        client
            .get(format!("{api}/health/live"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client
            .get(format!("{api}/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let scrape = client
        .get(format!("{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), 200);
    assert!(scrape
        .text()
        .await
        .unwrap()
        .contains("greetings_build_info"));
    shutdown.cancel();
}

#[tokio::test]
async fn a_percent_encoded_path_is_judged_as_the_router_sees_it() {
    let app = spawn_app().await;
    let reader = mint_key(&app.db.url, &[Scope::UsersRead]).await;
    // `%61` is `a`: the router decodes it, so the guard must too.
    let encoded = call(&app, Method::GET, "/%61pi/v1/users", None).await;
    assert_eq!(encoded.status(), 401);
    let created = call(&app, Method::POST, "/%61pi/v1/users", None).await;
    assert_eq!(created.status(), 401);
    assert_eq!(
        status(&app, Method::GET, "/%61pi/v1/users", Some(&reader)).await,
        200
    );
    let preview = "/api/v1/%73chedule/preview?from=2030-01-01T00:00:00Z&to=2030-01-02T00:00:00Z";
    assert_eq!(status(&app, Method::GET, preview, Some(&reader)).await, 403);
    assert_eq!(status(&app, Method::GET, "/no/such/path", None).await, 401);
    assert_eq!(app.count_users().await, 0);
}

#[tokio::test]
async fn guessing_keys_is_limited_per_address_on_write_and_read_routes() {
    for method in [Method::POST, Method::GET] {
        let app = spawn_app_with(|settings| {
            settings.rate_limit.per_address_per_second = 1;
            settings.rate_limit.per_address_burst = 3;
        })
        .await;
        let mut statuses = Vec::new();
        for i in 0..10 {
            let guess = format!("gk_guess{i}");
            statuses.push(status(&app, method.clone(), "/api/v1/users", Some(&guess)).await);
        }
        assert_eq!(&statuses[..3], &[401, 401, 401], "{method}: {statuses:?}");
        let limited = statuses[3..].iter().filter(|s| **s == 429).count();
        assert!(limited >= 6, "{method}: {statuses:?}");
        for _ in 0..10 {
            let read = status(&app, Method::GET, "/api/v1/users", Some(&app.key)).await;
            assert_eq!(read, 200, "reads with a valid key are not limited");
        }
    }
}

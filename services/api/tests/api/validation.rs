//! Bad input: every class gets an RFC 9457 problem with a stable code, and changes nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, user_body, TestApp};

pub async fn assert_problem(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], code, "{problem}");
    assert_eq!(problem["status"], status);
    assert_eq!(problem["type"], format!("/problems/{code}"));
    problem
}

pub fn field_errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["message"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn post_raw(app: &TestApp, body: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn malformed_json_is_a_400_and_creates_nothing() {
    let app = spawn_app().await;
    assert_problem(
        post_raw(&app, "{\"firstName\": ").await,
        400,
        "malformed-json",
    )
    .await;
    assert_problem(post_raw(&app, "[1, 2]").await, 400, "malformed-json").await;
    assert_eq!(app.count_users().await, 0);
}

#[tokio::test]
async fn each_invalid_field_is_reported_by_name_at_once() {
    let app = spawn_app().await;
    let body = json!({
        "firstName": 42,
        "lastName": "",
        "email": "not-an-email",
        "timezone": "Mars/Olympus_Mons",
        "birthday": "1990-02-30",
        "anniversary": "2025-13-01",
        "nickname": "x"
    });
    let problem = assert_problem(
        app.post_json("/api/v1/users", &body).await,
        422,
        "validation-failed",
    )
    .await;
    let fields: Vec<String> = field_errors(&problem).into_iter().map(|(f, _)| f).collect();
    for field in [
        "firstName",
        "lastName",
        "email",
        "timezone",
        "birthday",
        "anniversary",
        "nickname",
    ] {
        assert!(
            fields.contains(&field.to_owned()),
            "{field} missing from {fields:?}"
        );
    }
    let timezone_message = field_errors(&problem)
        .into_iter()
        .find(|(f, _)| f == "timezone")
        .unwrap()
        .1;
    assert!(
        timezone_message.contains("Mars/Olympus_Mons"),
        "{timezone_message}"
    );
    assert_eq!(app.count_users().await, 0);
}

#[tokio::test]
async fn missing_required_fields_are_named() {
    let app = spawn_app().await;
    let problem = assert_problem(
        app.post_json("/api/v1/users", &json!({"firstName": "Ada"}))
            .await,
        422,
        "validation-failed",
    )
    .await;
    let errors = field_errors(&problem);
    for field in ["lastName", "email", "timezone"] {
        assert!(
            errors.contains(&(field.to_owned(), "is required".to_owned())),
            "{errors:?}"
        );
    }
}

#[tokio::test]
async fn dates_must_be_real_and_not_in_the_future() {
    let app = spawn_app().await;
    for bad in [
        "1990-02-30",
        "2025-13-01",
        "2023-02-29",
        "3000-01-01",
        "1990/01/01",
        "01-01-1990",
    ] {
        let mut body = user_body("ada@example.com");
        body["birthday"] = json!(bad);
        let problem = assert_problem(
            app.post_json("/api/v1/users", &body).await,
            422,
            "validation-failed",
        )
        .await;
        assert_eq!(field_errors(&problem)[0].0, "birthday", "{bad}");
    }
    let mut leap = user_body("ada@example.com");
    leap["birthday"] = json!("2024-02-29");
    app.create_user(&leap).await;
}

#[tokio::test]
async fn every_iana_zone_style_is_accepted() {
    let app = spawn_app().await;
    for (i, zone) in [
        "UTC",
        "America/Argentina/Buenos_Aires",
        "Etc/GMT+5",
        "Pacific/Kiritimati",
        "Asia/Kathmandu",
    ]
    .iter()
    .enumerate()
    {
        let mut body = user_body(&format!("z{i}@example.com"));
        body["timezone"] = json!(zone);
        assert_eq!(app.create_user(&body).await["timezone"], *zone);
    }
}

#[tokio::test]
async fn a_ten_megabyte_body_is_refused_with_413() {
    let app = spawn_app().await;
    let mut body = user_body("big@example.com");
    body["location"] = json!("x".repeat(10 * 1024 * 1024));
    assert_problem(
        app.post_json("/api/v1/users", &body).await,
        413,
        "payload-too-large",
    )
    .await;
    assert_eq!(app.count_users().await, 0);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_with_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&app.key)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_problem(response, 415, "unsupported-media-type").await;
}

#[tokio::test]
async fn ids_must_be_uuids_and_unknown_ids_are_404() {
    let app = spawn_app().await;
    assert_problem(app.get("/api/v1/users/123").await, 400, "invalid-parameter").await;
    assert_problem(
        app.get("/api/v1/users/0193a1b2-0000-7000-8000-000000000000")
            .await,
        404,
        "not-found",
    )
    .await;
    let response = app
        .send(
            Method::PUT,
            "/api/v1/users/0193a1b2-0000-7000-8000-000000000000",
            Some(&user_body("x@example.com")),
        )
        .await;
    assert_problem(response, 404, "not-found").await;
    let response = app
        .send(
            Method::PATCH,
            "/api/v1/users/0193a1b2-0000-7000-8000-000000000000",
            Some(&json!({})),
        )
        .await;
    assert_problem(response, 404, "not-found").await;
    assert_problem(app.get("/api/v1/nothing-here").await, 404, "not-found").await;
    assert_eq!(app.count_users().await, 0);
}

#[tokio::test]
async fn a_patch_cannot_null_a_required_field_and_changes_nothing_when_refused() {
    let app = spawn_app().await;
    let user = app.create_user(&user_body("ada@example.com")).await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let response = app
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"firstName": null, "lastName": "Byron"})),
        )
        .await;
    let problem = assert_problem(response, 422, "validation-failed").await;
    assert_eq!(
        field_errors(&problem),
        vec![("firstName".to_owned(), "must not be null".to_owned())]
    );
    let unchanged: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(unchanged, user);
}

#[tokio::test]
async fn bad_query_parameters_are_400s() {
    let app = spawn_app().await;
    assert_problem(
        app.get("/api/v1/users?limit=0").await,
        400,
        "invalid-parameter",
    )
    .await;
    assert_problem(
        app.get("/api/v1/users?cursor=nope").await,
        400,
        "invalid-parameter",
    )
    .await;
    assert_problem(
        app.get("/api/v1/messages?status=done").await,
        400,
        "invalid-parameter",
    )
    .await;
    assert_problem(
        app.get("/api/v1/messages?kind=wedding").await,
        400,
        "invalid-parameter",
    )
    .await;
    assert_problem(
        app.get("/api/v1/messages?from=yesterday").await,
        400,
        "invalid-parameter",
    )
    .await;
    assert_problem(
        app.get("/api/v1/messages?limit=abc").await,
        400,
        "invalid-parameter",
    )
    .await;
}

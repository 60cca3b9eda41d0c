//! The users resource: CRUD, pagination, uniqueness, legacy paths.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, user_body};

#[tokio::test]
async fn creating_a_user_answers_201_with_its_location_and_the_resource() {
    let app = spawn_app().await;
    let response = app
        .post_json("/api/v1/users", &user_body("ada@example.com"))
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let user: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/users/{}", user["id"].as_str().unwrap())
    );
    assert_eq!(user["firstName"], "Ada");
    assert_eq!(user["timezone"], "Europe/London");
    assert_eq!(user["birthday"], "1990-12-10");
    assert_eq!(user["anniversary"], Value::Null);

    let fetched: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(fetched, user);
}

#[tokio::test]
async fn users_are_listed_a_cursor_page_at_a_time_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let mut created = Vec::new();
    for i in 0..7 {
        created.push(
            app.create_user(&user_body(&format!("u{i}@example.com")))
                .await["id"]
                .clone(),
        );
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/users?limit=3".to_owned();
    loop {
        let page: Value = app.get(&path).await.json().await.unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].clone()),
        );
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/users?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, created);
}

#[tokio::test]
async fn put_replaces_the_whole_user_and_patch_changes_only_what_it_names() {
    let app = spawn_app().await;
    let user = app.create_user(&user_body("ada@example.com")).await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());

    let replaced = json!({"firstName": "Grace", "lastName": "Hopper", "email": "grace@example.com", "timezone": "America/New_York", "anniversary": "2000-06-01"});
    let response = app.send(Method::PUT, &path, Some(&replaced)).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["firstName"], "Grace");
    assert_eq!(
        body["birthday"],
        Value::Null,
        "PUT without birthday clears it"
    );
    assert_eq!(body["location"], Value::Null);

    let response = app
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"lastName": "Murray Hopper", "anniversary": null})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["lastName"], "Murray Hopper");
    assert_eq!(body["firstName"], "Grace", "untouched by the patch");
    assert_eq!(
        body["anniversary"],
        Value::Null,
        "null clears an optional field"
    );
    assert_eq!(body["email"], "grace@example.com");
}

#[tokio::test]
async fn a_deleted_user_is_gone_and_its_e_mail_can_be_used_again() {
    let app = spawn_app().await;
    let user = app.create_user(&user_body("ada@example.com")).await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    assert_eq!(app.send(Method::DELETE, &path, None).await.status(), 204);
    assert_eq!(app.get(&path).await.status(), 404);
    assert_eq!(app.send(Method::DELETE, &path, None).await.status(), 404);
    assert_eq!(app.count_users().await, 0);
    app.create_user(&user_body("ADA@example.com")).await;
}

#[tokio::test]
async fn the_assignment_paths_create_update_and_delete_users_too() {
    let app = spawn_app().await;
    let response = app.post_json("/user", &user_body("ada@example.com")).await;
    assert_eq!(response.status(), 201);
    let user: Value = response.json().await.unwrap();
    let path = format!("/user/{}", user["id"].as_str().unwrap());
    let mut changed = user_body("ada@example.com");
    changed["firstName"] = json!("Augusta");
    let response = app.send(Method::PUT, &path, Some(&changed)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap()["firstName"],
        "Augusta"
    );
    assert_eq!(app.send(Method::DELETE, &path, None).await.status(), 204);
    assert_eq!(app.count_users().await, 0);
}

#[tokio::test]
async fn e_mail_addresses_are_unique_among_live_users_ignoring_case() {
    let app = spawn_app().await;
    app.create_user(&user_body("ada@example.com")).await;
    let response = app
        .post_json("/api/v1/users", &user_body("Ada@Example.com"))
        .await;
    assert_eq!(response.status(), 409);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "email-taken");
    assert_eq!(app.count_users().await, 1);
}

#[tokio::test]
async fn concurrent_creates_of_one_e_mail_yield_exactly_one_201_and_the_rest_409() {
    let app = spawn_app().await;
    let body = user_body("race@example.com");
    let requests = (0..20).map(|_| app.post_json("/api/v1/users", &body));
    let statuses: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        19,
        "{statuses:?}"
    );
    assert_eq!(app.count_users().await, 1);
}

#[tokio::test]
async fn names_that_look_like_sql_or_hold_emoji_are_stored_verbatim() {
    let app = spawn_app().await;
    let mut body = user_body("bobby@example.com");
    body["firstName"] = json!("Robert'); DROP TABLE users;--");
    body["lastName"] = json!("🎂 Tables");
    let user = app.create_user(&body).await;
    let fetched: Value = app
        .get(&format!("/api/v1/users/{}", user["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["firstName"], "Robert'); DROP TABLE users;--");
    assert_eq!(fetched["lastName"], "🎂 Tables");
}

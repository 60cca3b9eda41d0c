//! Occurrences as the api writes and shows them: planned with the user, rescheduled on edit,
//! cancelled on delete.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_at, user_body};

/// Today's `hh:mm` in `zone` as a UTC instant.
fn local_today_at(zone: Tz, hour: u32, minute: u32) -> DateTime<Utc> {
    let today = Utc::now().with_timezone(&zone).date_naive();
    zone.from_local_datetime(&today.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap()))
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

fn birthday_on(at: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone).date_naive();
    format!("1990-{:02}-{:02}", local.month(), local.day())
}

fn occurrence_for<'a>(messages: &'a Value, local_date: &str) -> Option<&'a Value> {
    messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["localDate"].as_str().unwrap().ends_with(local_date))
}

#[tokio::test]
async fn a_user_created_at_0859_local_on_their_birthday_is_scheduled_for_0900_today() {
    let tokyo = chrono_tz::Asia::Tokyo;
    let now = local_today_at(tokyo, 8, 59);
    let app = spawn_app_at(Some(now)).await;
    let mut body = user_body("early@example.com");
    body["timezone"] = json!("Asia/Tokyo");
    body["birthday"] = json!(birthday_on(now, tokyo));
    let user = app.create_user(&body).await;
    let messages = app.messages_of(user["id"].as_str().unwrap()).await;
    let today = now.with_timezone(&tokyo).date_naive().to_string();
    let occurrence = occurrence_for(&messages, &today).expect("today's occurrence exists");
    assert_eq!(occurrence["status"], "scheduled");
    assert_eq!(
        occurrence["sendAt"].as_str().unwrap(),
        (now + Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    assert!(
        occurrence["localSendAt"]
            .as_str()
            .unwrap()
            .ends_with("T09:00:00+09:00"),
        "{occurrence}"
    );
    assert_eq!(occurrence["kind"], "birthday");
}

#[tokio::test]
async fn a_user_created_after_0900_local_on_their_birthday_is_skipped_for_today() {
    let zone = chrono_tz::America::New_York;
    let now = local_today_at(zone, 9, 30);
    let app = spawn_app_at(Some(now)).await;
    let mut body = user_body("late@example.com");
    body["timezone"] = json!("America/New_York");
    body["birthday"] = json!(birthday_on(now, zone));
    let user = app.create_user(&body).await;
    let messages = app.messages_of(user["id"].as_str().unwrap()).await;
    let today = now.with_timezone(&zone).date_naive().to_string();
    let occurrence = occurrence_for(&messages, &today).expect("today's occurrence is recorded");
    assert_eq!(occurrence["status"], "skipped");
    // The next one is a year away, beyond the horizon, and still shown.
    let next = &messages["next"][0];
    assert_eq!(next["kind"], "birthday");
    assert_eq!(next["materialised"], false);
    assert!(next["localSendAt"].as_str().unwrap().contains("T09:00:00"));
}

#[tokio::test]
async fn moving_zones_on_the_birthday_reschedules_the_one_pending_message() {
    let tokyo = chrono_tz::Asia::Tokyo;
    let now = local_today_at(tokyo, 8, 0);
    let app = spawn_app_at(Some(now)).await;
    let mut body = user_body("mover@example.com");
    body["timezone"] = json!("Asia/Tokyo");
    body["birthday"] = json!(birthday_on(now, tokyo));
    let user = app.create_user(&body).await;
    let id = user["id"].as_str().unwrap();
    let today = now.with_timezone(&tokyo).date_naive().to_string();
    let before = app.messages_of(id).await;
    let before = occurrence_for(&before, &today).unwrap().clone();

    // Seoul shares Tokyo's offset; Sydney is ahead, so 09:00 there comes sooner.
    let response = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&json!({"timezone": "Australia/Sydney"})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let after = app.messages_of(id).await;
    let rows: Vec<&Value> = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["localDate"] == today.as_str())
        .collect();
    assert_eq!(rows.len(), 1, "one row for the local date: {after}");
    assert_eq!(
        rows[0]["id"], before["id"],
        "the same occurrence, rescheduled"
    );
    assert_eq!(rows[0]["timezone"], "Australia/Sydney");
    assert_ne!(rows[0]["sendAt"], before["sendAt"]);
    assert_eq!(
        rows[0]["status"], "scheduled",
        "never zero messages for the day"
    );
}

#[tokio::test]
async fn deleting_a_user_cancels_its_pending_messages() {
    let app = spawn_app().await;
    let mut body = user_body("gone@example.com");
    let soon = Utc::now() + Duration::days(1);
    body["timezone"] = json!("UTC");
    body["birthday"] = json!(format!("1990-{:02}-{:02}", soon.month(), soon.day()));
    let user = app.create_user(&body).await;
    let id = user["id"].as_str().unwrap();
    let message_id = app.messages_of(id).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.send(Method::DELETE, &format!("/api/v1/users/{id}"), None)
            .await
            .status(),
        204
    );
    let message: Value = app
        .get(&format!("/api/v1/messages/{message_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(message["status"], "cancelled");
    assert_eq!(message["deliveryAttempts"], json!([]));
}

#[tokio::test]
async fn messages_can_be_filtered_by_status_and_kind() {
    let app = spawn_app().await;
    let soon = Utc::now() + Duration::days(1);
    let date = format!("1990-{:02}-{:02}", soon.month(), soon.day());
    let mut body = user_body("both@example.com");
    body["timezone"] = json!("UTC");
    body["birthday"] = json!(date);
    body["anniversary"] = json!(date.replace("1990", "2015"));
    app.create_user(&body).await;
    let all: Value = app
        .get("/api/v1/messages?status=scheduled")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let anniversaries: Value = app
        .get("/api/v1/messages?kind=anniversary")
        .await
        .json()
        .await
        .unwrap();
    let items = anniversaries["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "anniversary");
    let none: Value = app
        .get("/api/v1/messages?status=delivered")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["items"], json!([]));
}

#[tokio::test]
async fn only_failed_or_expired_messages_can_be_retried() {
    let app = spawn_app().await;
    let soon = Utc::now() + Duration::days(1);
    let mut body = user_body("retry@example.com");
    body["timezone"] = json!("UTC");
    body["birthday"] = json!(format!("1990-{:02}-{:02}", soon.month(), soon.day()));
    let user = app.create_user(&body).await;
    let message_id = app.messages_of(user["id"].as_str().unwrap()).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/messages/{message_id}/retry"),
            None,
        )
        .await;
    assert_eq!(response.status(), 409);
    let response = app
        .send(
            Method::POST,
            "/api/v1/messages/0193a1b2-0000-7000-8000-000000000000/retry",
            None,
        )
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn health_and_metrics_are_served() {
    let app = spawn_app().await;
    assert_eq!(app.get("/health/live").await.status(), 200);
    assert_eq!(app.get("/health/ready").await.status(), 200);
    app.get("/api/v1/users/not-a-uuid").await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("greetings_http_requests_total"),
        "{metrics}"
    );
    assert!(
        metrics.contains("route=\"/api/v1/users/{id}\""),
        "route templates, not raw paths"
    );
    assert!(!metrics.contains("not-a-uuid"));
}

#[tokio::test]
async fn the_schedule_preview_says_who_gets_what_when_and_under_which_rule() {
    let app = spawn_app().await;
    let mut leap = user_body("leap@example.com");
    leap["timezone"] = json!("America/New_York");
    leap["birthday"] = json!("2000-02-29");
    app.create_user(&leap).await;
    let mut plain = user_body("plain@example.com");
    plain["timezone"] = json!("Australia/Melbourne");
    plain["birthday"] = json!("1990-03-01");
    app.create_user(&plain).await;

    let preview: Value = app
        .get("/api/v1/schedule/preview?from=2027-02-27T00:00:00Z&to=2027-03-02T00:00:00Z")
        .await
        .json()
        .await
        .unwrap();
    let items = preview["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{preview}");
    // New York's Feb 28 09:00 (UTC-5) is 14:00Z; Melbourne's Mar 1 09:00 (UTC+11) is 22:00Z.
    assert_eq!(items[0]["email"], "leap@example.com");
    assert_eq!(items[0]["localDate"], "2027-02-28");
    assert_eq!(items[0]["rule"], "feb29_on_feb28");
    assert_eq!(items[0]["sendAt"], "2027-02-28T14:00:00Z");
    assert_eq!(items[0]["message"], "Hey, Ada Lovelace it's your birthday");
    assert_eq!(items[1]["localSendAt"], "2027-03-01T09:00:00+11:00");
    assert_eq!(items[1]["rule"], "exact");

    let response = app
        .get("/api/v1/schedule/preview?from=2027-01-01T00:00:00Z&to=2027-03-01T00:00:00Z")
        .await;
    assert_eq!(response.status(), 400, "windows are capped at 31 days");
}

#[tokio::test]
async fn the_openapi_document_lists_every_operation_and_the_docs_page_renders_it() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let expected = [
        ("/api/v1/users", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/{id}", "get"),
        ("/api/v1/users/{id}", "put"),
        ("/api/v1/users/{id}", "patch"),
        ("/api/v1/users/{id}", "delete"),
        ("/api/v1/users/{id}/messages", "get"),
        ("/api/v1/messages", "get"),
        ("/api/v1/messages/{id}", "get"),
        ("/api/v1/messages/{id}/retry", "post"),
        ("/api/v1/schedule/preview", "get"),
        ("/api/v1/metrics", "get"),
        ("/health/live", "get"),
        ("/health/ready", "get"),
    ];
    for (path, method) in expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(documented, expected.len(), "and nothing else");
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    let page = app.get("/docs").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("/api/v1/openapi.json"));
}

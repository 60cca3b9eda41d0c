//! `GET /api/v1/metrics`: the JSON summary counts occurrences from Postgres, sees the backlog
//! grow when a send time passes, and reports recent API latency quantiles.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Utc};
use greetings_test_support::eventually;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_at, user_body, TestApp};

async fn summary(app: &TestApp) -> Value {
    let response = app.get("/api/v1/metrics").await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Today's `hh:mm:ss` UTC.
fn today_at(hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    let today = Utc::now().date_naive();
    Utc.from_utc_datetime(&today.and_time(NaiveTime::from_hms_opt(hour, minute, second).unwrap()))
}

#[tokio::test]
async fn an_empty_system_reports_zero_for_every_status_and_kind() {
    let app = spawn_app().await;
    let body = summary(&app).await;
    assert_eq!(body["occurrences"]["total"], 0);
    for status in [
        "scheduled",
        "queued",
        "sending",
        "retrying",
        "delivered",
        "failed",
        "expired",
        "cancelled",
        "skipped",
    ] {
        assert_eq!(body["occurrences"]["byStatus"][status], 0, "{status}");
        assert_eq!(body["occurrences"]["byKind"]["birthday"][status], 0);
        assert_eq!(body["occurrences"]["byKind"]["anniversary"][status], 0);
    }
    assert_eq!(body["dueUnsent"], 0);
    assert_eq!(body["promise"]["stuck"], 0);
    assert_eq!(body["promise"]["duplicateDeliveries"], 0);
    assert_eq!(body["apiLatencySeconds"]["count"], 0);
    assert!(body["apiLatencySeconds"]["p99"].is_null());
}

#[tokio::test]
async fn occurrences_are_counted_by_status_and_kind_and_api_calls_feed_the_quantiles() {
    let app = spawn_app().await;
    // Tomorrow (UTC) is within the planning horizon; leap years keep 29 February valid.
    let tomorrow = Utc::now() + chrono::Duration::days(1);
    let (month, day) = (tomorrow.month(), tomorrow.day());
    let mut with_anniversary = user_body("both@example.com");
    with_anniversary["timezone"] = json!("UTC");
    with_anniversary["birthday"] = json!(format!("1992-{month:02}-{day:02}"));
    with_anniversary["anniversary"] = json!(format!("2016-{month:02}-{day:02}"));
    let first = app.create_user(&with_anniversary).await;
    let mut birthday_only = user_body("birthday-only@example.com");
    birthday_only["timezone"] = json!("UTC");
    birthday_only["birthday"] = json!(format!("1992-{month:02}-{day:02}"));
    app.create_user(&birthday_only).await;
    let deleted = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/users/{}", first["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);

    let body = summary(&app).await;
    let occurrences = &body["occurrences"];
    let by_status = occurrences["byStatus"].as_object().unwrap();
    let total: i64 = by_status.values().map(|v| v.as_i64().unwrap()).sum();
    assert_eq!(occurrences["total"].as_i64().unwrap(), total);
    // The deleted user's rows are cancelled; the other user's birthday is still scheduled.
    assert_eq!(occurrences["total"], 3, "{body}");
    assert_eq!(occurrences["byStatus"]["scheduled"], 1, "{body}");
    assert_eq!(occurrences["byStatus"]["cancelled"], 2, "{body}");
    let birthday = &occurrences["byKind"]["birthday"];
    let anniversary = &occurrences["byKind"]["anniversary"];
    assert_eq!(
        (&birthday["scheduled"], &birthday["cancelled"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(
        (&anniversary["scheduled"], &anniversary["cancelled"]),
        (&json!(0), &json!(1))
    );

    // Three API calls (two creates, one delete) are in the window; the summary itself is not.
    let latency = &body["apiLatencySeconds"];
    assert_eq!(latency["count"], 3, "{body}");
    let (p50, p99) = (
        latency["p50"].as_f64().unwrap(),
        latency["p99"].as_f64().unwrap(),
    );
    assert!(p50 > 0.0 && p50 <= p99, "{latency}");
    assert_eq!(latency["windowSeconds"], 300);
}

#[tokio::test]
async fn a_birthday_whose_0900_passes_shows_up_as_due_but_unsent() {
    // Two seconds before 09:00 UTC today, as far as the app is concerned.
    let app = spawn_app_at(Some(today_at(8, 59, 58))).await;
    let mut body = user_body("due@example.com");
    body["timezone"] = json!("UTC");
    let today = today_at(0, 0, 0);
    body["birthday"] = json!(format!("1990-{:02}-{:02}", today.month(), today.day()));
    app.create_user(&body).await;
    assert_eq!(summary(&app).await["dueUnsent"], 0, "not due before 09:00");
    // No scheduler runs here, so once 09:00 passes the occurrence waits, due and unsent.
    eventually(
        Duration::from_secs(15),
        "the occurrence to become due",
        || async { (summary(&app).await["dueUnsent"] == 1).then_some(()) },
    )
    .await;
}

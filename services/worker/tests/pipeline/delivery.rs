//! Bursts through the whole pipeline against a flaky e-mail service.

use std::{collections::HashMap, time::Duration};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use greetings_db::schema::{delivery_attempts, occurrences};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{Failures, Pipeline};

/// Every 2xx the simulator answered, by idempotency key.
fn delivered_by_key(messages: &[Value]) -> HashMap<String, Vec<Value>> {
    let mut by_key: HashMap<String, Vec<Value>> = HashMap::new();
    for message in messages.iter().filter(|m| {
        m["status"]
            .as_u64()
            .is_some_and(|s| (200..300).contains(&s))
    }) {
        by_key
            .entry(message["idempotencyKey"].as_str().unwrap().to_owned())
            .or_default()
            .push(message.clone());
    }
    by_key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_messages_due_at_once_through_20_percent_errors_and_5_percent_timeouts_all_arrive_once_with_the_right_text(
) {
    let pipeline = Pipeline::start(Failures {
        error_rate: 0.2,
        timeout_rate: 0.05,
        permanent_rate: 0.0,
    })
    .await;
    let users = pipeline.create_due_users(1_000).await;
    pipeline.start_scheduler().await;
    pipeline.start_worker(pipeline.worker_settings()).await;
    pipeline
        .wait_for_status("delivered", 1_000, Duration::from_secs(120))
        .await;

    let messages = pipeline.sim_messages().await;
    let by_key = delivered_by_key(&messages);
    assert_eq!(
        by_key.len(),
        1_000,
        "every occurrence delivered under its own key"
    );
    // A repeat of a key after a 2xx may only follow a request of ours that timed out.
    let repeats: usize = by_key.values().map(|v| v.len() - 1).sum();
    assert_eq!(
        repeats, 0,
        "no timeouts hit a 2xx here (latency 0-2 ms), so no repeats"
    );

    let mut conn = pipeline.pool.get().await.unwrap();
    let rows: Vec<(Uuid, Uuid, String)> = occurrences::table
        .select((occurrences::id, occurrences::user_id, occurrences::status))
        .load(&mut conn)
        .await
        .unwrap();
    let index: HashMap<Uuid, usize> = users.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    for (id, user_id, status) in rows {
        assert_eq!(status, "delivered");
        let sent = &by_key[&id.to_string()][0];
        let i = index[&user_id];
        assert_eq!(
            sent["message"],
            format!("Hey, First{i} Last{i} it's your birthday")
        );
        assert_eq!(sent["email"], format!("user{i}@example.com"));
    }
    // Failed attempts were recorded and retried; the failure classes show up.
    let attempts: Vec<String> = delivery_attempts::table
        .select(delivery_attempts::outcome)
        .load(&mut conn)
        .await
        .unwrap();
    assert!(
        attempts.iter().any(|o| o == "retryable"),
        "20% errors were seen and retried"
    );
    assert!(
        attempts.iter().any(|o| o == "timeout"),
        "5% timeouts were seen and retried"
    );
    assert_eq!(attempts.iter().filter(|o| *o == "delivered").count(), 1_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_permanent_refusal_fails_after_one_attempt_and_is_dead_lettered() {
    let pipeline = Pipeline::start(Failures {
        permanent_rate: 1.0,
        ..Failures::default()
    })
    .await;
    pipeline.create_due_users(5).await;
    pipeline.start_scheduler().await;
    pipeline.start_worker(pipeline.worker_settings()).await;
    pipeline
        .wait_for_status("failed", 5, Duration::from_secs(30))
        .await;
    let mut conn = pipeline.pool.get().await.unwrap();
    let attempts: Vec<i32> = occurrences::table
        .select(occurrences::attempts)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(attempts, vec![1; 5], "no retry after a 400");
    assert_eq!(pipeline.sim_stats().await["received"], 5);
    let dead =
        greetings_test_support::eventually(Duration::from_secs(10), "5 dead letters", || async {
            let dead = pipeline.broker.drain_dead_letters().await;
            (!dead.is_empty()).then_some(dead)
        })
        .await;
    assert_eq!(dead.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_the_service_fails_everything_the_breaker_bounds_attempts_and_all_arrive_after_recovery(
) {
    let pipeline = Pipeline::start(Failures {
        error_rate: 1.0,
        ..Failures::default()
    })
    .await;
    pipeline.create_due_users(100).await;
    pipeline.start_scheduler().await;
    let mut settings = pipeline.worker_settings();
    settings.breaker.failure_ratio = 0.5;
    settings.breaker.min_calls = 10;
    settings.breaker.window = 20;
    settings.breaker.open_seconds = 1;
    settings.breaker.half_open_probes = 1;
    pipeline.start_worker(settings).await;

    // The first calls (up to the concurrency, admitted while still closed) fail and open it.
    greetings_test_support::eventually(Duration::from_secs(10), "some failed attempts", || async {
        (pipeline.sim_stats().await["received"].as_u64().unwrap() >= 10).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let opened = pipeline.sim_stats().await["received"].as_u64().unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let while_open = pipeline.sim_stats().await["received"].as_u64().unwrap() - opened;
    // Open for 1 s at a time, then one probe: about three calls in three seconds, not a flood.
    assert!(
        while_open <= 6,
        "the breaker held calls back: {while_open} calls in 3 s while open"
    );
    assert!(pipeline.count_status("delivered").await == 0);

    pipeline.set_sim(json!({"errorRate": 0.0})).await;
    pipeline
        .wait_for_status("delivered", 100, Duration::from_secs(60))
        .await;
    let mut conn = pipeline.pool.get().await.unwrap();
    let max_attempts: Option<i32> = occurrences::table
        .select(diesel::dsl::max(occurrences::attempts))
        .first(&mut conn)
        .await
        .unwrap();
    assert!(max_attempts.unwrap() <= 12, "attempts stay bounded");
    assert_eq!(pipeline.count_status("failed").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_deleted_after_the_message_was_queued_gets_nothing() {
    let pipeline = Pipeline::start(Failures::default()).await;
    let users = pipeline.create_due_users(3).await;
    // Queue everything without a worker running.
    pipeline.start_scheduler().await;
    pipeline
        .wait_for_status("queued", 3, Duration::from_secs(20))
        .await;
    {
        let mut conn = pipeline.pool.get().await.unwrap();
        let now = chrono::Utc::now() + chrono::Duration::seconds(pipeline.offset_seconds);
        greetings_db::users::soft_delete_user(&mut conn, users[0], now)
            .await
            .unwrap();
        greetings_db::occurrences::planning::cancel_pending_for_user(
            &mut conn,
            users[0],
            "the user was deleted",
            now,
        )
        .await
        .unwrap();
    }
    pipeline.start_worker(pipeline.worker_settings()).await;
    pipeline
        .wait_for_status("delivered", 2, Duration::from_secs(30))
        .await;
    let messages = pipeline.sim_messages().await;
    assert_eq!(messages.len(), 2);
    assert!(messages.iter().all(|m| m["email"] != "user0@example.com"));
    assert_eq!(pipeline.count_status("cancelled").await, 1);
}

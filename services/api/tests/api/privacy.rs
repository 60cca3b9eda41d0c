//! What a deleted user leaves behind: the delivery history keeps its rows (their ids are the
//! idempotency record) but neither the texts nor the addresses, and the user row keeps no name,
//! address, location or date.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::{prelude::*, sql_types::Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use greetings_db::{
    occurrences::{
        delivery::{complete_deliveries, AttemptRecord, Completion, DeliveryJob, Outcome},
        find_occurrence,
        planning::REASON_USER_DELETED,
        OccurrenceRow,
    },
    schema::{delivery_attempts, occurrences, users},
    users::UserRow,
};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{spawn_app, user_body, TestApp};

const TEXT: &str = "Hey, Ada Lovelace it's your birthday";
const ADDRESS: &str = "ada@example.com";

/// A user (UTC) whose birthday is today and anniversary tomorrow: one row for each exists.
async fn create_ada(app: &TestApp) -> Uuid {
    let today = Utc::now().date_naive();
    let on = |date: NaiveDate| date.format("2000-%m-%d").to_string();
    let mut body = user_body(ADDRESS);
    body["timezone"] = json!("UTC");
    body["birthday"] = json!(on(today));
    body["anniversary"] = json!(on(today + Duration::days(1)));
    let user = app.create_user(&body).await;
    user["id"].as_str().unwrap().parse().unwrap()
}

async fn occurrence_of(conn: &mut AsyncPgConnection, user: Uuid, kind: &str) -> OccurrenceRow {
    occurrences::table
        .filter(occurrences::user_id.eq(user))
        .filter(occurrences::kind.eq(kind))
        .order(occurrences::send_at.asc())
        .select(OccurrenceRow::as_select())
        .first(conn)
        .await
        .unwrap()
}

async fn delete(app: &TestApp, user: Uuid) {
    let response = app
        .send(Method::DELETE, &format!("/api/v1/users/{user}"), None)
        .await;
    assert_eq!(response.status(), 204);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows of `table` whose whole text form contains `needle` (case-sensitively: the lower-case
/// hex of a UUID could hold `ada`).
async fn rows_mentioning(conn: &mut AsyncPgConnection, table: &str, needle: &str) -> i64 {
    let count: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM {table} t WHERE t::text LIKE '%' || $1 || '%'"
    ))
    .bind::<Text, _>(needle)
    .get_result(conn)
    .await
    .unwrap();
    count.n
}

#[tokio::test]
async fn deleting_a_user_keeps_their_delivered_message_but_not_its_text_address_or_the_user_fields()
{
    let app = spawn_app().await;
    let user = create_ada(&app).await;
    let mut conn = app.db_conn().await;
    // As the worker would have recorded a delivery of today's birthday message.
    let delivered = occurrence_of(&mut conn, user, "birthday").await;
    let delivered_at = Utc::now();
    diesel::update(occurrences::table.find(delivered.id))
        .set((
            occurrences::status.eq("delivered"),
            occurrences::attempts.eq(1),
            occurrences::message.eq(TEXT),
            occurrences::email.eq(ADDRESS),
            occurrences::delivered_at.eq(delivered_at),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::insert_into(delivery_attempts::table)
        .values((
            delivery_attempts::occurrence_id.eq(delivered.id),
            delivery_attempts::attempt.eq(1),
            delivery_attempts::started_at.eq(delivered_at),
            delivery_attempts::duration_ms.eq(12),
            delivery_attempts::outcome.eq("delivered"),
            delivery_attempts::http_status.eq(200),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    for needle in ["Lovelace", ADDRESS, "London"] {
        assert!(rows_mentioning(&mut conn, "users", needle).await > 0);
    }
    assert_eq!(rows_mentioning(&mut conn, "occurrences", ADDRESS).await, 1);

    delete(&app, user).await;

    let after = find_occurrence(&mut conn, delivered.id).await.unwrap();
    let after = after.expect("the delivered occurrence keeps its row and id");
    assert_eq!(after.status, "delivered");
    assert_eq!(
        after.delivered_at.map(|at| at.timestamp_micros()),
        Some(delivered_at.timestamp_micros())
    );
    assert_eq!(after.message, None);
    assert_eq!(after.email, None);
    let pending = occurrence_of(&mut conn, user, "anniversary").await;
    assert_eq!(pending.status, "cancelled");
    assert_eq!(
        delivery_attempts::table
            .filter(delivery_attempts::occurrence_id.eq(delivered.id))
            .count()
            .get_result::<i64>(&mut conn)
            .await
            .unwrap(),
        1,
        "the attempt stays on record"
    );

    let row: UserRow = users::table
        .find(user)
        .select(UserRow::as_select())
        .first(&mut conn)
        .await
        .unwrap();
    assert!(row.deleted_at.is_some());
    assert_eq!(
        (row.first_name.as_str(), row.last_name.as_str()),
        ("redacted", "redacted")
    );
    assert_eq!(row.email, format!("redacted+{}@invalid", user.simple()));
    assert_eq!(
        (row.location, row.birthday, row.anniversary),
        (None, None, None)
    );
    // Nothing of hers is left anywhere in the database.
    for table in ["users", "occurrences", "delivery_attempts"] {
        for needle in ["Ada", "Lovelace", ADDRESS, "London"] {
            assert_eq!(
                rows_mentioning(&mut conn, table, needle).await,
                0,
                "{needle} in {table}"
            );
        }
    }
    // Her address is free again, and a second deletion finds nothing.
    app.create_user(&user_body(ADDRESS)).await;
    assert_eq!(
        app.send(Method::DELETE, &format!("/api/v1/users/{user}"), None)
            .await
            .status(),
        404
    );
}

/// A worker took today's message (claim 1) and is calling the e-mail service when the user
/// is deleted; then the call ends with `completion`.
async fn complete_after_delete(completion: Completion, outcome: &'static str) -> OccurrenceRow {
    let app = spawn_app().await;
    let user = create_ada(&app).await;
    let mut conn = app.db_conn().await;
    let row = occurrence_of(&mut conn, user, "birthday").await;
    diesel::update(occurrences::table.find(row.id))
        .set((
            occurrences::status.eq("sending"),
            occurrences::claim_seq.eq(1),
            occurrences::attempts.eq(1),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    delete(&app, user).await;
    let now: DateTime<Utc> = Utc::now();
    let job = DeliveryJob {
        id: row.id,
        claim_seq: 1,
        kind: row.kind.clone(),
        attempts: 1,
        send_at: row.send_at,
        deadline_at: row.deadline_at,
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: ADDRESS.into(),
    };
    let attempt = AttemptRecord {
        started_at: now,
        duration_ms: 5,
        outcome,
        http_status: Some(if outcome == "delivered" { 200 } else { 503 }),
        error: None,
    };
    let applied = complete_deliveries(
        &mut conn,
        &[Outcome {
            job,
            attempt,
            completion,
        }],
        now,
    )
    .await
    .unwrap();
    assert_eq!(applied, vec![true], "the outcome is still recorded");
    for needle in ["Lovelace", ADDRESS] {
        assert_eq!(rows_mentioning(&mut conn, "occurrences", needle).await, 0);
    }
    find_occurrence(&mut conn, row.id).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_delivery_in_flight_when_its_user_is_deleted_is_recorded_without_text_or_address() {
    let delivered = Completion::Delivered {
        message: TEXT.into(),
        email: ADDRESS.into(),
    };
    let after = complete_after_delete(delivered, "delivered").await;
    assert_eq!(after.status, "delivered");
    assert_eq!((after.message, after.email), (None, None));
}

#[tokio::test]
async fn a_failed_attempt_in_flight_when_its_user_is_deleted_is_cancelled_not_retried() {
    let retry = Completion::RetryAt {
        due_at: Utc::now() + Duration::seconds(30),
        reason: "HTTP 503".into(),
    };
    let after = complete_after_delete(retry, "retryable").await;
    assert_eq!(after.status, "cancelled");
    assert_eq!(after.status_reason.as_deref(), Some(REASON_USER_DELETED));
}

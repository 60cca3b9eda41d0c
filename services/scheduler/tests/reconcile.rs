//! The reconciler against real Postgres: it finds occurrences stuck past their deadline (but
//! not within the grace, and never finished ones) and occurrences delivered twice, counting
//! each extra delivery once.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel_async::RunQueryDsl;
use greetings_db::{
    occurrences::{
        delivery::{begin_deliveries, complete_deliveries, AttemptRecord, Completion, Outcome},
        dispatch::claim_due,
        find_occurrence, OccurrenceRow,
    },
    users::UserFields,
    DatabaseSettings, DbPool,
};
use greetings_domain::Clock;
use greetings_scheduler::{reconciler::Reconciler, settings::ReconcileSettings};
use greetings_test_support::{
    users::{self, default_policy},
    TestDatabase,
};
use uuid::Uuid;

fn pool(db: &TestDatabase) -> DbPool {
    greetings_db::connect(&DatabaseSettings {
        url: db.url.clone().into(),
        max_connections: 4,
        acquire_timeout_ms: 5_000,
    })
    .unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// Creates a user born on 15 March, the way the api does, and returns its occurrence.
async fn user_born_on_15_march(pool: &DbPool, zone: &str, now: DateTime<Utc>) -> OccurrenceRow {
    let fields = UserFields {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: format!("{}@example.com", Uuid::new_v4().simple()),
        timezone: zone.into(),
        birthday: NaiveDate::from_ymd_opt(1990, 3, 15),
        anniversary: None,
        location: None,
    };
    let user = users::create_user(pool, &fields, &default_policy(), now).await;
    let mut conn = pool.get().await.unwrap();
    let rows = greetings_db::occurrences::list_occurrences(
        &mut conn,
        &greetings_db::occurrences::OccurrenceFilter {
            user_id: Some(user.id),
            ..Default::default()
        },
        None,
        10,
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "one birthday within the horizon");
    rows.into_iter().next().unwrap()
}

fn delivered_attempt(at: DateTime<Utc>) -> AttemptRecord {
    AttemptRecord {
        started_at: at,
        duration_ms: 12,
        outcome: "delivered",
        http_status: Some(200),
        error: None,
    }
}

fn reconciler(pool: &DbPool, at: DateTime<Utc>) -> Reconciler {
    Reconciler::new(
        pool.clone(),
        Clock::frozen(at),
        &ReconcileSettings {
            interval_seconds: 60,
            grace_minutes: 10,
            duplicate_lookback_hours: 72,
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_lost_past_its_deadline_is_stuck_only_after_the_grace_and_a_duplicate_is_counted_once(
) {
    let db = TestDatabase::create().await;
    let pool = pool(&db);
    let created = utc("2027-03-13T00:00:00Z");
    // 09:00 local is 09:00Z in London and 00:00Z in Tokyo; deadlines 48 h later.
    let london = user_born_on_15_march(&pool, "Europe/London", created).await;
    let tokyo = user_born_on_15_march(&pool, "Asia/Tokyo", created).await;
    let nine = utc("2027-03-15T09:00:00Z");

    // Both are claimed with a long lease; only London's message is ever consumed.
    let mut conn = pool.get().await.unwrap();
    let claimed = claim_due(&mut conn, nine, Duration::days(5), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    let london_seq = claimed
        .iter()
        .find(|c| c.id == london.id)
        .unwrap()
        .claim_seq;
    let job = begin_deliveries(
        &mut conn,
        &[(london.id, london_seq)],
        nine,
        Duration::minutes(1),
    )
    .await
    .unwrap()
    .remove(0)
    .expect("London's delivery starts");
    let delivered = Completion::Delivered {
        message: "Hey, Grace Hopper it's your birthday".into(),
        email: job.email.clone(),
    };
    assert!(
        complete_deliveries(
            &mut conn,
            &[Outcome {
                job: job.clone(),
                attempt: delivered_attempt(nine),
                completion: delivered.clone(),
            }],
            nine,
        )
        .await
        .unwrap()[0]
    );
    // A second `delivered` attempt for the same occurrence: the promise broken.
    diesel::sql_query(
        "INSERT INTO delivery_attempts (occurrence_id, attempt, started_at, duration_ms, outcome, http_status)
         VALUES ($1, 2, $2, 15, 'delivered', 200)",
    )
    .bind::<diesel::sql_types::Uuid, _>(london.id)
    .bind::<diesel::sql_types::Timestamptz, _>(nine + Duration::minutes(3))
    .execute(&mut conn)
    .await
    .unwrap();

    // Tokyo's deadline is 2027-03-17T00:00Z. Five minutes past it is within the grace.
    let tokyo_deadline = tokyo.deadline_at;
    assert_eq!(tokyo_deadline, utc("2027-03-17T00:00:00Z"));
    let mut reconciler = reconciler(&pool, tokyo_deadline + Duration::minutes(5));
    let first = reconciler.run_once().await.unwrap();
    assert_eq!(first.stuck, 0, "within the grace");
    assert_eq!(first.duplicate_deliveries, 1);
    assert_eq!(first.newly_counted, 1);

    // Past the grace it is stuck; the same duplicate is not counted again.
    reconciler.clock = Clock::frozen(tokyo_deadline + Duration::minutes(11));
    let second = reconciler.run_once().await.unwrap();
    assert_eq!(second.stuck, 1);
    assert_eq!(second.duplicate_deliveries, 1);
    assert_eq!(
        second.newly_counted, 0,
        "each extra delivery is counted once"
    );

    // After London's deadline too, the delivered row is not stuck: only Tokyo's is.
    reconciler.clock = Clock::frozen(london.deadline_at + Duration::hours(1));
    let third = reconciler.run_once().await.unwrap();
    assert_eq!(third.stuck, 1);
    let still = find_occurrence(&mut conn, tokyo.id).await.unwrap().unwrap();
    assert_eq!(still.status, "queued", "the reconciler only reads");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_history_has_no_violations() {
    let db = TestDatabase::create().await;
    let pool = pool(&db);
    let created = utc("2027-03-13T00:00:00Z");
    let row = user_born_on_15_march(&pool, "UTC", created).await;
    let nine = utc("2027-03-15T09:00:00Z");
    let mut conn = pool.get().await.unwrap();
    let claimed = claim_due(&mut conn, nine, Duration::minutes(2), 10)
        .await
        .unwrap();
    let job = begin_deliveries(
        &mut conn,
        &[(row.id, claimed[0].claim_seq)],
        nine,
        Duration::minutes(1),
    )
    .await
    .unwrap()
    .remove(0)
    .unwrap();
    let delivered = Completion::Delivered {
        message: "Hey, Grace Hopper it's your birthday".into(),
        email: job.email.clone(),
    };
    let applied = complete_deliveries(
        &mut conn,
        &[Outcome {
            job: job.clone(),
            attempt: delivered_attempt(nine),
            completion: delivered.clone(),
        }],
        nine,
    )
    .await
    .unwrap()[0];
    assert!(applied);
    let report = reconciler(&pool, row.deadline_at + Duration::days(1))
        .run_once()
        .await
        .unwrap();
    assert_eq!(
        (
            report.stuck,
            report.duplicate_deliveries,
            report.newly_counted
        ),
        (0, 0, 0)
    );
}

//! The scheduler against real Postgres and RabbitMQ: due occurrences are published once, in
//! due order, by any number of dispatchers; abandoned claims come back; downtime is caught up.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use greetings_db::{
    occurrences::{dispatch, find_occurrence},
    users::UserFields,
    DatabaseSettings, DbPool,
};
use greetings_domain::Clock;
use greetings_messaging::{DeliveryMessage, Publisher};
use greetings_scheduler::{dispatcher::Dispatcher, materialiser::Materialiser};
use greetings_test_support::{
    users::{self, default_policy},
    TestBroker, TestDatabase,
};
use uuid::Uuid;

fn pool(db: &TestDatabase) -> DbPool {
    greetings_db::connect(&DatabaseSettings {
        url: db.url.clone().into(),
        max_connections: 8,
        acquire_timeout_ms: 5_000,
    })
    .unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// Creates a user the way the api does, as of `now`.
async fn create_user(pool: &DbPool, zone: &str, birthday: NaiveDate, now: DateTime<Utc>) -> Uuid {
    let fields = UserFields {
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: format!("{}@example.com", Uuid::new_v4().simple()),
        timezone: zone.into(),
        birthday: Some(birthday),
        anniversary: None,
        location: None,
    };
    users::create_user(pool, &fields, &default_policy(), now)
        .await
        .id
}

/// No worker consumes in these tests, so a long lease keeps published claims from being
/// reaped while the frozen clock jumps ahead (one test checks reaping on purpose).
fn dispatcher(pool: &DbPool, at: DateTime<Utc>, claim_batch: i64) -> Dispatcher {
    Dispatcher {
        pool: pool.clone(),
        clock: Clock::frozen(at),
        claim_batch,
        lease: Duration::days(3),
        sweep_batch: 1_000,
    }
}

async fn publisher(broker: &TestBroker) -> Publisher {
    let connection =
        lapin::Connection::connect(&broker.url, lapin::ConnectionProperties::default())
            .await
            .unwrap();
    Publisher::open(&connection, broker.topology.clone())
        .await
        .unwrap()
}

fn decode(messages: Vec<Vec<u8>>) -> Vec<(Uuid, i32, DateTime<Utc>)> {
    messages
        .iter()
        .map(|bytes| match DeliveryMessage::decode(bytes).unwrap() {
            DeliveryMessage::V1 {
                occurrence_id,
                claim_seq,
                send_at,
                ..
            } => (occurrence_id, claim_seq, send_at),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_in_zones_from_utc_minus_10_to_utc_plus_14_are_published_once_at_their_0900() {
    let (db, broker) = (TestDatabase::create().await, TestBroker::create().await);
    let pool = pool(&db);
    let publisher = publisher(&broker).await;
    // 2027-03-15 09:00 local in each zone, New York and Melbourne among them.
    let zones = [
        ("Pacific/Honolulu", "2027-03-15T19:00:00Z"),
        ("America/New_York", "2027-03-15T13:00:00Z"),
        ("America/Sao_Paulo", "2027-03-15T12:00:00Z"),
        ("Europe/London", "2027-03-15T09:00:00Z"),
        ("Asia/Kolkata", "2027-03-15T03:30:00Z"),
        ("Asia/Tokyo", "2027-03-15T00:00:00Z"),
        ("Australia/Melbourne", "2027-03-14T22:00:00Z"),
        ("Pacific/Kiritimati", "2027-03-14T19:00:00Z"),
    ];
    let created = utc("2027-03-13T00:00:00Z");
    for (zone, _) in zones {
        create_user(
            &pool,
            zone,
            NaiveDate::from_ymd_opt(1990, 3, 15).unwrap(),
            created,
        )
        .await;
    }
    let mut published = Vec::new();
    for (zone, nine) in zones.iter().rev() {
        let nine = utc(nine);
        // A second before 09:00 local: nothing new.
        dispatcher(&pool, nine - Duration::seconds(1), 100)
            .run_round(&publisher)
            .await
            .unwrap();
        assert_eq!(
            broker.drain_deliveries().await.len(),
            0,
            "{zone} published before 09:00"
        );
        // At 09:00 local: exactly this user's occurrence.
        let report = dispatcher(&pool, nine, 100)
            .run_round(&publisher)
            .await
            .unwrap();
        assert_eq!(report.published, 1, "{zone}");
        let messages = decode(broker.drain_deliveries().await);
        assert_eq!(messages.len(), 1, "{zone}");
        assert_eq!(
            messages[0].2, nine,
            "{zone}: the message carries its 09:00 instant"
        );
        published.push(messages[0].0);
    }
    let distinct: HashSet<_> = published.iter().collect();
    assert_eq!(distinct.len(), zones.len());
    // Once more, well after: nothing is published twice.
    let report = dispatcher(&pool, utc("2027-03-16T00:00:00Z"), 100)
        .run_round(&publisher)
        .await
        .unwrap();
    assert_eq!(report.published, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_dispatchers_racing_over_a_burst_publish_every_occurrence_exactly_once() {
    let (db, broker) = (TestDatabase::create().await, TestBroker::create().await);
    let pool = pool(&db);
    let created = utc("2027-06-01T00:00:00Z");
    for _ in 0..600 {
        create_user(
            &pool,
            "UTC",
            NaiveDate::from_ymd_opt(1985, 6, 2).unwrap(),
            created,
        )
        .await;
    }
    let at = utc("2027-06-02T09:00:05Z");
    let (first, second) = (publisher(&broker).await, publisher(&broker).await);
    let (a, b) = (dispatcher(&pool, at, 50), dispatcher(&pool, at, 50));
    let run = |d: Dispatcher, p: Publisher| async move {
        let mut total = 0;
        loop {
            let report = d.run_round(&p).await.unwrap();
            total += report.published;
            if report.claimed == 0 {
                return total;
            }
        }
    };
    let (x, y) = tokio::join!(tokio::spawn(run(a, first)), tokio::spawn(run(b, second)));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x + y, 600);
    let messages = decode(broker.drain_deliveries().await);
    let ids: HashSet<Uuid> = messages.iter().map(|m| m.0).collect();
    assert_eq!(messages.len(), 600);
    assert_eq!(ids.len(), 600, "no occurrence published twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_abandoned_between_commit_and_publish_is_reclaimed_after_its_lease() {
    let (db, broker) = (TestDatabase::create().await, TestBroker::create().await);
    let pool = pool(&db);
    let publisher = publisher(&broker).await;
    create_user(
        &pool,
        "Europe/Berlin",
        NaiveDate::from_ymd_opt(1990, 7, 1).unwrap(),
        utc("2027-06-30T00:00:00Z"),
    )
    .await;
    let nine = utc("2027-07-01T07:00:00Z");
    // A scheduler claims and dies before publishing.
    let mut conn = pool.get().await.unwrap();
    let claimed = dispatch::claim_due(&mut conn, nine, Duration::seconds(120), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].claim_seq, 1);
    // Inside the lease (120 s) nobody else touches it.
    let report = dispatcher(&pool, nine + Duration::seconds(60), 10)
        .run_round(&publisher)
        .await
        .unwrap();
    assert_eq!((report.reaped, report.published), (0, 0));
    // After the lease it is reaped and published under a new claim.
    let report = dispatcher(&pool, nine + Duration::seconds(121), 10)
        .run_round(&publisher)
        .await
        .unwrap();
    assert_eq!((report.reaped, report.published), (1, 1));
    let messages = decode(broker.drain_deliveries().await);
    assert_eq!(messages.len(), 1);
    assert_eq!(
        (messages[0].0, messages[0].1),
        (claimed[0].id, 2),
        "the old claim's message would now be stale"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_five_days_of_downtime_the_last_48_hours_are_caught_up_earliest_first_and_the_rest_expire(
) {
    let (db, broker) = (TestDatabase::create().await, TestBroker::create().await);
    let pool = pool(&db);
    let publisher = publisher(&broker).await;
    let created = utc("2027-01-01T00:00:00Z");
    // Birthdays on Jan 2..=6, UTC: 09:00 each day.
    let mut ids = Vec::new();
    for day in 2..=6 {
        ids.push(
            create_user(
                &pool,
                "UTC",
                NaiveDate::from_ymd_opt(1990, 1, day).unwrap(),
                created,
            )
            .await,
        );
    }
    // The system was down from creation until Jan 6 12:00 (horizon was 72 h: Jan 2-3 rows exist).
    let back = utc("2027-01-06T12:00:00Z");
    let materialiser = Materialiser {
        pool: pool.clone(),
        clock: Clock::frozen(back),
        policy: default_policy(),
        batch_users: 2,
    };
    let done = materialiser.run_until_done().await.unwrap();
    assert_eq!(done.users, 5);
    let report = dispatcher(&pool, back, 100)
        .run_round(&publisher)
        .await
        .unwrap();
    // Jan 4 09:00 is 51 h ago: expired; Jan 5 and 6 are within 48 h: sent, Jan 5 first.
    assert_eq!(report.expired, 3, "Jan 2, 3 and 4");
    assert_eq!(report.published, 2);
    let messages = decode(broker.drain_deliveries().await);
    let send_ats: Vec<DateTime<Utc>> = messages.iter().map(|m| m.2).collect();
    assert_eq!(
        send_ats,
        vec![
            Utc.with_ymd_and_hms(2027, 1, 5, 9, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2027, 1, 6, 9, 0, 0).unwrap()
        ]
    );
    let mut conn = pool.get().await.unwrap();
    let statuses = {
        let mut statuses = Vec::new();
        for id in &ids {
            let rows = greetings_db::occurrences::list_occurrences(
                &mut conn,
                &greetings_db::occurrences::OccurrenceFilter {
                    user_id: Some(*id),
                    ..Default::default()
                },
                None,
                10,
            )
            .await
            .unwrap();
            statuses.push(
                rows.into_iter()
                    .find(|r| r.local_date.format("%m").to_string() == "01")
                    .unwrap()
                    .status,
            );
        }
        statuses
    };
    assert_eq!(
        statuses,
        vec!["expired", "expired", "expired", "queued", "queued"]
    );
    let expired = find_occurrence(&mut conn, messages[0].0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(expired.status, "queued");
}

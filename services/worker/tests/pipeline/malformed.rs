//! Messages no scheduler of ours would publish: dead-lettered once each, while the worker
//! keeps running and delivering.

use std::{collections::BTreeMap, time::Duration};

use greetings_messaging::DeliveryMessage;
use greetings_test_support::eventually;
use uuid::Uuid;

use crate::helpers::{nine, Failures, Pipeline};

/// Garbage a queue could hold, one of each kind of wrong.
fn malformed_payloads() -> Vec<Vec<u8>> {
    let valid = DeliveryMessage::V1 {
        occurrence_id: Uuid::now_v7(),
        claim_seq: 1,
        kind: "birthday".into(),
        send_at: nine(),
    }
    .encode();
    vec![
        // Not JSON, not even UTF-8.
        b"\xff\xfe not json \x00".to_vec(),
        Vec::new(),
        // JSON of a version this worker does not know.
        br#"{"v":"2","occurrenceId":"0190b4b2-0000-7000-8000-000000000000","claimSeq":1,"kind":"birthday","sendAt":"2027-06-02T09:00:00Z"}"#.to_vec(),
        // A valid message cut short.
        valid[..valid.len() / 2].to_vec(),
        // A well-formed v1 message for an occurrence that does not exist.
        valid,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn malformed_messages_are_dead_lettered_once_each_and_the_worker_still_delivers() {
    let pipeline = Pipeline::start(Failures::default()).await;
    pipeline.create_due_users(1).await;
    let worker = pipeline.start_worker(pipeline.worker_settings()).await;
    let payloads = malformed_payloads();
    let refs: Vec<&[u8]> = payloads.iter().map(Vec::as_slice).collect();
    pipeline.broker.publish_raw(&refs).await;

    let malformed = payloads.len() as u32;
    eventually(
        Duration::from_secs(20),
        "every malformed message dead-lettered",
        || async { (pipeline.broker.depths().await == (0, malformed)).then_some(()) },
    )
    .await;
    assert!(!worker.is_finished(), "the worker survived the garbage");

    // A real due message after the garbage is delivered as usual.
    pipeline.start_scheduler().await;
    pipeline
        .wait_for_status("delivered", 1, Duration::from_secs(30))
        .await;
    assert_eq!(pipeline.sim_messages().await.len(), 1);
    assert_eq!(pipeline.count_status("delivered").await, 1);

    // No loop: for a second nothing comes back to the queue and nothing more is dead-lettered.
    let until = tokio::time::Instant::now() + Duration::from_secs(1);
    let mut ticks = tokio::time::interval(Duration::from_millis(50));
    while tokio::time::Instant::now() < until {
        ticks.tick().await;
        assert_eq!(pipeline.broker.depths().await, (0, malformed));
    }
    assert!(!worker.is_finished(), "the worker is still running");

    // Each one exactly once, rejected by the worker at its first delivery (a message that
    // kept coming back would say `delivery_limit` or carry a higher count).
    let letters = pipeline.broker.drain_dead_letter_records().await;
    let mut seen: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
    for letter in &letters {
        assert_eq!(
            letter.deaths,
            vec![("rejected".to_owned(), 1)],
            "{letter:?}"
        );
        *seen.entry(letter.payload.clone()).or_default() += 1;
    }
    let expected: BTreeMap<Vec<u8>, usize> = payloads.into_iter().map(|p| (p, 1)).collect();
    assert_eq!(seen, expected);
}

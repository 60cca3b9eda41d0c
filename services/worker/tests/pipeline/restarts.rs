//! Postgres or RabbitMQ restarted mid-burst, on private servers so the shared ones (used by
//! every other test in parallel) are never disturbed.

use std::time::Duration;

use greetings_test_support::{
    private::{PrivatePostgres, PrivateRabbit},
    TestBroker, TestDatabase,
};

use crate::helpers::{Failures, Pipeline};

const BURST: i64 = 300;

async fn slow_pipeline(db: TestDatabase, broker: TestBroker) -> Pipeline {
    let pipeline = Pipeline::start_with(Failures::default(), db, broker).await;
    // 20-40 ms per call keeps the burst in flight long enough to restart something under it.
    pipeline
        .set_sim(serde_json::json!({"latencyMinMs": 20, "latencyMaxMs": 40}))
        .await;
    pipeline.create_due_users(BURST as usize).await;
    pipeline
}

async fn assert_all_delivered_once(pipeline: &Pipeline, concurrency: u64) {
    pipeline
        .wait_for_status("delivered", BURST, Duration::from_secs(120))
        .await;
    let stats = pipeline.sim_stats().await;
    assert_eq!(stats["distinctKeys"], BURST, "{stats}");
    // A repeat is only possible for a call whose 2xx could not be committed in time; it
    // carries the same Idempotency-Key and is bounded by what was in flight.
    assert!(
        stats["duplicates"].as_u64().unwrap() <= concurrency,
        "{stats}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restarted_mid_burst_loses_nothing() {
    let postgres = PrivatePostgres::start();
    let db = TestDatabase::create_on(&postgres.url()).await;
    let pipeline = slow_pipeline(db, TestBroker::create().await).await;
    pipeline.start_scheduler().await;
    let mut worker = pipeline.worker_settings();
    worker.delivery.concurrency = 16;
    pipeline.start_worker(worker).await;

    greetings_test_support::eventually(Duration::from_secs(60), "the burst under way", || async {
        (pipeline.count_status("delivered").await >= 30).then_some(())
    })
    .await;
    postgres.stop();
    tokio::time::sleep(Duration::from_secs(2)).await;
    postgres.start_again();
    assert_all_delivered_once(&pipeline, 16).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rabbitmq_restarted_mid_burst_loses_nothing() {
    let rabbit = PrivateRabbit::start();
    let broker = TestBroker::create_on(&rabbit.url()).await;
    let pipeline = slow_pipeline(TestDatabase::create().await, broker).await;
    let mut scheduler = pipeline.scheduler_settings();
    // Claims published just before the broker died come back after this lease.
    scheduler.dispatch.lease_seconds = 5;
    let app = greetings_scheduler::Application::build(scheduler)
        .await
        .unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(app.run_until_stopped(stop.clone()));
    let mut worker = pipeline.worker_settings();
    worker.delivery.concurrency = 16;
    pipeline.start_worker(worker).await;

    greetings_test_support::eventually(Duration::from_secs(60), "the burst under way", || async {
        (pipeline.count_status("delivered").await >= 30).then_some(())
    })
    .await;
    rabbit.stop();
    tokio::time::sleep(Duration::from_secs(2)).await;
    rabbit.start_again();
    assert_all_delivered_once(&pipeline, 16).await;
    stop.cancel();
}

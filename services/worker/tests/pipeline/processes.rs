//! Workers as real processes, so one can be killed with SIGKILL mid-burst.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use secrecy::ExposeSecret;

use crate::helpers::{Failures, Pipeline};

fn spawn_worker(pipeline: &Pipeline) -> Child {
    let settings = pipeline.worker_settings();
    Command::new(env!("CARGO_BIN_EXE_greetings-worker"))
        .env("GREETINGS__HTTP__LISTEN", "127.0.0.1:0")
        .env("DATABASE_URL", settings.database.url.expose_secret())
        .env("AMQP_URL", settings.rabbitmq.url.expose_secret())
        .env("EMAIL_SERVICE_URL", &settings.email.url)
        .env("GREETINGS__RABBITMQ__PREFIX", &settings.rabbitmq.prefix)
        .env(
            "GREETINGS__CLOCK__OFFSET_SECONDS",
            settings.clock.offset_seconds.to_string(),
        )
        .env("GREETINGS__EMAIL__TIMEOUT_MS", "1000")
        .env("GREETINGS__DELIVERY__LEASE_SECONDS", "3")
        .env("GREETINGS__DELIVERY__CONCURRENCY", "16")
        .env("GREETINGS__LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting greetings-worker")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_burst_loses_nothing_and_another_finishes_the_rest() {
    let pipeline = Pipeline::start(Failures::default()).await;
    pipeline
        .set_sim(serde_json::json!({"latencyMinMs": 20, "latencyMaxMs": 40}))
        .await;
    pipeline.create_due_users(400).await;
    let mut scheduler = pipeline.scheduler_settings();
    scheduler.dispatch.lease_seconds = 5;
    let app = greetings_scheduler::Application::build(scheduler)
        .await
        .unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(app.run_until_stopped(stop.clone()));

    let mut doomed = spawn_worker(&pipeline);
    greetings_test_support::eventually(Duration::from_secs(30), "the first deliveries", || async {
        (pipeline.count_status("delivered").await >= 50).then_some(())
    })
    .await;
    doomed.kill().expect("SIGKILL");
    doomed.wait().unwrap();
    let delivered_at_kill = pipeline.count_status("delivered").await;
    assert!(delivered_at_kill < 400, "killed mid-burst");

    let mut survivor = spawn_worker(&pipeline);
    pipeline
        .wait_for_status("delivered", 400, Duration::from_secs(90))
        .await;
    // SIGTERM drains and exits 0.
    let term = Command::new("kill")
        .args(["-TERM", &survivor.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let exit = survivor.wait().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
    stop.cancel();

    let stats = pipeline.sim_stats().await;
    assert_eq!(
        stats["distinctKeys"], 400,
        "every occurrence reached the provider"
    );
    // The only tolerated repeats: requests in flight at the kill (at most the prefetch, 16),
    // and the provider sees them under the same Idempotency-Key.
    assert!(stats["duplicates"].as_u64().unwrap() <= 16, "{stats}");
}

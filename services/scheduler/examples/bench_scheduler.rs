//! Scheduler benchmark on the real Postgres and RabbitMQ of this machine:
//!
//! 1. materialise occurrences for `BENCH_USERS` users (default 1,000,000) whose horizon
//!    watermark is stale, in the materialiser's own batches;
//! 2. claim and publish `BENCH_DUE` occurrences (default 100,000) due at one instant, with
//!    pipelined confirms, as fast as dispatch rounds go.
//!
//! Run: `make bench-scheduler` (= `cargo run --release -p greetings-scheduler --example
//! bench_scheduler`). An example, not a bench target, so `cargo test --all-targets` builds it
//! without running it. It creates and drops its own database and RabbitMQ prefix.

use std::time::Instant;

use chrono::{Duration, Utc};
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use greetings_db::{occurrences::planning::PlanningPolicy, DatabaseSettings};
use greetings_domain::{calendar::Feb29Policy, Clock};
use greetings_messaging::{Publisher, Topology};
use greetings_scheduler::{dispatcher::Dispatcher, materialiser::Materialiser};

const ZONES: &str =
    "ARRAY['UTC','America/New_York','America/Los_Angeles','Europe/London','Europe/Berlin',\
'Asia/Tokyo','Asia/Kolkata','Australia/Melbourne','Pacific/Kiritimati','Pacific/Honolulu',\
'America/Sao_Paulo','Africa/Lagos','Asia/Kathmandu','Etc/GMT+12','America/Argentina/Buenos_Aires']";

fn env_count(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let users = env_count("BENCH_USERS", 1_000_000);
    let due = env_count("BENCH_DUE", 100_000);
    let server = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let amqp = std::env::var("AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    let name = format!("greetings_bench_{}", std::process::id());
    let url = format!(
        "{}/{name}",
        server.rsplit_once('/').expect("a database URL").0
    );
    greetings_db::migrations::ensure_database(&url).await?;
    greetings_db::migrations::run_pending(&url).await?;
    let pool = greetings_db::connect(&DatabaseSettings {
        url: url.clone().into(),
        max_connections: 4,
        acquire_timeout_ms: 30_000,
    })?;
    let policy = PlanningPolicy {
        feb29: Feb29Policy::Feb28,
        catch_up: Duration::hours(48),
        horizon: Duration::hours(72),
    };
    let now = Utc::now();
    let result = async {
        let mut conn = AsyncPgConnection::establish(&url).await?;
        eprintln!("inserting {users} users...");
        diesel::sql_query(format!(
            "INSERT INTO users (id, first_name, last_name, email, timezone, birthday, anniversary,
                                materialised_until, created_at, updated_at)
             SELECT gen_random_uuid(), 'First' || g, 'Last' || g, 'user' || g || '@example.com',
                    ({ZONES})[1 + g % 15], date '1950-01-01' + (g % 20000)::int,
                    CASE WHEN g % 3 = 0 THEN date '1990-01-01' + (g % 9000)::int END,
                    $1, $1, $1
             FROM generate_series(1, $2) AS g"
        ))
        .bind::<Timestamptz, _>(now - Duration::hours(1))
        .bind::<BigInt, _>(users)
        .execute(&mut conn)
        .await?;
        diesel::sql_query("VACUUM ANALYZE users").execute(&mut conn).await?;

        let materialiser = Materialiser {
            pool: pool.clone(),
            clock: Clock::frozen(now),
            policy,
            batch_users: 5_000,
        };
        let started = Instant::now();
        let done = materialiser.run_until_done().await?;
        let materialise_secs = started.elapsed().as_secs_f64();

        eprintln!("preparing {due} occurrences due at one instant...");
        let due_at = now - Duration::seconds(1);
        diesel::sql_query(
            "INSERT INTO occurrences (id, user_id, kind, local_date, send_at, deadline_at, due_at,
                                      timezone, send_rule, status, created_at, updated_at)
             SELECT gen_random_uuid(), u.id, 'anniversary', date '2000-01-01', $1, $1 + interval '48 hours', $1,
                    u.timezone, 'exact', 'scheduled', $1, $1
             FROM users u ORDER BY u.id LIMIT $2",
        )
        .bind::<Timestamptz, _>(due_at)
        .bind::<BigInt, _>(due)
        .execute(&mut conn)
        .await?;
        diesel::sql_query("VACUUM ANALYZE occurrences").execute(&mut conn).await?;

        let prefix = format!("bench-{}", std::process::id());
        let topology = Topology::new(&prefix);
        let connection = lapin::Connection::connect(&amqp, lapin::ConnectionProperties::default()).await?;
        let publisher = Publisher::open(&connection, topology.clone()).await?;
        let dispatcher = Dispatcher {
            pool: pool.clone(),
            clock: Clock::frozen(now),
            claim_batch: 1_000,
            lease: Duration::hours(1),
            sweep_batch: 5_000,
        };
        let started = Instant::now();
        let mut published = 0usize;
        loop {
            let report = dispatcher.run_round(&publisher).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            published += report.published;
            if report.claimed == 0 {
                break;
            }
        }
        let dispatch_secs = started.elapsed().as_secs_f64();
        let channel = connection.create_channel().await?;
        topology.delete(&channel).await?;

        println!();
        println!("scheduler benchmark — {} cores, Postgres and RabbitMQ on this machine", std::thread::available_parallelism().map_or(0, |n| n.get()));
        println!("command: make bench-scheduler (BENCH_USERS={users} BENCH_DUE={due})");
        println!("| measure | value |");
        println!("|---|---|");
        println!("| users swept by the materialiser | {} |", done.users);
        println!("| occurrence rows materialised | {} |", done.occurrences);
        println!("| materialise wall time | {materialise_secs:.1} s |");
        println!("| users swept per second | {:.0} |", done.users as f64 / materialise_secs);
        println!("| occurrences claimed + published (confirmed) | {published} |");
        println!("| claim + publish wall time | {dispatch_secs:.2} s |");
        println!("| claimed + published per second | {:.0} |", published as f64 / dispatch_secs);
        println!("| peak RSS of the benchmark process | {:.0} MiB |", peak_rss_mib());
        anyhow::Ok(())
    }
    .await;
    drop(pool);
    let mut admin = AsyncPgConnection::establish(&server).await?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    result
}

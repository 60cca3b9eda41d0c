//! End-to-end delivery benchmark: the whole pipeline as native processes (release binaries
//! of email-sim, scheduler and worker) on this machine's Postgres and RabbitMQ.
//!
//! `BENCH_MESSAGES` occurrences (default 100,000) are made due at the same instant a few
//! seconds ahead; the benchmark waits until all are delivered and prints messages, wall time,
//! delivered/s, lateness p50/p99 against the intended instant, what the simulator saw
//! (duplicates), peak RSS per service, and a timeline CSV (`BENCH_TIMELINE`, default
//! `reports/delivery-timeline.csv`) of delivered and backlog per half second.
//!
//! Run: `make bench-delivery` (builds the release binaries, then `cargo run --release -p
//! greetings-worker --example bench_delivery`). Knobs: `BENCH_WORKERS` (worker processes,
//! default 1), `BENCH_CONCURRENCY` (per worker, default 128), `BENCH_ERROR_RATE` (simulator
//! 5xx share, default 0), `BENCH_LATENCY_MS` (simulator max latency, default 0),
//! `BENCH_MAX_BATCH` (the worker's `delivery.max_batch`, default 256; 1 = a statement per message).

use std::{
    fmt::Write as _,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use chrono::Utc;
use diesel::{
    sql_types::{BigInt, Double, Timestamptz},
    QueryableByName,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn release_binary(name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release");
    let path = root.join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --release --bins` first",
        path.display()
    );
    path
}

fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of /proc/pid/stat (11 and 12 after the name).
    (ticks(11) + ticks(12)) / 100.0
}

#[derive(QueryableByName)]
struct Progress {
    #[diesel(sql_type = BigInt)]
    delivered: i64,
    #[diesel(sql_type = BigInt)]
    waiting: i64,
}

#[derive(QueryableByName)]
struct Lateness {
    #[diesel(sql_type = Double)]
    p50: f64,
    #[diesel(sql_type = Double)]
    p99: f64,
    #[diesel(sql_type = Double)]
    max: f64,
    #[diesel(sql_type = BigInt)]
    early: i64,
}

struct Service {
    name: String,
    child: Child,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The stats call below uses the worker crate's TLS-enabled reqwest, which needs a provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let messages: i64 = env_or("BENCH_MESSAGES", 100_000);
    let workers: usize = env_or("BENCH_WORKERS", 1);
    let concurrency: u32 = env_or("BENCH_CONCURRENCY", 128);
    let error_rate: f64 = env_or("BENCH_ERROR_RATE", 0.0);
    let latency_ms: u64 = env_or("BENCH_LATENCY_MS", 0);
    let max_batch: usize = env_or("BENCH_MAX_BATCH", 256);
    let timeline_path =
        std::env::var("BENCH_TIMELINE").unwrap_or_else(|_| "reports/delivery-timeline.csv".into());
    let server = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let amqp = std::env::var("AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    let id = std::process::id();
    let name = format!("greetings_bench_{id}");
    let url = format!(
        "{}/{name}",
        server.rsplit_once('/').expect("a database URL").0
    );
    greetings_db::migrations::ensure_database(&url).await?;
    greetings_db::migrations::run_pending(&url).await?;
    let mut conn = AsyncPgConnection::establish(&url).await?;

    // Due a little ahead, so every service is up and waiting when the instant comes.
    let due = Utc::now() + chrono::Duration::seconds(8);
    eprintln!("preparing {messages} occurrences due at {due}...");
    diesel::sql_query(
        "INSERT INTO users (id, first_name, last_name, email, timezone, birthday, materialised_until, created_at, updated_at)
         SELECT gen_random_uuid(), 'First' || g, 'Last' || g, 'user' || g || '@example.com', 'UTC',
                date '1990-01-01', $1 + interval '30 days', $1 - interval '1 day', $1 - interval '1 day'
         FROM generate_series(1, $2) AS g",
    )
    .bind::<Timestamptz, _>(due)
    .bind::<BigInt, _>(messages)
    .execute(&mut conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO occurrences (id, user_id, kind, local_date, send_at, deadline_at, due_at, timezone, send_rule, status, created_at, updated_at)
         SELECT gen_random_uuid(), id, 'birthday', ($1 AT TIME ZONE 'UTC')::date, $1, $1 + interval '48 hours', $1, 'UTC', 'exact', 'scheduled', created_at, created_at
         FROM users",
    )
    .bind::<Timestamptz, _>(due)
    .execute(&mut conn)
    .await?;
    diesel::sql_query("VACUUM ANALYZE")
        .execute(&mut conn)
        .await?;

    let prefix = format!("bench-{id}");
    let sim_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let common = |command: &mut Command| {
        command
            .env("DATABASE_URL", &url)
            .env("AMQP_URL", &amqp)
            .env("EMAIL_SERVICE_URL", format!("http://127.0.0.1:{sim_port}"))
            .env("GREETINGS__RABBITMQ__PREFIX", &prefix)
            .env("GREETINGS__HTTP__LISTEN", "127.0.0.1:0")
            .env("GREETINGS__LOG__LEVEL", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
    };
    let mut services = Vec::new();
    let mut sim = Command::new(release_binary("greetings-email-sim"));
    common(&mut sim);
    sim.env("GREETINGS__HTTP__LISTEN", format!("127.0.0.1:{sim_port}"))
        .env("GREETINGS__FAILURE__ERROR_RATE", error_rate.to_string())
        .env("GREETINGS__LATENCY__MAX_MS", latency_ms.to_string());
    services.push(Service {
        name: "email-sim".into(),
        child: sim.spawn()?,
    });
    let mut scheduler = Command::new(release_binary("greetings-scheduler"));
    common(&mut scheduler);
    scheduler.env("GREETINGS__DISPATCH__TICK_MS", "20");
    services.push(Service {
        name: "scheduler".into(),
        child: scheduler.spawn()?,
    });
    for i in 0..workers {
        let mut worker = Command::new(release_binary("greetings-worker"));
        common(&mut worker);
        worker
            .env("GREETINGS__DELIVERY__CONCURRENCY", concurrency.to_string())
            .env("GREETINGS__DELIVERY__MAX_BATCH", max_batch.to_string())
            .env("GREETINGS__DELIVERY__BACKOFF_BASE_MS", "100")
            .env("GREETINGS__DELIVERY__BACKOFF_MAX_MS", "2000");
        services.push(Service {
            name: format!("worker-{i}"),
            child: worker.spawn()?,
        });
    }

    let mut timeline = String::from("seconds_since_due,delivered,backlog\n");
    let started_wait = Instant::now();
    let mut delivered = 0;
    let mut peaks: Vec<f64> = vec![0.0; services.len()];
    while delivered < messages && started_wait.elapsed() < Duration::from_secs(600) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let progress: Progress = diesel::sql_query(
            "SELECT count(*) FILTER (WHERE status = 'delivered') AS delivered,
                    count(*) FILTER (WHERE status NOT IN ('delivered', 'failed', 'expired', 'cancelled', 'skipped')) AS waiting
             FROM occurrences",
        )
        .get_result(&mut conn)
        .await?;
        delivered = progress.delivered;
        let since_due = (Utc::now() - due).num_milliseconds() as f64 / 1000.0;
        if since_due >= -1.0 {
            writeln!(
                timeline,
                "{since_due:.1},{},{}",
                progress.delivered, progress.waiting
            )?;
        }
        for (peak, service) in peaks.iter_mut().zip(&services) {
            *peak = peak.max(peak_rss_mib(service.child.id()));
        }
    }
    let lateness: Lateness = diesel::sql_query(
        "SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - send_at)), 0) AS p50,
                coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - send_at)), 0) AS p99,
                coalesce(max(extract(epoch FROM delivered_at - send_at))::float8, 0) AS max,
                count(*) FILTER (WHERE delivered_at < send_at) AS early
         FROM occurrences WHERE status = 'delivered'",
    )
    .get_result(&mut conn)
    .await?;
    let last_delivery: Option<chrono::DateTime<Utc>> = {
        #[derive(QueryableByName)]
        struct Last {
            #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
            last: Option<chrono::DateTime<Utc>>,
        }
        let last: Last = diesel::sql_query("SELECT max(delivered_at) AS last FROM occurrences")
            .get_result(&mut conn)
            .await?;
        last.last
    };
    let stats: serde_json::Value = reqwest::get(format!("http://127.0.0.1:{sim_port}/stats"))
        .await?
        .json()
        .await?;
    let cpu: Vec<f64> = services.iter().map(|s| cpu_seconds(s.child.id())).collect();
    for service in &mut services {
        let _ = Command::new("kill")
            .args(["-TERM", &service.child.id().to_string()])
            .status();
    }
    for service in &mut services {
        let _ = service.child.wait();
    }
    if let Some(parent) = PathBuf::from(&timeline_path).parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&timeline_path, timeline)?;
    drop(conn);
    let connection =
        lapin::Connection::connect(&amqp, lapin::ConnectionProperties::default()).await?;
    greetings_messaging::Topology::new(&prefix)
        .delete(&connection.create_channel().await?)
        .await?;
    let mut admin = AsyncPgConnection::establish(&server).await?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;

    let wall = last_delivery.map_or(f64::NAN, |last| {
        (last - due).num_milliseconds() as f64 / 1000.0
    });
    println!();
    println!(
        "delivery benchmark — {} cores, everything co-located on this machine",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "command: make bench-delivery (BENCH_MESSAGES={messages} BENCH_WORKERS={workers} BENCH_CONCURRENCY={concurrency} BENCH_ERROR_RATE={error_rate} BENCH_LATENCY_MS={latency_ms} BENCH_MAX_BATCH={max_batch})"
    );
    println!("| measure | value |");
    println!("|---|---|");
    println!("| messages due at one instant | {messages} |");
    println!("| delivered | {delivered} |");
    println!("| wall time, due instant to last delivery | {wall:.2} s |");
    println!("| delivered per second | {:.0} |", delivered as f64 / wall);
    println!(
        "| lateness p50 / p99 / max | {:.2} s / {:.2} s / {:.2} s |",
        lateness.p50, lateness.p99, lateness.max
    );
    println!("| delivered before the due instant | {} |", lateness.early);
    println!(
        "| simulator: requests / 2xx / distinct keys / duplicates | {} / {} / {} / {} |",
        stats["received"], stats["delivered"], stats["distinctKeys"], stats["duplicates"]
    );
    for ((service, peak), cpu) in services.iter().zip(&peaks).zip(&cpu) {
        println!(
            "| {} peak RSS / CPU time | {peak:.0} MiB / {cpu:.1} s |",
            service.name
        );
    }
    println!("timeline: {timeline_path}");
    Ok(())
}

use std::net::TcpListener;

use greetings_telemetry::{admin, healthcheck, Readiness};

/// Serves the real admin routes on a free port and probes it as `greetings-<service>
/// healthcheck` would.
async fn probe(readiness: &Readiness) -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = listener.local_addr().unwrap().to_string();
    let handle = greetings_telemetry::metrics::install_recorder();
    let server = admin::serve(listener, handle, readiness.clone()).unwrap();
    let server_handle = server.handle();
    let running = tokio::spawn(server);
    let result = tokio::task::spawn_blocking(move || healthcheck::check(&listen, "/health/ready"))
        .await
        .unwrap();
    server_handle.stop(false).await;
    running.await.unwrap().unwrap();
    result
}

#[tokio::test]
async fn the_healthcheck_passes_when_the_service_is_ready() {
    let readiness = Readiness::new(&["database"]);
    readiness.set("database", true);
    probe(&readiness).await.expect("a ready service is healthy");
}

#[tokio::test]
async fn the_healthcheck_fails_with_the_status_when_a_dependency_is_down() {
    let readiness = Readiness::new(&["database", "rabbitmq"]);
    readiness.set("database", true);
    let error = probe(&readiness).await.unwrap_err().to_string();
    assert!(error.contains("answered 503"), "{error}");
    assert!(error.contains("\"rabbitmq\":false"), "{error}");
}

#[test]
fn the_healthcheck_fails_when_nothing_listens() {
    // Bind then drop: the port is free and nothing answers on it.
    let listen = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let error = healthcheck::check(&listen, "/health/ready").unwrap_err();
    assert!(error.to_string().contains("connecting to"), "{error}");
}

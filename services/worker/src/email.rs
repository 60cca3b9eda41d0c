//! The e-mail service client: `POST {url}/send-email` with `{"email","message"}` and the
//! occurrence id as `Idempotency-Key`, classified into what the worker does next.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Any 2xx.
    Delivered { status: u16 },
    /// 408, 429, 5xx, timeouts and connection errors.
    Retryable {
        status: Option<u16>,
        retry_after: Option<Duration>,
        error: String,
        timed_out: bool,
    },
    /// Any other 4xx (or 3xx): retrying cannot help.
    Permanent { status: u16 },
}

#[derive(Serialize)]
struct SendEmail<'a> {
    email: &'a str,
    message: &'a str,
}

#[derive(Clone)]
pub struct EmailClient {
    http: reqwest::Client,
    endpoint: String,
}

impl EmailClient {
    pub fn new(base_url: &str, timeout: Duration) -> anyhow::Result<Self> {
        // The vendor speaks HTTPS in production: ring is the TLS provider, installed once per
        // process (a second install reports an error that means "already there").
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .pool_max_idle_per_host(256)
            .build()?;
        Ok(Self {
            http,
            endpoint: format!("{}/send-email", base_url.trim_end_matches('/')),
        })
    }

    /// Sends one message; returns the outcome and how long the call took.
    pub async fn send(&self, key: Uuid, email: &str, message: &str) -> (SendOutcome, Duration) {
        let started = Instant::now();
        let result = self
            .http
            .post(&self.endpoint)
            .header("Idempotency-Key", key.to_string())
            .json(&SendEmail { email, message })
            .send()
            .await;
        (classify(result), started.elapsed())
    }
}

fn classify(result: reqwest::Result<reqwest::Response>) -> SendOutcome {
    match result {
        Ok(response) => {
            let status = response.status();
            if status.is_success() {
                return SendOutcome::Delivered {
                    status: status.as_u16(),
                };
            }
            if status == StatusCode::REQUEST_TIMEOUT
                || status == StatusCode::TOO_MANY_REQUESTS
                || status.is_server_error()
            {
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                return SendOutcome::Retryable {
                    status: Some(status.as_u16()),
                    retry_after,
                    // Never the response body: this text is stored in `delivery_attempts.error`
                    // and outlives a user's deletion (see greetings_db::occurrences::privacy).
                    error: format!("HTTP {}", status.as_u16()),
                    timed_out: false,
                };
            }
            SendOutcome::Permanent {
                status: status.as_u16(),
            }
        }
        Err(err) => SendOutcome::Retryable {
            status: None,
            retry_after: None,
            timed_out: err.is_timeout(),
            error: if err.is_timeout() {
                "timeout".into()
            } else {
                "connection error".into()
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_https_endpoint_gets_a_tls_client_and_a_failed_handshake_is_retryable() {
        // A plain TCP listener that never speaks TLS: the handshake fails.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                drop(socket);
            }
        });
        let client =
            EmailClient::new(&format!("https://127.0.0.1:{port}"), Duration::from_secs(2)).unwrap();
        let (outcome, _) = client.send(Uuid::nil(), "ada@example.com", "Hey").await;
        assert!(
            matches!(outcome, SendOutcome::Retryable { status: None, .. }),
            "{outcome:?}"
        );
    }
}

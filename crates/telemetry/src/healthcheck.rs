//! `greetings-<service> healthcheck`: asks the running service on this host for
//! `/health/ready` and exits 0 only on a 2xx. Container images have no shell and no curl, so
//! Docker's `HEALTHCHECK` runs the binary itself.
//!
//! Plain HTTP/1.0 over a `TcpStream` with short timeouts: a probe must not pull in an HTTP
//! client or hang longer than the orchestrator waits for it.

use std::{
    io::{Read, Write},
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs},
    time::Duration,
};

use anyhow::{bail, Context};

const TIMEOUT: Duration = Duration::from_secs(3);

/// Where to reach a service listening on `listen` (`http.listen`) from the same host: a
/// wildcard address (`0.0.0.0`, `[::]`) becomes the loopback address of its family.
pub fn probe_address(listen: &str) -> anyhow::Result<SocketAddr> {
    let address = listen
        .to_socket_addrs()
        .with_context(|| format!("http.listen: cannot resolve {listen}"))?
        .next()
        .with_context(|| format!("http.listen: {listen} resolves to no address"))?;
    if address.port() == 0 {
        bail!("http.listen has port 0: the port is only known to the running process");
    }
    let ip = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    Ok(SocketAddr::new(ip, address.port()))
}

/// GETs `path` (e.g. `/health/ready`) from the service listening on `listen`; `Ok` on a 2xx
/// answer, an error naming the status or the failure otherwise.
pub fn check(listen: &str, path: &str) -> anyhow::Result<()> {
    let address = probe_address(listen)?;
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT)
        .with_context(|| format!("connecting to {address}"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .with_context(|| format!("sending GET {path}"))?;
    // The status line is all we need; read at most a small answer.
    let mut answer = Vec::with_capacity(512);
    stream
        .take(64 * 1024)
        .read_to_end(&mut answer)
        .with_context(|| format!("reading the answer to GET {path}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .with_context(|| format!("GET {path}: not an HTTP answer: {status_line:?}"))?;
    if !(200..300).contains(&status) {
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default().trim();
        bail!("GET {path} answered {status}: {body}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_listen_address_is_probed_on_loopback() {
        assert_eq!(
            probe_address("0.0.0.0:8080").unwrap(),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(
            probe_address("[::]:9092").unwrap(),
            "[::1]:9092".parse().unwrap()
        );
        assert_eq!(
            probe_address("127.0.0.2:9091").unwrap(),
            "127.0.0.2:9091".parse().unwrap()
        );
    }

    #[test]
    fn port_zero_cannot_be_probed() {
        let error = probe_address("127.0.0.1:0").unwrap_err();
        assert!(error.to_string().contains("port 0"), "{error}");
    }
}

//! Private Postgres and RabbitMQ servers for tests that restart one mid-run, so they never
//! disturb the shared servers other tests are using. Each has its own data folder and port
//! and is shut down (and its folder removed) on drop.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// A free loopback port below `max` (RabbitMQ derives its distribution port as port + 20000).
fn free_port(max: u16) -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if port < max {
            return port;
        }
    }
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

/// Postgres refuses to run as root: as root, run its tools as the `postgres` user.
fn as_postgres(program: &str) -> Command {
    let path = format!("/usr/lib/postgresql/15/bin/{program}");
    let program = if std::path::Path::new(&path).exists() {
        path
    } else {
        program.to_owned()
    };
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", &program]);
        command
    } else {
        Command::new(program)
    }
}

pub struct PrivatePostgres {
    pub port: u16,
    dir: PathBuf,
}

impl PrivatePostgres {
    pub fn start() -> Self {
        let dir =
            std::env::temp_dir().join(format!("greetings-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            run(
                Command::new("chown").args(["postgres:postgres", dir.to_str().unwrap()]),
                "chown",
            );
        }
        let data = dir.join("data");
        run(
            as_postgres("initdb")
                .args([
                    "-D",
                    data.to_str().unwrap(),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                ])
                .stdout(Stdio::null()),
            "initdb",
        );
        let server = Self {
            port: free_port(65_000),
            dir,
        };
        server.start_again();
        server
    }

    /// The maintenance database URL (what `TestDatabase::create_on` takes).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn start_again(&self) {
        let data = self.dir.join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        run(
            as_postgres("pg_ctl").args([
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                self.dir.join("log").to_str().unwrap(),
                "-w",
                "start",
            ]),
            "pg_ctl start",
        );
    }

    pub fn stop(&self) {
        let data = self.dir.join("data");
        run(
            as_postgres("pg_ctl").args(["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"]),
            "pg_ctl stop",
        );
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = as_postgres("pg_ctl")
            .args([
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct PrivateRabbit {
    pub port: u16,
    node: String,
    dir: PathBuf,
}

impl PrivateRabbit {
    pub fn start() -> Self {
        let port = free_port(45_000);
        let dir = std::env::temp_dir().join(format!(
            "greetings-rabbit-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("enabled_plugins"), "[].\n").unwrap();
        // Our own config file: the system one pins the shared broker's listener.
        std::fs::write(
            dir.join("rabbitmq.conf"),
            format!("listeners.tcp.local = 127.0.0.1:{port}\n"),
        )
        .unwrap();
        let server = Self {
            port,
            node: format!("greetings-test-{port}@localhost"),
            dir,
        };
        server.start_again();
        server
    }

    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// RabbitMQ's own scripts: Debian's wrappers in /usr/sbin switch to the `rabbitmq` user and
    /// its data folder, which would ignore this node's settings.
    fn command(&self, program: &str) -> Command {
        let direct = format!("/usr/lib/rabbitmq/bin/{program}");
        let program = if std::path::Path::new(&direct).exists() {
            direct
        } else {
            program.to_owned()
        };
        let mut command = Command::new(program);
        command
            .env("RABBITMQ_CONFIG_FILE", self.dir.join("rabbitmq.conf"))
            .env("RABBITMQ_NODENAME", &self.node)
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env(
                "RABBITMQ_DIST_PORT",
                (u32::from(self.port) + 20_000).to_string(),
            )
            .env("RABBITMQ_MNESIA_BASE", self.dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", self.dir.join("log"))
            .env("RABBITMQ_PID_FILE", self.dir.join("pid"))
            .env(
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                self.dir.join("enabled_plugins"),
            );
        command
    }

    pub fn start_again(&self) {
        run(
            self.command("rabbitmq-server").arg("-detached"),
            "rabbitmq-server -detached",
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                run(
                    self.command("rabbitmqctl").args([
                        "-n",
                        &self.node,
                        "await_startup",
                        "--timeout",
                        "60",
                    ]),
                    "await_startup",
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("private RabbitMQ on port {} did not start", self.port);
    }

    pub fn stop(&self) {
        run(
            self.command("rabbitmqctl").args(["-n", &self.node, "stop"]),
            "rabbitmqctl stop",
        );
    }
}

impl Drop for PrivateRabbit {
    fn drop(&mut self) {
        let _ = self
            .command("rabbitmqctl")
            .args(["-n", &self.node, "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

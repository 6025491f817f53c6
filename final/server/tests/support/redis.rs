//! A real `redis-server` for the tests, on a free local port, with nothing saved to disk.
//!
//! Debian's `redis-server` package provides it (`.ci/run` installs it). Without it, a test that
//! asks for one is skipped with a message, unless `REQUIRE_REDIS` is set, as CI sets it: then
//! a missing Redis is a failure.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `redis-server`, stopped when dropped.
pub struct Redis {
    child: Child,
    port: u16,
}

const BINARY: &str = "redis-server";

impl Redis {
    /// Starts one on a free port, or says why the test is skipped (`None`).
    pub fn start() -> Option<Redis> {
        let available = Command::new(BINARY)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !available {
            assert!(
                std::env::var_os("REQUIRE_REDIS").is_none(),
                "REQUIRE_REDIS is set but {BINARY} cannot run: install Debian's redis-server"
            );
            eprintln!("skipped: {BINARY} is not installed (apt-get install redis-server)");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        Some(Redis::on_port(port))
    }

    /// Starts one on `port` (to restart it where the servers expect it).
    pub fn on_port(port: u16) -> Redis {
        let mut child = Command::new(BINARY)
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        // It says when it is ready; read its log on a thread, so the wait can be bounded.
        let stdout = child.stdout.take().expect("piped stdout");
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("Ready to accept connections") {
                    let _ = ready_tx.send(());
                }
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("redis-server ready within 10 s");
        Redis { child, port }
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops it at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

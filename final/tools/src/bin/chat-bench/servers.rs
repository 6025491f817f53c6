//! The servers under test, and the processes that run them: each pinned to CPU 0 with
//! `taskset`, so that every server gets the same one core and the load tools (on CPU 1) never
//! compete with it; killed when dropped, so that a failed scenario leaves nothing running.
//!
//! Final server — book chapter "Performance", section "How it is measured";
//! `RedisProcess` is for "Scaling out", section "The cost of the hop".

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Which protocol a server speaks, and so which load tool drives it and how it is started.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Wire {
    /// Stage 3's `{username, text}` frames, spoken by stages 3 to 5.
    Stage,
    /// The final protocol.
    Final,
}

/// A server of the roadmap that chat-bench can measure.
pub(crate) struct ServerKind {
    /// Its name in the table and on `--servers`.
    pub(crate) name: &'static str,
    /// Its binary, next to chat-bench's own in `target/<profile>/`.
    pub(crate) binary: &'static str,
    /// What it speaks.
    pub(crate) wire: Wire,
}

/// Every server, in the table's order (the charts' colours follow it too).
pub(crate) const SERVERS: [ServerKind; 4] = [
    ServerKind {
        name: "stage3",
        binary: "stage3-server",
        wire: Wire::Stage,
    },
    ServerKind {
        name: "stage4",
        binary: "stage4-server",
        wire: Wire::Stage,
    },
    ServerKind {
        name: "stage5",
        binary: "stage5-server",
        wire: Wire::Stage,
    },
    ServerKind {
        name: "final",
        binary: "chat-server",
        wire: Wire::Final,
    },
];

/// A server process pinned to CPU 0, killed when dropped.
pub(crate) struct Running {
    child: Child,
    /// Its WebSocket URL, as it printed it.
    pub(crate) url: String,
    /// Its `host:port`, for plain HTTP requests (`/metrics`).
    pub(crate) addr: String,
}

impl Running {
    /// The server's process id, to read its CPU time and memory.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `redis-server` on CPU 0 with the servers, on a free port, saving nothing; killed when
/// dropped. (Debian's redis-server package; the `scale` scenario needs it.)
pub(crate) struct RedisProcess {
    child: Child,
    port: u16,
}

impl RedisProcess {
    /// Starts Redis and waits (at most 10 s) until it accepts connections.
    pub(crate) fn start() -> Result<RedisProcess, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|err| err.to_string())?
            .port();
        let mut child = pinned(0, Path::new("redis-server"))
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| format!("redis-server: {err} (apt-get install redis-server)"))?;
        // It says when it is ready; its log is read (and drained) on a thread, so the wait can
        // be bounded.
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("Ready to accept connections") {
                    let _ = ready_tx.send(());
                }
            }
        });
        let process = RedisProcess { child, port };
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "redis-server did not start within 10 s")?;
        Ok(process)
    }

    /// The URL the final server's `--redis-url` takes.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Redis's process id: its CPU time counts with the servers'.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the servers and load tools are: next to this program, built with the same profile.
pub(crate) fn bin_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target/release"))
}

/// A command that runs `program` on CPU `cpu` only.
pub(crate) fn pinned(cpu: u32, program: &Path) -> Command {
    let mut command = Command::new("taskset");
    command.arg("-c").arg(cpu.to_string()).arg(program);
    command
}

/// Starts a server of this kind on a free port, and returns once it has said where it listens.
/// `extra` flags go to the final server only (the stage servers take none).
pub(crate) fn start(kind: &ServerKind, extra: &[String]) -> Result<Running, String> {
    // CHAT_BENCH_FINAL_SERVER: another build of the final server, to compare two versions.
    let program = match (kind.wire, std::env::var_os("CHAT_BENCH_FINAL_SERVER")) {
        (Wire::Final, Some(path)) => PathBuf::from(path),
        _ => bin_dir().join(kind.binary),
    };
    // CHAT_BENCH_SERVER_CPUS: the CPUs the server may use (`0,1`: both, for the multi-core
    // measurement); CPU 0 alone by default.
    let cpus = std::env::var("CHAT_BENCH_SERVER_CPUS").unwrap_or_else(|_| "0".to_owned());
    let mut command = Command::new("taskset");
    command.arg("-c").arg(&cpus).arg(&program);
    match kind.wire {
        Wire::Stage => command.arg("127.0.0.1:0"),
        // Limits meant for a public server would refuse the load itself.
        Wire::Final => command.args([
            "--listen",
            "127.0.0.1:0",
            "--max-connections",
            "20000",
            "--max-connections-per-ip",
            "0",
            "--rate",
            "100000",
            "--rate-burst",
            "100000",
        ]),
    };
    if kind.wire == Wire::Final {
        // Today's rows measure the server without its message store (as before the store
        // existed). An environment variable rather than `--store`, so that an older build
        // given with CHAT_BENCH_FINAL_SERVER, which has no such flag, still starts.
        command.env("CHAT_STORE", "memory");
    }
    // More server flags, e.g. to compare settings: CHAT_BENCH_SERVER_ARGS="--read-buffer-bytes 2048".
    if kind.wire == Wire::Final {
        command.args(
            std::env::var("CHAT_BENCH_SERVER_ARGS")
                .unwrap_or_default()
                .split_whitespace(),
        );
        command.args(extra);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("{}: {err}", kind.binary))?;
    // Its first line says where it listens (port 0 let the kernel choose).
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|err| err.to_string())?;
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("ws://"))
        .ok_or(format!("no URL in {line:?}"))?
        .to_owned();
    let addr = url
        .trim_start_matches("ws://")
        .trim_end_matches("/ws")
        .to_owned();
    Ok(Running { child, url, addr })
}

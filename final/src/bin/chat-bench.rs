//! `chat-bench` — the performance goals, measured: starts each server under test (stage 3,
//! stage 4, the stage 5 optimised server, the final server) pinned to CPU 0, runs the load
//! scenarios from CPU 1, and prints one table. Book: "Performance".
//!
//! ```text
//! cargo run --release -p chat-server --bin chat-bench -- all --out target/bench
//! cargo run --release -p chat-server --bin chat-bench -- all --quick     # a shorter smoke run
//! ```
//!
//! Per scenario and server: deliveries per second, deliveries lost, latency percentiles (from
//! the intended send time, measured at every recipient), the server's CPU time per delivery
//! (user + system, from `/proc/<pid>/stat`), and for the memory scenario, resident memory per
//! idle connection. It needs Linux (`/proc`, `taskset`) and builds the stage servers first.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

use clap::Parser;
use futures_util::{SinkExt, StreamExt, stream};
use serde::Serialize;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// Runs the performance scenarios against every server and prints one table.
#[derive(Debug, Parser)]
#[command(name = "chat-bench", version)]
struct Args {
    /// `all`, or one scenario: light, efficiency, capacity, slow, memory.
    #[arg(default_value = "all")]
    scenario: String,
    /// Write the table as `table.md` and `table.json` into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Shorter runs and fewer connections: a smoke test, not a measurement.
    #[arg(long)]
    quick: bool,
    /// Only these servers (comma-separated: stage3, stage4, stage5, final).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "stage3,stage4,stage5,final"
    )]
    servers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Wire {
    /// Stage 3's `{username, text}` frames, spoken by stages 3 to 5.
    Stage,
    /// The final protocol.
    Final,
}

struct ServerKind {
    name: &'static str,
    binary: &'static str,
    wire: Wire,
}

const SERVERS: [ServerKind; 4] = [
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

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
struct Row {
    scenario: String,
    server: String,
    offered_per_sec: f64,
    delivered_per_sec: f64,
    lost: u64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    cpu_us_per_delivery: Option<f64>,
    rss_kib_per_connection: Option<f64>,
    closed_too_slow: Option<u64>,
}

/// A server process pinned to CPU 0, killed when dropped.
struct Running {
    child: Child,
    url: String,
    addr: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bin_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target/release"))
}

fn pinned(cpu: u32, program: &Path) -> Command {
    let mut command = Command::new("taskset");
    command.arg("-c").arg(cpu.to_string()).arg(program);
    command
}

fn start(kind: &ServerKind) -> Result<Running, String> {
    let mut command = pinned(0, &bin_dir().join(kind.binary));
    match kind.wire {
        Wire::Stage => command.arg("127.0.0.1:0"),
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
    // More server flags, e.g. to compare settings: CHAT_BENCH_SERVER_ARGS="--read-buffer-bytes 2048".
    if kind.wire == Wire::Final {
        command.args(
            std::env::var("CHAT_BENCH_SERVER_ARGS")
                .unwrap_or_default()
                .split_whitespace(),
        );
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("{}: {err}", kind.binary))?;
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

/// User + system CPU time of a process, in microseconds (`/proc/<pid>/stat`, fields 14 and 15).
fn cpu_us(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10_000) // USER_HZ is 100 on Linux
}

fn rss_kib(pid: u32) -> Option<u64> {
    chat_server::soak::rss_kib(pid)
}

/// Runs the load tool for `kind` from CPU 1 and returns its JSON report.
fn load(
    kind: &ServerKind,
    server: &Running,
    clients: usize,
    rate: f64,
    seconds: u64,
    slow: usize,
) -> Result<Value, String> {
    let (tool, duration) = match kind.wire {
        Wire::Stage => ("stress", seconds.to_string()),
        Wire::Final => ("chat-stress", format!("{seconds}s")),
    };
    let mut command = pinned(1, &bin_dir().join(tool));
    command.args([
        "--url",
        &server.url,
        "--clients",
        &clients.to_string(),
        "--senders",
        "10",
    ]);
    command.args([
        "--rate",
        &rate.to_string(),
        "--duration",
        &duration,
        "--json",
    ]);
    if kind.wire == Wire::Stage {
        command.arg("--quiet");
    }
    if slow > 0 {
        command.args(["--slow", &slow.to_string()]);
    }
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|err| err.to_string())?;
    serde_json::from_slice(&output.stdout).map_err(|err| format!("{tool}: no report ({err})"))
}

fn row(scenario: &str, kind: &ServerKind, report: &Value, offered: f64, cpu: Option<u64>) -> Row {
    let latency = &report["latency"];
    let ms = |field: &str| latency[field].as_f64().unwrap_or(0.0) / 1000.0;
    let delivered = report["delivered"].as_u64().unwrap_or(0);
    Row {
        scenario: scenario.to_owned(),
        server: kind.name.to_owned(),
        offered_per_sec: offered,
        delivered_per_sec: report["delivered_per_sec"].as_f64().unwrap_or(0.0),
        lost: report["lost"].as_u64().unwrap_or(0),
        p50_ms: ms("p50_us"),
        p99_ms: ms("p99_us"),
        p999_ms: ms("p999_us"),
        cpu_us_per_delivery: cpu
            .filter(|_| delivered > 0)
            .map(|us| us as f64 / delivered as f64),
        rss_kib_per_connection: None,
        closed_too_slow: None,
    }
}

/// Opens `count` connections and holds them idle; returns the server's RSS growth per connection.
async fn idle_memory(kind: &ServerKind, server: &Running, count: usize) -> Result<f64, String> {
    let pid = server.child.id();
    let before = rss_kib(pid).ok_or("no RSS")?;
    let url = server.url.clone();
    let wire = kind.wire;
    let sockets: Vec<_> = stream::iter(0..count)
        .map(|index| {
            let url = url.clone();
            async move {
                let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
                    .await
                    .map_err(|err| err.to_string())?;
                if wire == Wire::Final {
                    let hello = json!({"type": "hello", "username": format!("idle{index}")});
                    socket
                        .send(Message::text(hello.to_string()))
                        .await
                        .map_err(|err| err.to_string())?;
                    while let Some(Ok(frame)) = socket.next().await {
                        if frame.is_text() {
                            break; // welcome
                        }
                    }
                }
                Ok::<_, String>(socket)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let sockets: Result<Vec<_>, String> = sockets.into_iter().collect();
    let sockets = sockets?;
    tokio::time::sleep(Duration::from_secs(1)).await; // let the server settle before reading
    let after = rss_kib(pid).ok_or("no RSS")?;
    drop(sockets);
    Ok(after.saturating_sub(before) as f64 / count as f64)
}

fn metric(addr: &str, line_start: &str) -> Option<u64> {
    let output = Command::new("curl")
        .args(["-s", &format!("http://{addr}/metrics")])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.lines()
        .find(|line| line.starts_with(line_start))?
        .rsplit(' ')
        .next()?
        .parse()
        .ok()
}

fn markdown(rows: &[Row]) -> String {
    let mut table = String::from(
        "| scenario | server | offered/s | delivered/s | lost | p50 ms | p99 ms | p99.9 ms | CPU µs/delivery | KiB/connection | closed 4008 |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let opt = |value: Option<f64>, digits: usize| {
        value.map_or_else(|| "".to_owned(), |v| format!("{v:.digits$}"))
    };
    for r in rows {
        table.push_str(&format!(
            "| {} | {} | {:.0} | {:.0} | {} | {:.1} | {:.1} | {:.1} | {} | {} | {} |\n",
            r.scenario,
            r.server,
            r.offered_per_sec,
            r.delivered_per_sec,
            r.lost,
            r.p50_ms,
            r.p99_ms,
            r.p999_ms,
            opt(r.cpu_us_per_delivery, 2),
            opt(r.rss_kib_per_connection, 1),
            r.closed_too_slow
                .map_or_else(String::new, |n| n.to_string()),
        ));
    }
    table
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // The stage servers and the stage 5 load tool live in other packages: build them first.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "stage3-websockets",
            "-p",
            "stage4-architecture",
            "-p",
            "stage5-testing",
            "-p",
            "chat-server",
        ])
        .status();
    if !built.is_ok_and(|status| status.success()) {
        eprintln!("chat-bench: could not build the servers");
        return ExitCode::FAILURE;
    }
    let (clients, seconds, idle) = if args.quick {
        (200, 3, 1_000)
    } else {
        (1_000, 10, 15_000)
    };
    let wanted = |scenario: &str| args.scenario == "all" || args.scenario == scenario;
    let mut rows = Vec::new();
    for kind in SERVERS
        .iter()
        .filter(|kind| args.servers.iter().any(|s| s == kind.name))
    {
        for (scenario, rate) in [("light", 10.0), ("efficiency", 250.0), ("capacity", 1000.0)] {
            if !wanted(scenario) {
                continue;
            }
            let result = (|| {
                let server = start(kind)?;
                let pid = server.child.id();
                let before = cpu_us(pid);
                let report = load(kind, &server, clients, rate, seconds, 0)?;
                let cpu = before.zip(cpu_us(pid)).map(|(a, b)| b - a);
                Ok::<_, String>(row(scenario, kind, &report, rate * clients as f64, cpu))
            })();
            match result {
                Ok(row) => {
                    eprintln!(
                        "{} {}: {:.0} delivered/s, {} lost, p99 {:.1} ms",
                        row.scenario, row.server, row.delivered_per_sec, row.lost, row.p99_ms
                    );
                    rows.push(row);
                }
                Err(err) => eprintln!("{scenario} {}: {err}", kind.name),
            }
        }
        if wanted("slow") && kind.wire == Wire::Final {
            let slow = clients / 20; // 5 %
            let result = (|| {
                let server = start(kind)?;
                let report = load(kind, &server, clients, 250.0, seconds, slow)?;
                let mut row = row(
                    "slow 5%",
                    kind,
                    &report,
                    250.0 * (clients - slow) as f64,
                    None,
                );
                row.rss_kib_per_connection =
                    rss_kib(server.child.id()).map(|kib| kib as f64 / clients as f64);
                row.closed_too_slow = metric(&server.addr, "chat_disconnects_total{code=\"4008\"");
                Ok::<_, String>(row)
            })();
            match result {
                Ok(row) => rows.push(row),
                Err(err) => eprintln!("slow {}: {err}", kind.name),
            }
        }
        if wanted("memory") {
            let result = async {
                let server = start(kind)?;
                let per_connection = idle_memory(kind, &server, idle).await?;
                Ok::<_, String>(Row {
                    scenario: format!("memory {idle} idle"),
                    server: kind.name.to_owned(),
                    offered_per_sec: 0.0,
                    delivered_per_sec: 0.0,
                    lost: 0,
                    p50_ms: 0.0,
                    p99_ms: 0.0,
                    p999_ms: 0.0,
                    cpu_us_per_delivery: None,
                    rss_kib_per_connection: Some(per_connection),
                    closed_too_slow: None,
                })
            }
            .await;
            match result {
                Ok(row) => rows.push(row),
                Err(err) => eprintln!("memory {}: {err}", kind.name),
            }
        }
    }
    let table = markdown(&rows);
    print!("{table}");
    if let Some(dir) = args.out {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|m| m.trim().to_owned())
            });
        let machine = format!(
            "{} cores ({}); servers pinned to CPU 0, load generators to CPU 1; {} clients, 10 senders, {} s per run, 100-byte messages.\n",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu.unwrap_or_else(|| "unknown CPU".into()),
            clients,
            seconds
        );
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join("table.md"), &table))
            .and_then(|()| std::fs::write(dir.join("machine.md"), &machine))
            .and_then(|()| {
                std::fs::write(
                    dir.join("table.json"),
                    serde_json::to_string_pretty(&rows).unwrap_or_default(),
                )
            });
        if let Err(err) = written {
            eprintln!("chat-bench: cannot write {}: {err}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    if rows
        .iter()
        .any(|row| row.lost > 0 && row.scenario == "light")
    {
        return ExitCode::FAILURE; // light load must lose nothing, whatever the server
    }
    ExitCode::SUCCESS
}

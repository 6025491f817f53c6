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
    /// `all`, or one scenario: light, efficiency, capacity, sweep (every load), slow, memory;
    /// or `coalesce` (final server only, efficiency load, --coalesce from 0 to 50 ms), or
    /// `scale` (final server alone, with Redis, three instances with Redis; needs
    /// redis-server); these two are not in `all`.
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
    /// The server's resident memory when the last message arrived, in MiB.
    rss_mib: Option<f64>,
    rss_kib_per_connection: Option<f64>,
    closed_too_slow: Option<u64>,
    /// The final server's `--coalesce`, in milliseconds, when the run set it.
    coalesce_ms: Option<u64>,
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

/// A `redis-server` on CPU 0 with the servers, on a free port, saving nothing; killed when
/// dropped. (Debian's redis-server package; the `scale` scenario needs it.)
struct RedisProcess {
    child: Child,
    port: u16,
}

impl RedisProcess {
    fn start() -> Result<RedisProcess, String> {
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

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisProcess {
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

fn start(kind: &ServerKind, extra: &[String]) -> Result<Running, String> {
    // CHAT_BENCH_FINAL_SERVER: another build of the final server, to compare two versions.
    let program = match (kind.wire, std::env::var_os("CHAT_BENCH_FINAL_SERVER")) {
        (Wire::Final, Some(path)) => PathBuf::from(path),
        _ => bin_dir().join(kind.binary),
    };
    let mut command = pinned(0, &program);
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
        command.args(extra);
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

/// What one run of a load tool measured.
struct Measured {
    /// The load tool's JSON report.
    report: Value,
    /// The server's CPU time from the end of the warm-up (the tool's `sending` line: every
    /// client connected and joined) to the last delivery (its `done` line, printed before any
    /// connection closes).
    cpu_us: Option<u64>,
    /// The server's resident memory at the last delivery, in KiB.
    rss_kib: Option<u64>,
}

/// Runs the load tool for `kind` from CPU 1 and returns its JSON report.
fn load(
    kind: &ServerKind,
    server: &Running,
    clients: usize,
    rate: f64,
    seconds: u64,
    slow: usize,
) -> Result<Measured, String> {
    let load = Load {
        clients,
        rate,
        seconds,
        slow,
    };
    load_on(kind, &server.url, vec![server.child.id()], &load)
}

/// The load a run puts on the servers.
struct Load {
    clients: usize,
    rate: f64,
    seconds: u64,
    slow: usize,
}

/// Runs the load tool against `urls` (comma-separated: several instances) and measures the
/// processes `pids` (the servers, and Redis when there is one) together.
fn load_on(kind: &ServerKind, urls: &str, pids: Vec<u32>, load: &Load) -> Result<Measured, String> {
    let Load {
        clients,
        rate,
        seconds,
        slow,
    } = *load;
    let (tool, duration) = match kind.wire {
        Wire::Stage => ("stress", seconds.to_string()),
        Wire::Final => ("chat-stress", format!("{seconds}s")),
    };
    let mut command = pinned(1, &bin_dir().join(tool));
    command.args([
        "--url",
        urls,
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
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("{tool}: {err}"))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let total = move |read: fn(u32) -> Option<u64>| -> Option<u64> {
        pids.iter().map(|pid| read(*pid)).sum()
    };
    // The tool's errors are passed on; its `sending` and `done` lines start and stop the CPU
    // measurement.
    let watcher = std::thread::spawn(move || {
        let (mut start, mut end, mut rss) = (None, None, None);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            match line.as_str() {
                "sending" if start.is_none() => start = total(cpu_us),
                "done" if end.is_none() => {
                    end = total(cpu_us);
                    rss = total(rss_kib);
                }
                _ => eprintln!("{line}"),
            }
        }
        (start, end, rss)
    });
    let output = child.wait_with_output().map_err(|err| err.to_string())?;
    let (start, end, rss) = watcher.join().unwrap_or_default();
    let report = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("{tool}: no report ({err})"))?;
    Ok(Measured {
        report,
        cpu_us: start.zip(end).map(|(start, end)| end.saturating_sub(start)),
        rss_kib: rss,
    })
}

fn row(scenario: &str, kind: &ServerKind, measured: &Measured, offered: f64) -> Row {
    let (report, cpu) = (&measured.report, measured.cpu_us);
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
        rss_mib: measured.rss_kib.map(|kib| kib as f64 / 1024.0),
        rss_kib_per_connection: None,
        closed_too_slow: None,
        coalesce_ms: None,
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

/// One value from the final server's `/metrics` page (a plain HTTP/1.0 GET, no client needed).
fn metric(addr: &str, line_start: &str) -> Option<u64> {
    use std::io::{Read, Write};
    let mut socket = std::net::TcpStream::connect(addr).ok()?;
    socket.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(socket, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut text = String::new();
    socket.read_to_string(&mut text).ok()?;
    text.lines()
        .find(|line| line.starts_with(line_start))?
        .rsplit(' ')
        .next()?
        .parse()
        .ok()
}

fn markdown(rows: &[Row]) -> String {
    let mut table = String::from(
        "| scenario | server | offered/s | delivered/s | lost | p50 ms | p99 ms | p99.9 ms | CPU µs/delivery | RSS MiB | KiB/idle connection | closed 4008 |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let opt = |value: Option<f64>, digits: usize| {
        value.map_or_else(|| "".to_owned(), |v| format!("{v:.digits$}"))
    };
    for r in rows {
        table.push_str(&format!(
            "| {} | {} | {:.0} | {:.0} | {} | {:.1} | {:.1} | {:.1} | {} | {} | {} | {} |\n",
            r.scenario,
            r.server,
            r.offered_per_sec,
            r.delivered_per_sec,
            r.lost,
            r.p50_ms,
            r.p99_ms,
            r.p999_ms,
            opt(r.cpu_us_per_delivery, 2),
            opt(r.rss_mib, 1),
            opt(r.rss_kib_per_connection, 1),
            r.closed_too_slow
                .map_or_else(String::new, |n| n.to_string()),
        ));
    }
    table
}

/// Picks the figure a chart shows from a row.
type Pick = fn(&Row) -> f64;

/// One line of a chart: its colour (an index into [`COLORS`]), its name, its points.
type Line = (usize, &'static str, Vec<(f64, f64)>);

/// A figure with the name of its line.
type Named = (&'static str, Pick);

/// Line colours, one per server in the order of [`SERVERS`], told apart in print too.
const COLORS: [plotters::style::RGBColor; 4] = [
    plotters::style::RGBColor(214, 39, 40),
    plotters::style::RGBColor(44, 160, 44),
    plotters::style::RGBColor(148, 103, 189),
    plotters::style::RGBColor(31, 119, 180),
];

/// Draws `latency.svg` (p50 and p99 against the offered load, one line per server) and
/// `delivered.svg` (deliveries per second against the offered load) into `dir`.
fn plot(dir: &Path, rows: &[Row]) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    // (colour, server, points), for the servers that have points.
    let series = |pick: Pick| -> Vec<Line> {
        SERVERS
            .iter()
            .enumerate()
            .map(|(index, kind)| {
                let points = rows
                    .iter()
                    .filter(|r| r.server == kind.name && r.offered_per_sec > 0.0)
                    .filter(|r| !r.scenario.starts_with("slow") && !r.scenario.starts_with("scale"))
                    .filter(|r| r.coalesce_ms.is_none())
                    .map(|r| (r.offered_per_sec, pick(r).max(0.1)))
                    .collect();
                (index, kind.name, points)
            })
            .filter(|(_, _, points): &(_, _, Vec<_>)| !points.is_empty())
            .collect()
    };
    let offered = rows
        .iter()
        .filter(|r| r.coalesce_ms.is_none() && !r.scenario.starts_with("scale"))
        .map(|r| r.offered_per_sec)
        .filter(|o| *o > 0.0);
    let (low, high) = offered.fold((f64::MAX, 0.0f64), |(lo, hi), o| (lo.min(o), hi.max(o)));
    if high <= low {
        return Ok(()); // fewer than two loads: nothing to draw
    }
    let x_range = (low / 1.5)..(high * 1.5);
    let panels: [(&str, &str, Pick); 3] = [
        ("latency p50", "ms", |r| r.p50_ms),
        ("latency p99", "ms", |r| r.p99_ms),
        ("delivered", "deliveries/s", |r| r.delivered_per_sec),
    ];
    let latency_path = dir.join("latency.svg");
    let delivered_path = dir.join("delivered.svg");
    let latency = SVGBackend::new(&latency_path, (960, 420)).into_drawing_area();
    let delivered = SVGBackend::new(&delivered_path, (480, 420)).into_drawing_area();
    latency.fill(&WHITE)?;
    delivered.fill(&WHITE)?;
    let mut areas = latency.split_evenly((1, 2));
    areas.push(delivered.clone());
    for (area, (title, unit, pick)) in areas.iter().zip(panels) {
        let lines = series(pick);
        let top = lines
            .iter()
            .flat_map(|(_, _, points)| points.iter().map(|p| p.1))
            .fold(1.0f64, f64::max);
        let bottom = lines
            .iter()
            .flat_map(|(_, _, points)| points.iter().map(|p| p.1))
            .fold(top, f64::min);
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(
                x_range.clone().log_scale(),
                ((bottom / 1.5)..(top * 1.5)).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_desc("offered deliveries/s")
            .y_desc(unit)
            .x_label_formatter(&|x| format!("{:.0}k", x / 1000.0))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .light_line_style(WHITE)
            .draw()?;
        for (index, name, points) in lines {
            let color = COLORS[index % COLORS.len()];
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3))
                });
            chart.draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 3, color.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
    }
    latency.present()?;
    delivered.present()?;
    Ok(())
}

/// Draws `coalesce.svg`: CPU per delivery and latency against the final server's
/// `--coalesce`, from the `coalesce` scenario's rows (none: nothing drawn).
fn plot_coalesce(dir: &Path, rows: &[Row]) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    let points: Vec<(f64, &Row)> = rows
        .iter()
        .filter_map(|r| r.coalesce_ms.map(|ms| (ms as f64, r)))
        .collect();
    if points.len() < 2 {
        return Ok(());
    }
    let widest = points.iter().map(|p| p.0).fold(1.0, f64::max);
    let path = dir.join("coalesce.svg");
    let root = SVGBackend::new(&path, (960, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((1, 2));
    let panels: [(&str, &str, Vec<Named>); 2] = [
        (
            "server CPU per delivery",
            "µs",
            vec![("CPU µs/delivery", |r| r.cpu_us_per_delivery.unwrap_or(0.0))],
        ),
        (
            "latency",
            "ms",
            vec![("p50", |r| r.p50_ms), ("p99", |r| r.p99_ms)],
        ),
    ];
    for (area, (title, unit, lines)) in areas.iter().zip(panels) {
        let top = lines
            .iter()
            .flat_map(|(_, pick)| points.iter().map(move |(_, r)| pick(r)))
            .fold(1.0f64, f64::max);
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..widest * 1.05, 0.0..top * 1.15)?;
        chart
            .configure_mesh()
            .x_desc("--coalesce (ms)")
            .y_desc(unit)
            .light_line_style(WHITE)
            .draw()?;
        for (index, (name, pick)) in lines.into_iter().enumerate() {
            let color = COLORS[index % COLORS.len()];
            let line: Vec<(f64, f64)> = points.iter().map(|(ms, r)| (*ms, pick(r))).collect();
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3))
                });
            chart.draw_series(line.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// The table's name for a run at `rate` messages per second.
fn scenario_name(rate: f64) -> &'static str {
    match rate as u64 {
        10 => "light",
        250 => "efficiency",
        1000 => "capacity",
        _ => "load",
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // The stage servers and the stage 5 load tool live in other packages: build them first,
    // with the profile this tool was built with (release for measurements; the CI smoke run
    // uses the debug build it already has).
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet"]);
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    build.args([
        "-p",
        "stage3-websockets",
        "-p",
        "stage4-architecture",
        "-p",
        "stage5-testing",
        "-p",
        "chat-server",
    ]);
    if !build.status().is_ok_and(|status| status.success()) {
        eprintln!("chat-bench: could not build the servers");
        return ExitCode::FAILURE;
    }
    let (clients, seconds, idle) = if args.quick {
        (200, 3, 500)
    } else {
        (1_000, 10, 15_000)
    };
    // Messages per second, all senders together; every one reaches every client.
    let rates: &[f64] = if args.quick {
        &[10.0, 100.0]
    } else {
        &[10.0, 100.0, 250.0, 500.0, 1000.0]
    };
    let wanted = |scenario: &str| args.scenario == "all" || args.scenario == scenario;
    let mut rows = Vec::new();
    // Scenarios that could not run (a server that would not start, a tool without a report).
    let mut broken = 0;
    for kind in SERVERS
        .iter()
        .filter(|kind| args.servers.iter().any(|s| s == kind.name))
    {
        for &rate in rates {
            let scenario = scenario_name(rate);
            if !(wanted(scenario) || args.scenario == "sweep") {
                continue;
            }
            let result = (|| {
                let server = start(kind, &[])?;
                let measured = load(kind, &server, clients, rate, seconds, 0)?;
                Ok::<_, String>(row(scenario, kind, &measured, rate * clients as f64))
            })();
            match result {
                Ok(row) => {
                    eprintln!(
                        "{} {} {:.0}/s: {:.0} delivered/s, {} lost, p50 {:.1} ms, p99 {:.1} ms",
                        row.scenario,
                        row.server,
                        row.offered_per_sec,
                        row.delivered_per_sec,
                        row.lost,
                        row.p50_ms,
                        row.p99_ms
                    );
                    rows.push(row);
                }
                Err(err) => {
                    eprintln!("{scenario} {}: {err}", kind.name);
                    broken += 1;
                }
            }
        }
        if wanted("slow") && kind.wire == Wire::Final {
            let slow = clients / 20; // 5 %
            let rate = 250.0;
            let result = (|| {
                let server = start(kind, &[])?;
                // Twice as long: the slow clients' socket buffers and queues must fill first.
                let measured = load(kind, &server, clients, rate, 2 * seconds, slow)?;
                let mut row = row("slow 5%", kind, &measured, rate * (clients - slow) as f64);
                row.closed_too_slow = metric(&server.addr, "chat_disconnects_total{code=\"4008\"");
                Ok::<_, String>(row)
            })();
            match result {
                Ok(row) => rows.push(row),
                Err(err) => {
                    eprintln!("slow {}: {err}", kind.name);
                    broken += 1;
                }
            }
        }
        if args.scenario == "coalesce" && kind.wire == Wire::Final {
            // The price of each write, traded against latency: the efficiency load with the
            // final server's --coalesce from 0 (every batch written at once) up.
            for ms in [0u64, 5, 10, 25, 50] {
                let rate = 250.0;
                let flag = ["--coalesce".to_owned(), format!("{ms}ms")];
                let result = (|| {
                    let server = start(kind, &flag)?;
                    let measured = load(kind, &server, clients, rate, seconds, 0)?;
                    let mut row = row(
                        &format!("coalesce {ms}ms"),
                        kind,
                        &measured,
                        rate * clients as f64,
                    );
                    row.coalesce_ms = Some(ms);
                    Ok::<_, String>(row)
                })();
                match result {
                    Ok(row) => rows.push(row),
                    Err(err) => {
                        eprintln!("coalesce {ms}ms: {err}");
                        broken += 1;
                    }
                }
            }
        }
        if args.scenario == "scale" && kind.wire == Wire::Final {
            // The cost of the Redis hop: one instance alone, one with Redis, three with Redis
            // (all on CPU 0 with Redis itself; clients spread over the instances).
            for instances in [0usize, 1, 3] {
                for rate in [10.0, 250.0, 1000.0] {
                    let result = (|| {
                        let redis = (instances > 0).then(RedisProcess::start).transpose()?;
                        let extra = redis
                            .as_ref()
                            .map(|redis| vec!["--redis-url".to_owned(), redis.url()])
                            .unwrap_or_default();
                        let servers = (0..instances.max(1))
                            .map(|_| start(kind, &extra))
                            .collect::<Result<Vec<_>, _>>()?;
                        let urls: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();
                        let mut pids: Vec<u32> = servers.iter().map(|s| s.child.id()).collect();
                        pids.extend(redis.as_ref().map(|redis| redis.child.id()));
                        let load = Load {
                            clients,
                            rate,
                            seconds,
                            slow: 0,
                        };
                        let measured = load_on(kind, &urls.join(","), pids, &load)?;
                        let name = match instances {
                            0 => "scale: 1 alone",
                            1 => "scale: 1 + Redis",
                            _ => "scale: 3 + Redis",
                        };
                        Ok::<_, String>(row(name, kind, &measured, rate * clients as f64))
                    })();
                    match result {
                        Ok(row) => {
                            eprintln!(
                                "{} {:.0}/s: {} lost, p50 {:.1} ms, p99 {:.1} ms",
                                row.scenario, row.offered_per_sec, row.lost, row.p50_ms, row.p99_ms
                            );
                            rows.push(row);
                        }
                        Err(err) => {
                            eprintln!("scale, {instances} instance(s): {err}");
                            broken += 1;
                        }
                    }
                }
            }
        }
        if wanted("memory") {
            let result = async {
                let server = start(kind, &[])?;
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
                    rss_mib: None,
                    rss_kib_per_connection: Some(per_connection),
                    closed_too_slow: None,
                    coalesce_ms: None,
                })
            }
            .await;
            match result {
                Ok(row) => rows.push(row),
                Err(err) => {
                    eprintln!("memory {}: {err}", kind.name);
                    broken += 1;
                }
            }
        }
    }
    let table = markdown(&rows);
    print!("{table}");
    if let Some(dir) = &args.out {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|m| m.trim().to_owned())
            });
        let machine = format!(
            "{} cores ({}); servers pinned to CPU 0, load generators to CPU 1; {} clients in one room, 10 senders, 100-byte texts, {} s per run ({} s for the slow run); {} idle connections for memory; {} build; {}.\n",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu.unwrap_or_else(|| "unknown CPU".into()),
            clients,
            seconds,
            2 * seconds,
            idle,
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            chrono::Utc::now().format("%Y-%m-%d")
        );
        let written = std::fs::create_dir_all(dir)
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
        if let Err(err) = plot(dir, &rows).and_then(|()| plot_coalesce(dir, &rows)) {
            eprintln!("chat-bench: cannot draw the charts: {err}");
            return ExitCode::FAILURE;
        }
    }
    // Light load must lose nothing, whatever the server; the final server never loses a
    // message it accepted, at any load (it closes a client too slow to take them instead).
    let lossy = rows.iter().filter(|row| {
        row.lost > 0
            && (row.scenario == "light" || row.server == "final")
            && !row.scenario.starts_with("slow")
    });
    let mut failed = broken > 0;
    if broken > 0 {
        eprintln!("chat-bench: {broken} scenario(s) could not run");
    }
    for row in lossy {
        eprintln!(
            "chat-bench: {} lost {} deliveries in the {} run",
            row.server, row.lost, row.scenario
        );
        failed = true;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

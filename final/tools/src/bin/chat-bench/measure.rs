//! Measuring a server under load: runs a load tool from CPU 1 against it and reads the
//! server's CPU time and memory from `/proc` at the moments the tool announces; and the two
//! measurements that need no load tool, idle memory and a counter from `/metrics`.
//!
//! Final server — book chapter "Performance", section "How it is measured".

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use chat_tools::proc::{cpu_us, rss_kib};
use futures_util::{SinkExt, StreamExt, stream};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::servers::{Running, ServerKind, Wire, bin_dir, pinned};

/// What one run of a load tool measured.
pub(crate) struct Measured {
    /// The load tool's JSON report.
    pub(crate) report: Value,
    /// The server's CPU time from the end of the warm-up (the tool's `sending` line: every
    /// client connected and joined) to the last delivery (its `done` line, printed before any
    /// connection closes).
    pub(crate) cpu_us: Option<u64>,
    /// The server's resident memory at the last delivery, in KiB.
    pub(crate) rss_kib: Option<u64>,
}

/// The load a run puts on the servers.
pub(crate) struct Load {
    /// Clients.
    pub(crate) clients: usize,
    /// Rooms they spread over (client i joins room i mod rooms).
    pub(crate) rooms: usize,
    /// How many of the clients send (spread over the rooms the same way).
    pub(crate) senders: usize,
    /// Messages per second, all senders together.
    pub(crate) rate: f64,
    /// How long the senders send.
    pub(crate) seconds: u64,
    /// How many of the clients never read.
    pub(crate) slow: usize,
}

/// Runs the load tool for `kind` from CPU 1 against one server and measures it.
pub(crate) fn load(
    kind: &ServerKind,
    server: &Running,
    clients: usize,
    rate: f64,
    seconds: u64,
    slow: usize,
) -> Result<Measured, String> {
    let load = Load {
        clients,
        rooms: 1,
        senders: 10,
        rate,
        seconds,
        slow,
    };
    load_on(kind, &server.url, vec![server.pid()], &load)
}

/// Runs the load tool against `urls` (comma-separated: several instances) and measures the
/// processes `pids` (the servers, and Redis when there is one) together.
pub(crate) fn load_on(
    kind: &ServerKind,
    urls: &str,
    pids: Vec<u32>,
    load: &Load,
) -> Result<Measured, String> {
    let Load {
        clients,
        rooms,
        senders,
        rate,
        seconds,
        slow,
    } = *load;
    // The stage tool and the final one were written apart and differ in name and flags.
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
        &senders.to_string(),
    ]);
    if rooms > 1 {
        // Only the final server's tool spreads clients over rooms; the stage tools use one.
        command.args(["--rooms", &rooms.to_string()]);
    }
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

/// Opens `count` connections and holds them idle; returns the server's RSS growth per connection.
pub(crate) async fn idle_memory(
    kind: &ServerKind,
    server: &Running,
    count: usize,
) -> Result<f64, String> {
    let pid = server.pid();
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
                // The final server closes a connection that says no hello within its hello
                // timeout, and an idle user is one that has said it: measure that.
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

/// What a connection storm measured.
pub(crate) struct Storm {
    /// Seconds until every client was in (or failed).
    pub(crate) seconds: f64,
    /// How many failed.
    pub(crate) failed: u64,
    /// The server's CPU time over those seconds, in microseconds (user + system).
    pub(crate) server_cpu_us: Option<u64>,
}

/// A connection storm against the final server: `count` clients connect, `in_flight` at a
/// time, each says hello and joins one of 100 rooms.
pub(crate) async fn storm(
    server: &Running,
    count: usize,
    in_flight: usize,
) -> Result<Storm, String> {
    let url = server.url.clone();
    let cpu_before = cpu_us(server.pid());
    let started = std::time::Instant::now();
    let outcomes: Vec<Result<_, String>> = stream::iter(0..count)
        .map(|index| {
            let url = url.clone();
            async move {
                let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
                    .await
                    .map_err(|err| err.to_string())?;
                let room = format!("room{}", index % 100);
                chat_tools::stress::enter(socket, &format!("storm{index}"), &room).await
            }
        })
        .buffer_unordered(in_flight)
        .collect()
        .await;
    let seconds = started.elapsed().as_secs_f64();
    let server_cpu_us = cpu_before
        .zip(cpu_us(server.pid()))
        .map(|(before, after)| after.saturating_sub(before));
    let failed = outcomes.iter().filter(|outcome| outcome.is_err()).count() as u64;
    if let Some(Err(first)) = outcomes.iter().find(|outcome| outcome.is_err()) {
        eprintln!("storm: {failed} failed; the first: {first}");
    }
    drop(outcomes);
    Ok(Storm {
        seconds,
        failed,
        server_cpu_us,
    })
}

/// The server's resident memory now, in MiB.
pub(crate) fn rss_mib(server: &Running) -> Option<f64> {
    rss_kib(server.pid()).map(|kib| kib as f64 / 1024.0)
}

/// One value from the final server's `/metrics` page (a plain HTTP/1.0 GET, no client needed).
pub(crate) fn metric(addr: &str, line_start: &str) -> Option<u64> {
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

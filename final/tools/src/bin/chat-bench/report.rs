//! The results, written down: one [`Row`] per scenario and server, printed as a Markdown table
//! and, with `--out`, saved as `table.md`, `table.json` and a line about the machine
//! (`machine.md`), which the book includes as they are.
//!
//! Final server — book chapter "Performance", sections "How it is measured" and "The table".

use std::path::Path;

use serde::Serialize;

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    /// The scenario's name in the table (`light`, `slow 5%`, `coalesce 10ms`, …).
    pub(crate) scenario: String,
    /// The server's name (`stage3` … `final`).
    pub(crate) server: String,
    /// Deliveries per second the load asked for: messages per second × readers.
    pub(crate) offered_per_sec: f64,
    /// Deliveries per second that arrived.
    pub(crate) delivered_per_sec: f64,
    /// Deliveries that never arrived.
    pub(crate) lost: u64,
    /// Median latency, from the intended send time.
    pub(crate) p50_ms: f64,
    /// 99th percentile latency.
    pub(crate) p99_ms: f64,
    /// 99.9th percentile latency.
    pub(crate) p999_ms: f64,
    /// The server's CPU time (user + system) per delivery.
    pub(crate) cpu_us_per_delivery: Option<f64>,
    /// The server's resident memory when the last message arrived, in MiB.
    pub(crate) rss_mib: Option<f64>,
    /// The memory scenario's growth of resident memory per idle connection.
    pub(crate) rss_kib_per_connection: Option<f64>,
    /// Connections the final server closed as too slow (code 4008), from its `/metrics`.
    pub(crate) closed_too_slow: Option<u64>,
    /// The final server's `--coalesce`, in milliseconds, when the run set it.
    pub(crate) coalesce_ms: Option<u64>,
    /// Room messages the final server's store committed per second of sending (the store
    /// scenario).
    pub(crate) stored_per_sec: Option<f64>,
    /// The storm scenario: seconds from the first connection to the last client welcomed and
    /// in its room.
    pub(crate) all_in_seconds: Option<f64>,
}

/// The rows as a Markdown table. The optional columns (CPU, RSS, memory per connection, 4008)
/// are left blank where a scenario does not measure them; the others always have a figure.
pub(crate) fn markdown(rows: &[Row]) -> String {
    let mut table = String::from(
        "| scenario | server | offered/s | delivered/s | lost | p50 ms | p99 ms | p99.9 ms | CPU µs/delivery | RSS MiB | KiB/idle connection | closed 4008 | stored/s | all in, s |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let opt = |value: Option<f64>, digits: usize| {
        value.map_or_else(|| "".to_owned(), |v| format!("{v:.digits$}"))
    };
    for r in rows {
        table.push_str(&format!(
            "| {} | {} | {:.0} | {:.0} | {} | {:.1} | {:.1} | {:.1} | {} | {} | {} | {} | {} | {} |\n",
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
            opt(r.stored_per_sec, 0),
            opt(r.all_in_seconds, 2),
        ));
    }
    table
}

/// One line about the machine and the run's sizes, so that a reader of the table knows what
/// its figures were measured on.
pub(crate) fn machine(clients: usize, seconds: u64, idle: usize) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        });
    format!(
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
    )
}

/// Writes `table.md`, `machine.md` and `table.json` into `dir`, creating it if needed.
pub(crate) fn write(dir: &Path, table: &str, machine: &str, rows: &[Row]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(dir.join("table.md"), table))
        .and_then(|()| std::fs::write(dir.join("machine.md"), machine))
        .and_then(|()| {
            std::fs::write(
                dir.join("table.json"),
                serde_json::to_string_pretty(rows).unwrap_or_default(),
            )
        })
}

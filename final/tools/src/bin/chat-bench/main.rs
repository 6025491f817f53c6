//! `chat-bench` — the performance goals, measured: starts each server under test (stage 3,
//! stage 4, the stage 5 optimised server, the final server) pinned to CPU 0, runs the load
//! scenarios from CPU 1, and prints one table.
//!
//! Final server — book chapter "Performance" (and "Scaling out", section "The cost of the
//! hop", for the `scale` scenario).
//!
//! ```text
//! cargo run --release -p chat-tools --bin chat-bench -- all --out target/bench
//! cargo run --release -p chat-tools --bin chat-bench -- all --quick     # a shorter smoke run
//! ```
//!
//! Per scenario and server: deliveries per second, deliveries lost, latency percentiles (from
//! the intended send time, measured at every recipient), the server's CPU time per delivery
//! (user + system, from `/proc/<pid>/stat`), and for the memory scenario, resident memory per
//! idle connection. It needs Linux (`/proc`, `taskset`) and builds the servers and load tools first.
//!
//! # The modules, and which way they depend
//!
//! ```text
//! main      ──▶ scenarios, report, plot, servers
//! scenarios ──▶ measure, report, servers
//! measure   ──▶ servers
//! plot      ──▶ report
//! report, servers: nothing of this program
//! ```
//!
//! Each arrow means "uses"; nothing uses a module that uses it back (the workspace's
//! `tests/imports.rs` checks it). [`servers`] starts and stops processes and knows nothing of
//! measuring; [`measure`] runs a load tool against them and reads `/proc`; [`scenarios`] is
//! what a run is made of, and turns measurements into the table's rows; [`report`] (the rows,
//! the table and its files) and [`plot`] (the charts) see rows only. This file reads the
//! command line, builds what is needed, runs the scenarios for each server chosen, writes the
//! results and decides the exit code.

mod measure;
mod plot;
mod report;
mod scenarios;
mod servers;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use clap::Parser;

use scenarios::{Plan, Results};
use servers::SERVERS;

/// Runs the performance scenarios against every server and prints one table.
#[derive(Debug, Parser)]
#[command(name = "chat-bench", version)]
struct Args {
    /// `all`, or one scenario: light, efficiency, capacity, sweep (every load), slow, memory,
    /// store (final server only: the light and capacity loads and many rooms, without a
    /// store, with --durability batch and immediate), storm (final server only: 10,000
    /// clients connect, say hello and join at once), rooms (final server only: 1,000 rooms of
    /// 10 and 10 rooms of 1,000, every client sending);
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

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if !build_programs() {
        eprintln!("chat-bench: could not build the servers");
        return ExitCode::FAILURE;
    }
    let plan = Plan::new(args.quick);
    let mut results = Results::default();
    for kind in SERVERS
        .iter()
        .filter(|kind| args.servers.iter().any(|s| s == kind.name))
    {
        scenarios::run(kind, &args.scenario, &plan, &mut results).await;
    }
    let table = report::markdown(&results.rows);
    print!("{table}");
    if let Some(dir) = &args.out {
        let machine = report::machine(plan.clients, plan.seconds, plan.idle);
        if let Err(err) = report::write(dir, &table, &machine, &results.rows) {
            eprintln!("chat-bench: cannot write {}: {err}", dir.display());
            return ExitCode::FAILURE;
        }
        let names = SERVERS.map(|kind| kind.name);
        let drawn = plot::load_charts(dir, &results.rows, &names)
            .and_then(|()| plot::coalesce_chart(dir, &results.rows));
        if let Err(err) = drawn {
            eprintln!("chat-bench: cannot draw the charts: {err}");
            return ExitCode::FAILURE;
        }
    }
    verdict(&results)
}

/// Builds the servers and load tools this program starts. They live in other packages, and
/// `chat-stress` in this one is a binary of its own, which `cargo run --bin chat-bench` does not
/// build. The profile is the one this tool was built with: release for measurements; the CI
/// smoke run uses the debug build it already has.
fn build_programs() -> bool {
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
        "-p",
        "chat-tools",
    ]);
    build.status().is_ok_and(|status| status.success())
}

/// Success unless a scenario could not run or a delivery was lost where none may be: light
/// load must lose nothing, whatever the server; the final server never loses a message it
/// accepted, at any load (it closes a client too slow to take them instead).
fn verdict(results: &Results) -> ExitCode {
    let lossy = results.rows.iter().filter(|row| {
        row.lost > 0
            && (row.scenario == "light" || row.server == "final")
            && !row.scenario.starts_with("slow")
    });
    let mut failed = results.broken > 0;
    if results.broken > 0 {
        eprintln!("chat-bench: {} scenario(s) could not run", results.broken);
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

//! `stress` — puts a running chat server under load and reports what it measured.
//!
//! Stage 5 — Testing and performance, book chapter 5, section "Stress testing".
//! Run it with `--release`: in a debug build the load generator itself is the bottleneck.
//!
//! ```text
//! cargo run --release -p stage5-testing --bin stress -- --url ws://127.0.0.1:8080 \
//!     --clients 1000 --senders 10 --rate 100 --duration 10
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use stage5_testing::stress::{self, Progress, Report, StressConfig};

/// Puts a chat server (stage 3, stage 4 or later) under load: N clients connect, some of them
/// send at a fixed rate, and every client measures the latency of every message it receives.
#[derive(Debug, Parser)]
#[command(name = "stress", version, about)]
struct Args {
    /// The server's WebSocket URL.
    #[arg(long, default_value = "ws://127.0.0.1:8080", env = "STRESS_URL")]
    url: String,
    /// How many clients connect; every one of them receives every message.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// How many of the clients send.
    #[arg(long, default_value_t = 10)]
    senders: usize,
    /// Messages per second, all senders together (open loop: the schedule is kept whatever the
    /// server does).
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// How long to send, in seconds.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Length of each message's text, in bytes.
    #[arg(long, default_value_t = 100)]
    message_bytes: usize,
    /// How long to wait for late messages after sending stops, in seconds.
    #[arg(long, default_value_t = 2.0)]
    drain: f64,
    /// Print the report as JSON (for scripts and the book's tables).
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let seconds = |value: f64, name: &str| {
        Duration::try_from_secs_f64(value)
            .map_err(|_| format!("--{name} must be a number of seconds, not {value}"))
    };
    let (duration, drain) = match (
        seconds(args.duration, "duration"),
        seconds(args.drain, "drain"),
    ) {
        (Ok(duration), Ok(drain)) => (duration, drain),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("stress: {err}");
            return ExitCode::FAILURE;
        }
    };
    let config = StressConfig {
        url: args.url.clone(),
        clients: args.clients,
        senders: args.senders,
        rate: args.rate,
        duration,
        message_bytes: args.message_bytes,
        drain,
    };
    let progress = Arc::new(Progress {
        announce: args.json,
        ..Progress::default()
    });
    let bar = (!args.quiet && !args.json).then(|| show_progress(&config, Arc::clone(&progress)));
    let result = stress::run(&config, progress).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(report) if args.json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
            exit_code(&report)
        }
        Ok(report) => {
            print_table(&args, &report);
            exit_code(&report)
        }
        Err(err) => {
            eprintln!("stress: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Success only if nothing was lost.
fn exit_code(report: &Report) -> ExitCode {
    if report.lost == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn show_progress(config: &StressConfig, progress: Arc<Progress>) -> ProgressBar {
    let expected =
        (config.rate * config.duration.as_secs_f64()).round() as u64 * config.clients as u64;
    let bar = ProgressBar::new(expected.max(1));
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} deliveries  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let ticker = bar.clone();
    let clients = config.clients as u64;
    tokio::spawn(async move {
        loop {
            ticker.set_position(progress.delivered.load(Ordering::Relaxed));
            let connected = progress.connected.load(Ordering::Relaxed);
            let sent = progress.sent.load(Ordering::Relaxed);
            ticker.set_message(format!("connected {connected}/{clients}, sent {sent}"));
            if ticker.is_finished() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    bar
}

fn print_table(args: &Args, report: &Report) {
    let ms = |micros: u64| micros as f64 / 1000.0;
    println!("target        {}", args.url);
    println!(
        "clients       {} ({} sending, {} msg/s in all, {} s)",
        report.clients, report.senders, args.rate, args.duration
    );
    println!("sent          {}", report.sent);
    println!(
        "delivered     {} of {} expected",
        report.delivered, report.expected
    );
    println!("lost          {}", report.lost);
    println!("delivered/s   {:.0}", report.delivered_per_sec);
    println!(
        "latency       p50 {:.2} ms   p99 {:.2} ms   p99.9 {:.2} ms   max {:.2} ms",
        ms(report.latency.p50_us),
        ms(report.latency.p99_us),
        ms(report.latency.p999_us),
        ms(report.latency.max_us)
    );
    if report.disconnected > 0 {
        println!(
            "disconnected  {} client(s) were closed by the server",
            report.disconnected
        );
    }
}

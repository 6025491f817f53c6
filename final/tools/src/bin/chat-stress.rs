//! `chat-stress` — puts a running `chat-server` under load and reports what it measured.
//!
//! Final server — book chapter "Running the server", section "The load tool".
//!
//! Run it, and the server, with `--release`; start the server with limits that let a load test
//! through, for example:
//!
//! ```text
//! cargo run --release -p chat-server -- --max-connections-per-ip 0 --rate 1000 --rate-burst 1000
//! cargo run --release -p chat-tools --bin chat-stress -- --clients 1000 --rooms 10 --senders 10 --rate 100
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chat_server::cli::parse_duration;
use chat_tools::stress::{self, LoadConfig, LoadReport};
use clap::Parser;
use stage5_testing::stress::Progress;

/// Load generator for chat-server: N clients over R rooms, open-loop senders, latency measured
/// at every recipient from each message's intended send time.
#[derive(Debug, Parser)]
#[command(name = "chat-stress", version)]
struct Args {
    /// The server's WebSocket URL; or several instances' URLs, separated by commas (client i
    /// connects to the (i mod n)-th).
    #[arg(long, env = "CHAT_URL", default_value = "ws://127.0.0.1:8080/ws")]
    url: String,
    /// How many clients connect.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Over how many rooms the clients spread (client i joins room i mod ROOMS).
    #[arg(long, default_value_t = 1)]
    rooms: usize,
    /// How many of the clients send.
    #[arg(long, default_value_t = 10)]
    senders: usize,
    /// How many clients never read (slow consumers; the server should close them with 4008).
    #[arg(long, default_value_t = 0)]
    slow: usize,
    /// Messages per second, all senders together.
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// How long to send (e.g. 10s).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Length of each message's text, in bytes.
    #[arg(long, default_value_t = 100)]
    message_bytes: usize,
    /// How long to wait for late messages after sending stops.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    drain: Duration,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = LoadConfig {
        url: args.url.clone(),
        clients: args.clients,
        rooms: args.rooms,
        senders: args.senders,
        slow: args.slow,
        rate: args.rate,
        duration: args.duration,
        message_bytes: args.message_bytes,
        drain: args.drain,
    };
    let progress = Arc::new(Progress {
        announce: args.json,
        ..Progress::default()
    });
    match stress::run(&config, progress).await {
        Ok(report) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                print_report(&report);
            }
            if report.lost == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!("chat-stress: {err}");
            if err.to_string().contains("429") || err.to_string().contains("rate_limited") {
                eprintln!(
                    "chat-stress: start the server with --max-connections-per-ip 0 --rate 1000 --rate-burst 1000"
                );
            }
            ExitCode::FAILURE
        }
    }
}

fn print_report(report: &LoadReport) {
    let latency = &report.latency;
    println!(
        "clients {} in {} room(s), {} sending",
        report.clients, report.rooms, report.senders
    );
    println!(
        "sent {} messages; {} of {} deliveries arrived, {} lost",
        report.sent, report.delivered, report.expected, report.lost
    );
    println!("{:.0} deliveries/s", report.delivered_per_sec);
    println!(
        "latency p50 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, max {:.1} ms",
        latency.p50_us as f64 / 1000.0,
        latency.p99_us as f64 / 1000.0,
        latency.p999_us as f64 / 1000.0,
        latency.max_us as f64 / 1000.0
    );
    if !report.errors.is_empty() {
        println!(
            "errors from the server: {:?} (rate_limited? raise the server's --rate)",
            report.errors
        );
    }
    if report.disconnected > 0 {
        println!(
            "{} client(s) were disconnected by the server",
            report.disconnected
        );
    }
}

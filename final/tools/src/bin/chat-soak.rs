//! `chat-soak` — a long mixed load against a running `chat-server`, with clients restarting,
//! reporting the server's memory over time and every lost message.
//!
//! Final server — book chapter "Security", section "Soak".
//!
//! ```text
//! cargo run --release -p chat-server -- --max-connections-per-ip 0 --rate 1000 --rate-burst 1000 &
//! cargo run --release -p chat-tools --bin chat-soak -- --pid $(pgrep -n chat-server)
//! ```

use std::process::ExitCode;
use std::time::Duration;

use chat_server::cli::parse_duration;
use chat_tools::soak::{self, SoakConfig};
use clap::Parser;

/// Soak test for chat-server: senders at a steady rate, receivers that leave and come back with
/// `since`, the server's memory sampled over time; fails if any message was lost or repeated.
#[derive(Debug, Parser)]
#[command(name = "chat-soak", version)]
struct Args {
    /// The server's WebSocket URL.
    #[arg(long, env = "CHAT_URL", default_value = "ws://127.0.0.1:8080/ws")]
    url: String,
    /// Receivers (they restart at random).
    #[arg(long, default_value_t = 200)]
    clients: usize,
    /// Rooms.
    #[arg(long, default_value_t = 5)]
    rooms: usize,
    /// Senders (they stay connected).
    #[arg(long, default_value_t = 10)]
    senders: usize,
    /// Messages per second, all senders together.
    #[arg(long, default_value_t = 50.0)]
    rate: f64,
    /// How long to run.
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    duration: Duration,
    /// How often each receiver considers restarting.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    restart_every: Duration,
    /// The chance that it does, each time.
    #[arg(long, default_value_t = 0.2)]
    restart_chance: f64,
    /// How often to sample memory and print a line.
    #[arg(long, default_value = "1m", value_parser = parse_duration)]
    sample_every: Duration,
    /// The server's process id, to sample its memory (e.g. `$(pgrep -n chat-server)`).
    #[arg(long)]
    pid: Option<u32>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = SoakConfig {
        url: args.url,
        clients: args.clients,
        rooms: args.rooms,
        senders: args.senders,
        rate: args.rate,
        duration: args.duration,
        restart_every: args.restart_every,
        restart_chance: args.restart_chance,
        sample_every: args.sample_every,
        pid: args.pid,
    };
    if !args.json {
        println!(
            "{:>8} {:>12} {:>10} {:>12} {:>9}",
            "seconds", "server KiB", "sent", "received", "restarts"
        );
    }
    let print = |sample: &soak::Sample| {
        if !args.json {
            let rss = sample
                .rss_kib
                .map_or_else(|| "-".to_owned(), |kib| kib.to_string());
            println!(
                "{:>8} {:>12} {:>10} {:>12} {:>9}",
                sample.seconds, rss, sample.sent, sample.received, sample.restarts
            );
        }
    };
    match soak::run(&config, print).await {
        Ok(report) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                println!(
                    "sent {}, received {} (all receivers), lost {}, repeated {}, restarts {}, truncated rejoins {}",
                    report.sent,
                    report.received,
                    report.lost,
                    report.repeated,
                    report.restarts,
                    report.truncated
                );
            }
            if report.lost == 0 && report.repeated == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!("chat-soak: {err}");
            ExitCode::FAILURE
        }
    }
}

//! `chat-server` — the final chat server of the Rust Chat Roadmap. Book: "Running the server".
//!
//! `cargo run --release -p chat-server -- --help` lists every option. Logs go to stderr
//! (`RUST_LOG=debug` for more); the first line on stdout says where it listens. Ctrl-C or
//! SIGTERM shuts it down gracefully: clients get close code 1001, and it exits with status 0.

use std::io::IsTerminal;
use std::process::ExitCode;

use chat_server::Server;
use chat_server::cli::Cli;
use clap::Parser;
use stage4_architecture::server::shutdown_signal;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let config = match cli.config() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("chat-server: {err}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(cli.listen).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("chat-server: cannot listen on {}: {err}", cli.listen);
            return ExitCode::FAILURE;
        }
    };
    // Opens the message store (or connects to Redis): its errors say what to do.
    let server = match Server::from_listener(listener, config).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("chat-server: {err}");
            return ExitCode::FAILURE;
        }
    };
    match server.local_addr() {
        Ok(addr) => {
            println!("chat-server listening on ws://{addr}/ws (web client: http://{addr}/)")
        }
        Err(err) => eprintln!("chat-server: listening, but the address is unknown: {err}"),
    }
    let report = server.run_until(shutdown_signal()).await;
    println!(
        "chat-server stopped: {} connection(s) closed, all in time: {}",
        report.connections, report.drained
    );
    ExitCode::SUCCESS
}

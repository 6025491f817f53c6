//! `stage4-server [ADDRESS]` — the stage 4 chat server. Book: chapter 4.
//!
//! Like stage 3's, plus: logs with `tracing` (set `RUST_LOG=debug` for more), disconnects clients
//! that cannot keep up (close code 4008), and on Ctrl-C or SIGTERM shuts down gracefully: it stops
//! accepting, tells every client it is going away (1001), and waits up to 5 seconds for them.

use std::process::ExitCode;

use stage3_websockets::server::listen_address;
use std::sync::Arc;

use stage4_architecture::server::shutdown_signal;
use stage4_architecture::{LogObserver, Observers, Server, ServerBuilder};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let Some(addr) = listen_address("usage: stage4-server [ADDRESS]   (default 127.0.0.1:8080)")
    else {
        return ExitCode::SUCCESS;
    };
    let config = match ServerBuilder::new().addr(addr).build() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("stage4-server: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut observers = Observers::new();
    observers.add(Arc::new(LogObserver));
    let server = match Server::bind(config.clone(), observers).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("stage4-server: cannot listen on {}: {err}", config.addr);
            return ExitCode::FAILURE;
        }
    };
    match server.local_addr() {
        Ok(bound) => println!("stage 4 chat server listening on ws://{bound}"),
        Err(err) => eprintln!("listening, but the address is unknown: {err}"),
    }
    let report = server.run(shutdown_signal()).await;
    println!(
        "stopped: {} connection(s) were open; all closed in time: {}",
        report.open_connections, report.closed_in_time
    );
    ExitCode::SUCCESS
}

//! `stage4-client USERNAME [URL]` — the reconnecting terminal client. Book: chapter 4.
//!
//! Like stage 3's, but a lost connection is not the end: it reconnects with backoff and sends
//! what you typed meanwhile. Ctrl-D quits.

use std::process::ExitCode;

use stage3_websockets::client::DEFAULT_URL;
use stage4_architecture::terminal::{self, ClientEnd, ClientOptions};

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(username) = args.next().filter(|arg| arg != "-h" && arg != "--help") else {
        eprintln!("usage: stage4-client USERNAME [URL]   (default URL {DEFAULT_URL})");
        return ExitCode::FAILURE;
    };
    let url = args.next().unwrap_or_else(|| DEFAULT_URL.to_owned());

    let typed = terminal::stdin_lines();
    let (screen, printer) = terminal::stdout_printer();

    let end = terminal::run(ClientOptions::new(url, username), typed, screen).await;
    let _ = printer.await; // the screen channel closed when `run` returned: print what is left
    match end {
        ClientEnd::InputClosed => ExitCode::SUCCESS,
        ClientEnd::Refused { .. } => ExitCode::FAILURE,
    }
}

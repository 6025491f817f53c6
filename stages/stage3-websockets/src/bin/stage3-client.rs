//! `stage3-client USERNAME [URL]` — the stage 3 terminal chat client. Book: chapter 3.
//!
//! Connects to ws://127.0.0.1:8080 or the URL given, sends every line you type as USERNAME, and
//! prints what everyone says. Ctrl-D (end of input) leaves.

use std::process::ExitCode;

use stage3_websockets::client::{self, DEFAULT_URL};
use tokio::io::BufReader;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(username) = args.next().filter(|arg| arg != "-h" && arg != "--help") else {
        eprintln!("usage: stage3-client USERNAME [URL]   (default URL {DEFAULT_URL})");
        return ExitCode::FAILURE;
    };
    let url = args.next().unwrap_or_else(|| DEFAULT_URL.to_owned());
    let input = BufReader::new(tokio::io::stdin());
    match client::run(&url, &username, input, tokio::io::stdout()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("stage3-client: {err}");
            ExitCode::FAILURE
        }
    }
}

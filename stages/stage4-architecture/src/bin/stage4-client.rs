//! `stage4-client USERNAME [URL]` — the reconnecting terminal client. Book: chapter 4.
//!
//! Like stage 3's, but a lost connection is not the end: it reconnects with backoff and sends
//! what you typed meanwhile. Ctrl-D quits.

use std::process::ExitCode;

use stage3_websockets::client::DEFAULT_URL;
use stage4_architecture::terminal::{self, ClientEnd, ClientOptions};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(username) = args.next().filter(|arg| arg != "-h" && arg != "--help") else {
        eprintln!("usage: stage4-client USERNAME [URL]   (default URL {DEFAULT_URL})");
        return ExitCode::FAILURE;
    };
    let url = args.next().unwrap_or_else(|| DEFAULT_URL.to_owned());

    // Keyboard -> channel, in a task of its own so reading stdin never blocks the chat.
    let (keys, typed) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if keys.send(line).await.is_err() {
                break;
            }
        }
    });
    // Channel -> screen.
    let (screen, mut shown) = mpsc::channel::<String>(64);
    let printer = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(line) = shown.recv().await {
            let written = stdout.write_all(format!("{line}\n").as_bytes()).await;
            if written.and(stdout.flush().await).is_err() {
                break;
            }
        }
    });

    let end = terminal::run(ClientOptions::new(url, username), typed, screen).await;
    let _ = printer.await; // the screen channel closed when `run` returned: print what is left
    match end {
        ClientEnd::InputClosed => ExitCode::SUCCESS,
        ClientEnd::Refused { .. } => ExitCode::FAILURE,
    }
}

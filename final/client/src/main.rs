//! `chat-client USERNAME` — the terminal client of the final server. Book: "Running the server".
//!
//! Joins `general` (or the `--room`s given), sends what you type to the current room, and
//! understands `/join`, `/leave`, `/room`, `/msg`, `/rooms`, `/more`, `/help` and `/quit`. When the
//! connection is lost it reconnects with backoff and catches up on every room with `since`.

use chat_client::{self as client, ClientEnd, ClientOptions};
use clap::Parser;
use stage4_architecture::terminal::{stdin_lines, stdout_printer};

/// A terminal chat client for chat-server.
#[derive(Debug, Parser)]
#[command(name = "chat-client", version, after_help = client::HELP)]
struct Args {
    /// The name to chat under.
    username: String,
    /// The server's WebSocket URL.
    #[arg(long, env = "CHAT_URL", default_value = "ws://127.0.0.1:8080/ws")]
    url: String,
    /// A room to join at the start (repeat for more; the first is the current room).
    #[arg(long = "room", default_value = "general")]
    rooms: Vec<String>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let (screen, printer) = stdout_printer();
    let options = ClientOptions::new(args.url, args.username, args.rooms);
    let end = client::run(options, stdin_lines(), screen).await;
    let _ = printer.await; // print what is left
    // Exit now rather than return: the runtime would wait for the blocking read of stdin, which
    // only ends when a line or Ctrl-D comes.
    std::process::exit(match end {
        ClientEnd::Quit => 0,
        ClientEnd::Refused(_) => 1,
    })
}

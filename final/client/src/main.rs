//! `chat-client USERNAME`, `chat-client --login NAME` or `chat-client --token TOKEN` — the
//! terminal client of the final server. Book: "Running the server" (and "Accounts and tokens").
//!
//! Joins `general` (or the `--room`s given), sends what you type to the current room, and
//! understands `/join`, `/leave`, `/room`, `/msg`, `/rooms`, `/more`, `/help` and `/quit`. When the
//! connection is lost it reconnects with backoff and catches up on every room with `since`.

use chat_client::{self as client, ClientEnd, ClientOptions, account};
use clap::Parser;
use stage4_architecture::terminal::{stdin_lines, stdout_printer};

/// A terminal chat client for chat-server.
#[derive(Debug, Parser)]
#[command(name = "chat-client", version, after_help = client::HELP)]
struct Args {
    /// The name to chat under, as a guest (not with --login or --token).
    #[arg(required_unless_present_any = ["login", "token"], conflicts_with_all = ["login", "token"])]
    username: Option<String>,
    /// Sign in to this account: the password is asked for without echo (or read from the first
    /// line of standard input when it is not a terminal).
    #[arg(long, conflicts_with = "token")]
    login: Option<String>,
    /// Say hello with this token, from /api/login (the name is the token's). Prefer the
    /// CHAT_TOKEN variable: a command line is visible to other users of the machine (`ps`).
    #[arg(long, env = "CHAT_TOKEN", hide_env_values = true)]
    token: Option<String>,
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
    let (username, token) = match (args.username, args.login, args.token) {
        (_, Some(name), _) => {
            let signed = match account::read_password(&name) {
                Ok(password) => account::sign_in(&args.url, &name, &password).await,
                Err(err) => Err(err),
            };
            match signed {
                Ok(token) => (name, Some(token)),
                Err(err) => {
                    eprintln!("chat-client: {err}");
                    std::process::exit(1);
                }
            }
        }
        (_, None, Some(token)) => ("(signed in)".to_owned(), Some(token)),
        (Some(name), None, None) => (name, None),
        (None, None, None) => unreachable_args(),
    };
    let (screen, printer) = stdout_printer();
    let mut options = ClientOptions::new(args.url, username, args.rooms);
    options.token = token.map(chat_protocol::Secret::new);
    let end = client::run(options, stdin_lines(), screen).await;
    let _ = printer.await; // print what is left
    // Exit now rather than return: the runtime would wait for the blocking read of stdin, which
    // only ends when a line or Ctrl-D comes.
    std::process::exit(match end {
        ClientEnd::Quit => 0,
        ClientEnd::Refused(_) => 1,
    })
}

/// clap makes one of USERNAME, --login and --token required.
fn unreachable_args() -> ! {
    eprintln!("chat-client: give a USERNAME, --login NAME or --token TOKEN");
    std::process::exit(2)
}

//! A client that survives server restarts: reconnect with backoff, keep what was typed.
//!
//! Stage 4 — Architecture, book chapter 4, section "Reconnecting".
//!
//! Stage 3's client ended when the connection did. This one treats a lost connection as
//! temporary: it waits (see [`crate::backoff`]), connects again and carries on. Lines typed while
//! it is disconnected are kept (up to [`MAX_PENDING`]) and sent once it is back. It stops only when
//! its input ends (Ctrl-D) or when the server closes with a code that means "do not come back".
//!
//! It talks to the terminal through two channels, lines in and lines out, so tests can drive it
//! exactly as a person would, and the binary just connects those channels to stdin and stdout.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use stage3_websockets::client::render;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Frame;

use crate::backoff::{Backoff, random_u64};
use crate::message::{Incoming, may_reconnect};

/// How many lines typed while disconnected are kept; older ones are dropped beyond that.
pub const MAX_PENDING: usize = 100;

/// Where and who to be.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The server's URL, e.g. `ws://127.0.0.1:8080`.
    pub url: String,
    /// The name to chat under.
    pub username: String,
    /// The reconnect schedule.
    pub backoff: Backoff,
}

impl ClientOptions {
    /// Options with the default schedule: 100 ms doubling up to 5 s.
    pub fn new(url: impl Into<String>, username: impl Into<String>) -> ClientOptions {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        ClientOptions {
            url: url.into(),
            username: username.into(),
            backoff,
        }
    }
}

/// Why the client stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEnd {
    /// Its input ended: the user quit.
    InputClosed,
    /// The server closed with a code that means "do not reconnect".
    Refused {
        /// The close code.
        code: u16,
        /// The server's reason.
        reason: String,
    },
}

/// How one connected session ended.
enum Session {
    InputClosed,
    Lost(String),
    Refused { code: u16, reason: String },
}

// ANCHOR: run
/// Chats until the input ends or the server refuses us, reconnecting whenever the connection is
/// lost. `input` carries typed lines; everything to show is sent to `output`.
pub async fn run(
    mut options: ClientOptions,
    mut input: mpsc::Receiver<String>,
    output: mpsc::Sender<String>,
) -> ClientEnd {
    let mut pending = VecDeque::new();
    loop {
        match tokio_tungstenite::connect_async(&options.url).await {
            Ok((websocket, _response)) => {
                options.backoff.reset();
                let greeting = format!("* connected to {} as {}", options.url, options.username);
                show(&output, greeting).await;
                match session(
                    websocket,
                    &options.username,
                    &mut input,
                    &mut pending,
                    &output,
                )
                .await
                {
                    Session::InputClosed => return ClientEnd::InputClosed,
                    Session::Refused { code, reason } => {
                        show(&output, format!("* the server closed the connection ({code} {reason}); not reconnecting")).await;
                        return ClientEnd::Refused { code, reason };
                    }
                    Session::Lost(why) => show(&output, format!("* connection lost ({why})")).await,
                }
            }
            Err(err) => show(&output, format!("* cannot connect: {err}")).await,
        }
        let delay = options.backoff.next_delay(random_u64());
        show(
            &output,
            format!("* reconnecting in {} ms", delay.as_millis()),
        )
        .await;
        if !wait_keeping_input(delay, &mut input, &mut pending, &output).await {
            return ClientEnd::InputClosed;
        }
    }
}
// ANCHOR_END: run

// ANCHOR: session
/// One connection: send what was pending, then chat until something ends it.
async fn session(
    websocket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    username: &str,
    input: &mut mpsc::Receiver<String>,
    pending: &mut VecDeque<String>,
    output: &mpsc::Sender<String>,
) -> Session {
    let (mut outgoing, mut incoming) = websocket.split();
    while let Some(line) = pending.pop_front() {
        if let Err(err) = outgoing.send(frame(username, &line)).await {
            pending.push_front(line); // not sent: keep it for the next connection
            return Session::Lost(err.to_string());
        }
    }
    loop {
        tokio::select! {
            line = input.recv() => match line {
                Some(line) if line.trim().is_empty() => {}
                Some(line) => {
                    if let Err(err) = outgoing.send(frame(username, &line)).await {
                        pending.push_back(line);
                        return Session::Lost(err.to_string());
                    }
                }
                None => {
                    let _ = outgoing.close().await;
                    return Session::InputClosed;
                }
            },
            received = incoming.next() => match received {
                Some(Ok(Frame::Text(text))) => show(output, render(&text)).await,
                Some(Ok(Frame::Close(close))) => {
                    let (code, reason) = close.map_or((1005, String::new()), |c| (u16::from(c.code), c.reason.to_string()));
                    if may_reconnect(code) {
                        return Session::Lost(format!("{code} {reason}"));
                    }
                    return Session::Refused { code, reason };
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Session::Lost(err.to_string()),
                None => return Session::Lost("the connection ended".to_owned()),
            },
        }
    }
}
// ANCHOR_END: session

/// The keyboard as a channel of lines, read on a task of its own so that reading stdin never
/// blocks the chat. The channel closes when stdin does (Ctrl-D).
pub fn stdin_lines() -> mpsc::Receiver<String> {
    let (keys, typed) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if keys.send(line).await.is_err() {
                break;
            }
        }
    });
    typed
}

/// The screen as a channel of lines, printed to stdout by a task of its own. Once every sender
/// is dropped, await the handle to be sure the last lines are printed.
pub fn stdout_printer() -> (mpsc::Sender<String>, tokio::task::JoinHandle<()>) {
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
    (screen, printer)
}

/// Waits `delay`, keeping lines typed meanwhile. Returns `false` if the input ended.
async fn wait_keeping_input(
    delay: Duration,
    input: &mut mpsc::Receiver<String>,
    pending: &mut VecDeque<String>,
    output: &mpsc::Sender<String>,
) -> bool {
    let pause = tokio::time::sleep(delay);
    tokio::pin!(pause);
    loop {
        tokio::select! {
            () = &mut pause => return true,
            line = input.recv() => match line {
                Some(line) if line.trim().is_empty() => {}
                Some(line) => {
                    if pending.len() == MAX_PENDING {
                        pending.pop_front();
                        show(output, "* too much typed while disconnected; dropped the oldest line".to_owned()).await;
                    }
                    pending.push_back(line);
                }
                None => return false,
            },
        }
    }
}

fn frame(username: &str, text: &str) -> Frame {
    let incoming = Incoming {
        username: username.to_owned(),
        text: text.to_owned(),
    };
    Frame::text(serde_json::to_string(&incoming).unwrap_or_default())
}

async fn show(output: &mpsc::Sender<String>, line: String) {
    // If nobody is reading the output any more, there is nobody to show it to.
    let _ = output.send(line).await;
}

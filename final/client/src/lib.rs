//! The terminal client: rooms, direct messages, and reconnecting without missing or repeating
//! a message.
//!
//! Final server — book chapter "Running the server", section "The terminal client".
//!
//! Stage 4's reconnecting client (same backoff, same channels for the keyboard and the screen),
//! speaking the final protocol. What it adds is *resume*: it remembers, per room, the id of the
//! last message it showed. After a reconnect it joins each room again with `"since"` set to that
//! id, and the server answers with exactly the messages after it; any message whose id it has
//! already passed is skipped, so nothing is shown twice either.
//!
//! This crate is the client only: it speaks the protocol of the `chat-protocol` crate over a
//! socket and does not depend on the server. Its parts: this module runs the connections
//! ([`run`]); `commands` says what a typed line means, `screen` what a server frame shows, and
//! `memory` is what both update. Dependency direction: this module uses all three; `commands`
//! and `screen` use `memory`; `memory` uses nothing.

pub mod account;
mod commands;
mod memory;
mod screen;

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use stage4_architecture::backoff::{Backoff, random_u64};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WsCloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use chat_protocol::CloseCode;

pub use commands::HELP;
use commands::{Typed, interpret};
use memory::Memory;
use screen::{show, shown, str_field};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Lines typed while disconnected that are kept and sent after reconnecting.
pub const MAX_PENDING: usize = 100;

/// Where and who to be.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The server's WebSocket URL, e.g. `ws://127.0.0.1:8080/ws`.
    pub url: String,
    /// The name to chat under (with a token, the token's: this one is only shown until the
    /// server says which).
    pub username: String,
    /// A token from `/api/login`: `hello` with it instead of the name (book: "Accounts and
    /// tokens").
    pub token: Option<chat_protocol::Secret>,
    /// Rooms to join at the start; the first is the current room.
    pub rooms: Vec<String>,
    /// The reconnect schedule.
    pub backoff: Backoff,
}

impl ClientOptions {
    /// Options with the default schedule: 100 ms doubling up to 5 s.
    pub fn new(
        url: impl Into<String>,
        username: impl Into<String>,
        rooms: Vec<String>,
    ) -> ClientOptions {
        ClientOptions {
            url: url.into(),
            username: username.into(),
            token: None,
            rooms,
            backoff: Backoff::new(Duration::from_millis(100), Duration::from_secs(5)),
        }
    }
}

/// Why the client stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEnd {
    /// The user typed `/quit` or ended the input.
    Quit,
    /// The server said not to come back (a close code outside the reconnect range, or the name
    /// was refused on the first connection).
    Refused(String),
}

/// How one connection ended.
enum Session {
    Quit,
    Lost(String),
    Refused(String),
}

// ANCHOR: run
/// Chats until the user quits or the server refuses, reconnecting whenever the connection is
/// lost. `input` carries typed lines; everything to show goes to `output`.
pub async fn run(
    mut options: ClientOptions,
    mut input: mpsc::Receiver<String>,
    output: mpsc::Sender<String>,
) -> ClientEnd {
    let mut memory = Memory {
        rooms: options
            .rooms
            .iter()
            .map(|room| (room.clone(), None))
            .collect(),
        current: options.rooms.first().cloned(),
        ..Memory::default()
    };
    loop {
        let connect = tokio::time::timeout(
            Duration::from_secs(10),
            tokio_tungstenite::connect_async(&options.url),
        );
        match connect.await {
            Ok(Ok((socket, _))) => {
                match session(socket, &options, &mut memory, &mut input, &output).await {
                    Session::Quit => return ClientEnd::Quit,
                    Session::Refused(why) => {
                        show(&output, format!("* {why}; not reconnecting")).await;
                        return ClientEnd::Refused(why);
                    }
                    Session::Lost(why) => {
                        if std::mem::take(&mut memory.welcomed) {
                            options.backoff.reset(); // it worked for a while: start the schedule again
                        }
                        show(&output, format!("* connection lost ({why})")).await;
                    }
                }
            }
            Ok(Err(err)) => show(&output, format!("* cannot connect: {err}")).await,
            Err(_) => {
                show(
                    &output,
                    "* cannot connect: no answer within 10 s".to_owned(),
                )
                .await
            }
        }
        let delay = options.backoff.next_delay(random_u64());
        show(
            &output,
            format!("* reconnecting in {} ms", delay.as_millis()),
        )
        .await;
        if !wait_keeping_input(delay, &mut input, &mut memory.pending, &output).await {
            return ClientEnd::Quit;
        }
    }
}
// ANCHOR_END: run

async fn send(socket: &mut Socket, request: Value) -> Result<(), String> {
    socket
        .send(Message::text(request.to_string()))
        .await
        .map_err(|err| err.to_string())
}

// ANCHOR: session
/// One connection: hello, rejoin every room with `since`, then chat.
async fn session(
    mut socket: Socket,
    options: &ClientOptions,
    memory: &mut Memory,
    input: &mut mpsc::Receiver<String>,
    output: &mpsc::Sender<String>,
) -> Session {
    let hello = match &options.token {
        Some(token) => json!({"type": "hello", "token": token.expose()}),
        None => json!({"type": "hello", "username": options.username}),
    };
    if let Err(err) = send(&mut socket, hello).await {
        return Session::Lost(err);
    }
    let rejoins: Vec<Value> = memory
        .rooms
        .iter()
        .map(|(room, since)| json!({"type": "join", "room": room, "since": since, "id": format!("rejoin:{room}")}))
        .collect();
    for request in rejoins {
        if let Err(err) = send(&mut socket, request).await {
            return Session::Lost(err);
        }
    }
    let mut welcomed = false;
    loop {
        // Lines typed while disconnected go out once the server knows who we are.
        if welcomed {
            while let Some(line) = memory.pending.pop_front() {
                if let Some(outcome) = typed(&mut socket, memory, &line, output).await {
                    return finish(socket, outcome).await;
                }
            }
        }
        tokio::select! {
            line = input.recv() => match line {
                Some(line) if !welcomed => keep(&mut memory.pending, line, output).await,
                Some(line) => {
                    if let Some(outcome) = typed(&mut socket, memory, &line, output).await {
                        return finish(socket, outcome).await;
                    }
                }
                None => return finish(socket, Session::Quit).await,
            },
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                    if frame["type"] == "welcome" {
                        welcomed = true;
                        memory.connected_before = true;
                        memory.welcomed = true;
                        // With a token, the name is the account's, as registered.
                        memory.me = str_field(&frame, "username").to_owned();
                        show(output, format!("* connected to {} as {}", options.url, memory.me)).await;
                    } else if frame["type"] == "error" && !welcomed {
                        let why = if frame["code"] == "unauthorized" {
                            format!("the server refused the token: {}", str_field(&frame, "message"))
                        } else {
                            format!("the server refused the name: {}", str_field(&frame, "message"))
                        };
                        // A name refused on a reconnect may still be held by our old connection,
                        // which the server has not noticed is gone: try again later.
                        if memory.connected_before && frame["code"] == "username_taken" {
                            return Session::Lost(why);
                        }
                        return Session::Refused(why);
                    } else {
                        let me = memory.me.clone();
                        for line in shown(&frame, memory, &me) {
                            show(output, line).await;
                        }
                    }
                }
                Some(Ok(Message::Close(close))) => {
                    let (code, reason) = close.map_or((1005, String::new()), |c| (u16::from(c.code), c.reason.to_string()));
                    let why = format!("{code} {reason}");
                    return if CloseCode::may_reconnect(code) { Session::Lost(why) } else { Session::Refused(format!("the server closed the connection ({why})")) };
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Session::Lost(err.to_string()),
                None => return Session::Lost("the connection ended".to_owned()),
            },
        }
    }
}
// ANCHOR_END: session

/// Ends a session; on quitting, says goodbye to the server first (close 1000).
async fn finish(mut socket: Socket, outcome: Session) -> Session {
    if !matches!(outcome, Session::Quit) {
        return outcome;
    }
    let frame = CloseFrame {
        code: WsCloseCode::Normal,
        reason: "bye".into(),
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        if socket.close(Some(frame)).await.is_ok() {
            while let Some(Ok(_)) = socket.next().await {}
        }
    })
    .await;
    Session::Quit
}

/// Waits `delay`, keeping lines typed meanwhile. Returns `false` if the user quit.
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
                Some(line) if line.trim() == "/quit" => return false,
                Some(line) => keep(pending, line, output).await,
                None => return false,
            },
        }
    }
}

/// Acts on one typed line. `Some` when the session ends.
async fn typed(
    socket: &mut Socket,
    memory: &mut Memory,
    line: &str,
    output: &mpsc::Sender<String>,
) -> Option<Session> {
    let line = line.trim_end();
    let request = match interpret(line, memory) {
        Typed::Request(request) => request,
        Typed::Say(text) => {
            show(output, text).await;
            return None;
        }
        Typed::Quit => return Some(Session::Quit),
        Typed::Nothing => return None,
    };
    match send(socket, request).await {
        Ok(()) => None,
        Err(err) => {
            memory.pending.push_back(line.to_owned());
            Some(Session::Lost(err))
        }
    }
}

/// Keeps a line typed while disconnected, dropping the oldest beyond [`MAX_PENDING`].
async fn keep(pending: &mut VecDeque<String>, line: String, output: &mpsc::Sender<String>) {
    if pending.len() == MAX_PENDING {
        pending.pop_front();
        show(
            output,
            "* too much typed while disconnected; dropped the oldest line".to_owned(),
        )
        .await;
    }
    pending.push_back(line);
}

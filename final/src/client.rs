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

use std::collections::{BTreeMap, VecDeque};
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

use crate::protocol::CloseCode;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Lines typed while disconnected that are kept and sent after reconnecting.
pub const MAX_PENDING: usize = 100;

/// The commands, as `/help` shows them.
pub const HELP: &str = "commands: /join ROOM, /leave [ROOM], /room ROOM (switch), /msg USER TEXT, /rooms, /help, /quit; anything else goes to the current room";

/// Where and who to be.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The server's WebSocket URL, e.g. `ws://127.0.0.1:8080/ws`.
    pub url: String,
    /// The name to chat under.
    pub username: String,
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

/// What the client remembers across connections.
#[derive(Debug, Default)]
struct Memory {
    /// Rooms it is in, with the id of the last message shown in each.
    rooms: BTreeMap<String, Option<u64>>,
    current: Option<String>,
    pending: VecDeque<String>,
    connected_before: bool,
    /// Welcomed on the current connection.
    welcomed: bool,
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
    if let Err(err) = send(
        &mut socket,
        json!({"type": "hello", "username": options.username}),
    )
    .await
    {
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
                        show(output, format!("* connected to {} as {}", options.url, options.username)).await;
                    } else if frame["type"] == "error" && !welcomed {
                        let why = format!("the server refused the name: {}", str_field(&frame, "message"));
                        // A name refused on a reconnect may still be held by our old connection,
                        // which the server has not noticed is gone: try again later.
                        if memory.connected_before && frame["code"] == "username_taken" {
                            return Session::Lost(why);
                        }
                        return Session::Refused(why);
                    } else {
                        for line in shown(&frame, memory, &options.username) {
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

/// Acts on one typed line. `Some` when the session ends.
async fn typed(
    socket: &mut Socket,
    memory: &mut Memory,
    line: &str,
    output: &mpsc::Sender<String>,
) -> Option<Session> {
    let line = line.trim_end();
    let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
    let rest = rest.trim();
    let request = match command {
        "" => return None,
        "/quit" => return Some(Session::Quit),
        "/help" => {
            show(output, format!("* {HELP}")).await;
            return None;
        }
        // The id comes back on `joined` (then this room becomes the current one) or on the error.
        "/join" if !rest.is_empty() => {
            json!({"type": "join", "room": rest, "id": format!("join:{rest}")})
        }
        "/leave" => match (rest, &memory.current) {
            ("", Some(current)) => json!({"type": "leave", "room": current}),
            ("", None) => {
                show(output, "* you are in no room".to_owned()).await;
                return None;
            }
            (room, _) => json!({"type": "leave", "room": room}),
        },
        "/room" if memory.rooms.contains_key(rest) => {
            memory.current = Some(rest.to_owned());
            show(output, format!("* now talking in #{rest}")).await;
            return None;
        }
        "/room" => {
            show(output, format!("* you are not in #{rest}; /join it first")).await;
            return None;
        }
        "/msg" => match rest.split_once(' ') {
            Some((to, text)) => json!({"type": "direct", "to": to, "text": text.trim()}),
            None => {
                show(output, "* usage: /msg USER TEXT".to_owned()).await;
                return None;
            }
        },
        "/rooms" => json!({"type": "rooms"}),
        _ if command.starts_with('/') => {
            show(output, format!("* unknown command {command}; {HELP}")).await;
            return None;
        }
        _ => match &memory.current {
            Some(room) => json!({"type": "send", "room": room, "text": line}),
            None => {
                show(output, "* join a room first: /join ROOM".to_owned()).await;
                return None;
            }
        },
    };
    match send(socket, request).await {
        Ok(()) => None,
        Err(err) => {
            memory.pending.push_back(line.to_owned());
            Some(Session::Lost(err))
        }
    }
}

fn str_field<'a>(frame: &'a Value, field: &str) -> &'a str {
    frame[field].as_str().unwrap_or("")
}

/// `HH:MM:SS` of an RFC 3339 time stamp (UTC).
fn clock(frame: &Value) -> &str {
    str_field(frame, "timestamp")
        .get(11..19)
        .unwrap_or("--:--:--")
}

// ANCHOR: shown
/// The lines a server frame shows, updating what the client remembers. A room message whose id
/// is not above the last one shown in its room was seen before, and shows nothing.
fn shown(frame: &Value, memory: &mut Memory, me: &str) -> Vec<String> {
    let room = str_field(frame, "room");
    match str_field(frame, "type") {
        "message" => message_line(frame, memory).into_iter().collect(),
        "joined" => {
            let was_in = memory.rooms.get(room).copied().flatten().is_some();
            memory.rooms.entry(room.to_owned()).or_insert(None);
            if frame["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("join:"))
                || memory.current.is_none()
            {
                memory.current = Some(room.to_owned()); // a room joined with /join becomes current
            }
            let members: Vec<&str> = frame["members"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let mut lines = vec![format!(
                "* {} #{room}; here: {}",
                if was_in { "back in" } else { "joined" },
                members.join(", ")
            )];
            if frame["truncated"] == true {
                lines.push(format!("* #{room} may have had messages while you were away that the server no longer holds"));
            }
            let history = frame["history"].as_array().into_iter().flatten();
            lines.extend(history.filter_map(|message| message_line(message, memory)));
            lines
        }
        "left" => {
            memory.rooms.remove(room);
            if memory.current.as_deref() == Some(room) {
                memory.current = memory.rooms.keys().next().cloned();
            }
            vec![format!("* you left #{room}")]
        }
        "gap" => vec![format!(
            "* some messages in #{room} were lost before reaching you (the server lost touch with Redis)"
        )],
        "presence" => {
            let verb = if frame["event"] == "join" {
                "joined"
            } else {
                "left"
            };
            vec![format!("* {} {verb} #{room}", str_field(frame, "username"))]
        }
        "direct" if str_field(frame, "from") == me => {
            vec![format!(
                "[{}] (to {}) {}",
                clock(frame),
                str_field(frame, "to"),
                str_field(frame, "text")
            )]
        }
        "direct" => vec![format!(
            "[{}] (from {}) {}",
            clock(frame),
            str_field(frame, "from"),
            str_field(frame, "text")
        )],
        "rooms" => {
            let rooms: Vec<String> = frame["rooms"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|room| format!("#{} ({})", str_field(room, "name"), room["members"]))
                .collect();
            vec![if rooms.is_empty() {
                "* no rooms yet".to_owned()
            } else {
                format!("* rooms: {}", rooms.join(", "))
            }]
        }
        "error" => {
            let id = str_field(frame, "id");
            if let Some(room) = id
                .strip_prefix("join:")
                .or_else(|| id.strip_prefix("rejoin:"))
            {
                // A refused join: forget the room, so it is not tried again on reconnect.
                memory.rooms.remove(room);
                if memory.current.as_deref() == Some(room) {
                    memory.current = memory.rooms.keys().next().cloned();
                }
            }
            vec![format!(
                "! {}: {}",
                str_field(frame, "code"),
                str_field(frame, "message")
            )]
        }
        _ => Vec::new(),
    }
}
// ANCHOR_END: shown

fn message_line(message: &Value, memory: &mut Memory) -> Option<String> {
    let room = str_field(message, "room");
    let id = message["id"].as_u64()?;
    let last = memory.rooms.get_mut(room)?;
    if last.is_some_and(|last| id <= last) {
        return None; // already shown
    }
    *last = Some(id);
    Some(format!(
        "[{}] #{room} <{}> {}",
        clock(message),
        str_field(message, "username"),
        str_field(message, "text")
    ))
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

/// Shows a line, with control characters replaced: the text comes from other people, and a
/// terminal obeys control sequences (stage 3's lesson).
async fn show(output: &mpsc::Sender<String>, line: String) {
    let clean: String = line
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    let _ = output.send(clean).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_already_shown_is_not_shown_again() {
        let mut memory = Memory::default();
        memory.rooms.insert("r".into(), None);
        let message = |id: u64| json!({"type":"message","room":"r","id":id,"username":"a","text":"t","timestamp":"2026-01-01T10:20:30.000Z"});
        assert_eq!(
            shown(&message(5), &mut memory, "me"),
            ["[10:20:30] #r <a> t"]
        );
        assert!(shown(&message(5), &mut memory, "me").is_empty());
        assert!(shown(&message(4), &mut memory, "me").is_empty());
        let joined = json!({"type":"joined","room":"r","members":["a","me"],"history":[message(5), message(6)]});
        assert_eq!(
            shown(&joined, &mut memory, "me"),
            ["* back in #r; here: a, me", "[10:20:30] #r <a> t"]
        );
        assert_eq!(memory.rooms["r"], Some(6));
    }

    #[test]
    fn a_gap_is_shown() {
        let gap = json!({"type":"gap","room":"r","after":5,"resumed":0});
        let lines = shown(&gap, &mut Memory::default(), "me");
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].contains("#r") && lines[0].contains("lost"),
            "{lines:?}"
        );
    }
}

//! Replies: every frame the server sends, encoded once into [`Utf8Bytes`] so that one
//! message can be queued for every member of a room without copying (stage 5, "serialise
//! once").
//!
//! Final server — book chapter "The protocol", section "Requests and replies".

use serde::Serialize;
use serde_json::value::RawValue;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::codes::ErrorCode;
use crate::request::RequestId;

/// A message as stored in a room's history and sent to its members.
#[derive(Debug, Serialize)]
struct MessageFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    room: &'a str,
    id: u64,
    username: &'a str,
    text: &'a str,
    timestamp: &'a str,
    /// Only when true: the author was signed in (a guest's messages have no such field).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    verified: bool,
}

// ANCHOR: encode_message
/// Encodes a room message once; the result is shared by every recipient and the history.
pub fn encode_message(
    room: &str,
    id: u64,
    username: &str,
    text: &str,
    timestamp: &str,
    verified: bool,
) -> Utf8Bytes {
    encode(&MessageFrame {
        kind: "message",
        room,
        id,
        username,
        text,
        timestamp,
        verified,
    })
}
// ANCHOR_END: encode_message

/// A room message in two parts, before and after its id, for a broker that gives the id
/// later (`before + id + after` is [`encode_message`]'s frame).
pub fn encode_message_parts(
    room: &str,
    username: &str,
    text: &str,
    timestamp: &str,
    verified: bool,
) -> (String, String) {
    let whole = encode_message(room, 0, username, text, timestamp, verified);
    // The room comes before the id and cannot hold a quote, so the first match is the id.
    const ID: &str = ",\"id\":0,";
    match whole.as_str().find(ID) {
        Some(at) => (
            whole.as_str()[..at + ID.len() - 2].to_owned(),
            whole.as_str()[at + ID.len() - 1..].to_owned(),
        ),
        None => (whole.as_str().to_owned(), String::new()),
    }
}

/// `{"type":"gap","room":"rust","after":41,"resumed":57}`: messages after `after` and before
/// `resumed` could not be delivered (the broker lost them); `resumed` 0 means not known.
pub fn encode_gap(room: &str, after: u64, resumed: u64) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Gap<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        room: &'a str,
        after: u64,
        resumed: u64,
    }
    encode(&Gap {
        kind: "gap",
        room,
        after,
        resumed,
    })
}

/// The time now, as every frame carries it: RFC 3339, UTC, milliseconds.
pub fn timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `{"type":"welcome","username":"alice"}`.
pub fn encode_welcome(id: Option<&RequestId>, username: &str) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Welcome<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a RequestId>,
        username: &'a str,
    }
    encode(&Welcome {
        kind: "welcome",
        id,
        username,
    })
}

/// `{"type":"joined","room":…,"members":[…],"history":[…]}`, plus `"truncated":true` when
/// messages after `since` are no longer held. `history` is the already encoded messages.
pub fn encode_joined(
    id: Option<&RequestId>,
    room: &str,
    members: &[&str],
    history: &[&Utf8Bytes],
    truncated: bool,
) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Joined<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a RequestId>,
        room: &'a str,
        members: &'a [&'a str],
        history: Vec<&'a RawValue>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        truncated: bool,
    }
    encode(&Joined {
        kind: "joined",
        id,
        room,
        members,
        history: raw(history),
        truncated,
    })
}

/// Stored messages, embedded as they are: each is valid JSON (the server wrote it).
fn raw<'a>(frames: &[&'a Utf8Bytes]) -> Vec<&'a RawValue> {
    frames
        .iter()
        .filter_map(|json| serde_json::from_str::<&RawValue>(json.as_str()).ok())
        .collect()
}

/// `{"type":"history","room":"rust","messages":[…],"more":true}`: the answer to `history`,
/// messages oldest first; `more` says whether older ones are kept.
pub fn encode_history(
    id: Option<&RequestId>,
    room: &str,
    messages: &[&Utf8Bytes],
    more: bool,
) -> Utf8Bytes {
    #[derive(Serialize)]
    struct History<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a RequestId>,
        room: &'a str,
        messages: Vec<&'a RawValue>,
        more: bool,
    }
    encode(&History {
        kind: "history",
        id,
        room,
        messages: raw(messages),
        more,
    })
}

/// `{"type":"left","room":"rust"}`: the answer to `leave`.
pub fn encode_left(id: Option<&RequestId>, room: &str) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Left<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a RequestId>,
        room: &'a str,
    }
    encode(&Left {
        kind: "left",
        id,
        room,
    })
}

/// Whether a member came or went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceEvent {
    /// Joined the room.
    Join,
    /// Left the room or disconnected.
    Leave,
}

/// `{"type":"presence","room":"rust","username":"alice","event":"join"}`.
pub fn encode_presence(room: &str, username: &str, event: PresenceEvent) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Presence<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        room: &'a str,
        username: &'a str,
        event: PresenceEvent,
    }
    encode(&Presence {
        kind: "presence",
        room,
        username,
        event,
    })
}

/// Whether `frame` is a `presence` frame, as [`encode_presence`] writes it. The server may send
/// these a little later than messages (they say who came or went, not what anyone wrote), and
/// tells them apart in its queues by this, at no cost in memory.
pub fn is_presence(frame: &str) -> bool {
    frame.starts_with(PRESENCE_PREFIX)
}

/// How every `presence` frame begins: `kind` is the first field [`encode_presence`] writes.
const PRESENCE_PREFIX: &str = r#"{"type":"presence","#;

/// `{"type":"direct","from":"alice","to":"bob","text":"psst","timestamp":"…"}`; the sender's copy
/// also carries the request's `id`.
pub fn encode_direct(
    id: Option<&RequestId>,
    from: &str,
    to: &str,
    text: &str,
    timestamp: &str,
    verified: bool,
) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Direct<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a RequestId>,
        from: &'a str,
        to: &'a str,
        text: &'a str,
        timestamp: &'a str,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        verified: bool,
    }
    encode(&Direct {
        kind: "direct",
        id,
        from,
        to,
        text,
        timestamp,
        verified,
    })
}

/// One entry of a `rooms` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomInfo {
    /// The room's name.
    pub name: String,
    /// How many connections are in it.
    pub members: usize,
}

/// `{"type":"rooms","rooms":[{"name":"rust","members":3}]}`.
pub fn encode_rooms(id: Option<&RequestId>, rooms: &[RoomInfo]) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Rooms<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a RequestId>,
        rooms: &'a [RoomInfo],
    }
    encode(&Rooms {
        kind: "rooms",
        id,
        rooms,
    })
}

/// `{"type":"error","code":"not_joined","message":"…"}`.
pub fn encode_error(id: Option<&RequestId>, code: ErrorCode, message: &str) -> Utf8Bytes {
    #[derive(Serialize)]
    struct ErrorReply<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a RequestId>,
        code: ErrorCode,
        message: &'a str,
    }
    encode(&ErrorReply {
        kind: "error",
        id,
        code,
        message,
    })
}

fn encode(frame: &impl Serialize) -> Utf8Bytes {
    // Serialising these structs cannot fail: no maps with non-string keys, no failing
    // `Serialize` implementations. The fallback is there only to avoid a panic path.
    serde_json::to_string(frame)
        .unwrap_or_else(|_| {
            String::from(r#"{"type":"error","code":"internal","message":"encoding failed"}"#)
        })
        .into()
}

//! The wire protocol: what a client may send, what the server answers, and the codes of both.
//!
//! Final server — book chapter "The protocol" (every frame below has an example there).
//!
//! The protocol is a contract with clients written by other people, so this module is the one
//! place that knows the JSON field names. Requests are decoded in two steps: first into a loose
//! `Envelope` whose every field is optional, then into a [`Request`] whose fields are all
//! present. The two steps let an error name the missing field *and* still echo the request's
//! `id`, which a single strict `#[serde(tag = "type")]` enum cannot do.
//!
//! Replies are encoded with `serde_json` from small borrowed structs, into [`Utf8Bytes`]: the
//! reference-counted text that tungstenite sends without copying, so one encoded message can be
//! queued for a thousand clients (stage 5, "serialise once").

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio_tungstenite::tungstenite::Utf8Bytes;

// ANCHOR: request
/// A request, decoded and complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `{"type":"hello","username":"alice"}`: the first request of every connection.
    Hello {
        /// The name asked for (not yet validated).
        username: String,
    },
    /// `{"type":"join","room":"rust","since":41}`: enter a room (created on first join).
    Join {
        /// The room.
        room: String,
        /// Resume: the id of the last message this client saw in the room.
        since: Option<u64>,
    },
    /// `{"type":"send","room":"rust","text":"hi"}`: a message to a joined room.
    Send {
        /// The room.
        room: String,
        /// The text.
        text: String,
    },
    /// `{"type":"leave","room":"rust"}`.
    Leave {
        /// The room.
        room: String,
    },
    /// `{"type":"direct","to":"bob","text":"psst"}`: a private message to one user.
    Direct {
        /// The recipient's username.
        to: String,
        /// The text.
        text: String,
    },
    /// `{"type":"rooms"}`: the list of rooms and their sizes.
    Rooms,
}
// ANCHOR_END: request

/// The `id` a client may put on any request; the reply echoes it. Any JSON number or string.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RequestId {
    /// A JSON number: integers come back exactly; other numbers as the nearest `f64` would print
    /// (`1e2` is echoed as `100.0`).
    Number(serde_json::Number),
    /// A JSON string.
    Text(String),
}

/// Every field a request may have, all optional: the first decoding step.
#[derive(Debug, Default, Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<RequestId>,
    username: Option<String>,
    room: Option<String>,
    text: Option<String>,
    to: Option<String>,
    since: Option<u64>,
}

/// Only the `id`, for when the rest of a request does not decode.
#[derive(Deserialize)]
struct IdOnly {
    id: Option<RequestId>,
}

/// Why a frame is not a usable request.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    /// `bad_request` or `unknown_type`.
    pub code: ErrorCode,
    /// What was wrong, for a human.
    pub message: String,
}

// ANCHOR: decode
/// Decodes one text frame. The `id` comes back whenever it could be read, even when the rest of
/// the request is wrong, so that the error reply can echo it.
pub fn decode(frame: &str) -> (Option<RequestId>, Result<Request, DecodeError>) {
    let envelope: Envelope = match serde_json::from_str(frame) {
        Ok(envelope) => envelope,
        Err(err) => {
            let id = serde_json::from_str::<IdOnly>(frame)
                .ok()
                .and_then(|only| only.id);
            let message = if err.is_syntax() || err.is_eof() {
                format!("not JSON: {err}")
            } else {
                format!("not a request object: {err}")
            };
            return (id, Err(DecodeError::new(ErrorCode::BadRequest, message)));
        }
    };
    let id = envelope.id.clone();
    (id, envelope.into_request())
}
// ANCHOR_END: decode

impl Envelope {
    fn into_request(self) -> Result<Request, DecodeError> {
        let Some(kind) = self.kind else {
            return Err(DecodeError::new(
                ErrorCode::BadRequest,
                "missing field `type`".to_owned(),
            ));
        };
        let need = |field: Option<String>, name: &str| {
            field.ok_or_else(|| {
                DecodeError::new(
                    ErrorCode::BadRequest,
                    format!("a `{kind}` request needs the field `{name}`"),
                )
            })
        };
        Ok(match kind.as_str() {
            "hello" => Request::Hello {
                username: need(self.username, "username")?,
            },
            "join" => Request::Join {
                room: need(self.room, "room")?,
                since: self.since,
            },
            "send" => Request::Send {
                room: need(self.room, "room")?,
                text: need(self.text, "text")?,
            },
            "leave" => Request::Leave {
                room: need(self.room, "room")?,
            },
            "direct" => Request::Direct {
                to: need(self.to, "to")?,
                text: need(self.text, "text")?,
            },
            "rooms" => Request::Rooms,
            _ => {
                let shown: String = kind.chars().take(32).collect();
                return Err(DecodeError::new(
                    ErrorCode::UnknownType,
                    format!(
                        "unknown request type {shown:?}: expected hello, join, send, leave, direct or rooms"
                    ),
                ));
            }
        })
    }
}

impl DecodeError {
    fn new(code: ErrorCode, message: String) -> DecodeError {
        DecodeError { code, message }
    }
}

// ANCHOR: error_code
/// The `code` of an error reply. An error answers one request; the connection stays open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Not JSON, not an object, a field missing or of the wrong type, a binary frame, empty text.
    BadRequest,
    /// A `type` the server does not know.
    UnknownType,
    /// The username breaks the naming rules.
    InvalidUsername,
    /// Someone connected already uses that username (compared case-insensitively).
    UsernameTaken,
    /// Any request but `hello` before the `welcome`.
    NotWelcomed,
    /// A second `hello` on a connection that already has a name.
    AlreadyWelcomed,
    /// The room name breaks the naming rules.
    InvalidRoom,
    /// `join` for a room this connection is already in.
    AlreadyJoined,
    /// `send` or `leave` for a room this connection is not in.
    NotJoined,
    /// This connection is in as many rooms as allowed, or the server holds as many rooms as allowed.
    TooManyRooms,
    /// The text is longer than the server allows.
    TextTooLong,
    /// The text contains control characters (other than newline and tab).
    InvalidText,
    /// `direct` to a username nobody connected has.
    UnknownUser,
    /// The connection sends faster than its rate limit; the request was dropped.
    RateLimited,
    /// The server cannot reach its message broker (Redis) just now; the request was not done.
    Unavailable,
}
// ANCHOR_END: error_code

impl ErrorCode {
    /// Every code, for documentation and metrics.
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::BadRequest,
        ErrorCode::UnknownType,
        ErrorCode::InvalidUsername,
        ErrorCode::UsernameTaken,
        ErrorCode::NotWelcomed,
        ErrorCode::AlreadyWelcomed,
        ErrorCode::InvalidRoom,
        ErrorCode::AlreadyJoined,
        ErrorCode::NotJoined,
        ErrorCode::TooManyRooms,
        ErrorCode::TextTooLong,
        ErrorCode::InvalidText,
        ErrorCode::UnknownUser,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
    ];

    /// The snake_case name sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::UnknownType => "unknown_type",
            ErrorCode::InvalidUsername => "invalid_username",
            ErrorCode::UsernameTaken => "username_taken",
            ErrorCode::NotWelcomed => "not_welcomed",
            ErrorCode::AlreadyWelcomed => "already_welcomed",
            ErrorCode::InvalidRoom => "invalid_room",
            ErrorCode::AlreadyJoined => "already_joined",
            ErrorCode::NotJoined => "not_joined",
            ErrorCode::TooManyRooms => "too_many_rooms",
            ErrorCode::TextTooLong => "text_too_long",
            ErrorCode::InvalidText => "invalid_text",
            ErrorCode::UnknownUser => "unknown_user",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
        }
    }

    /// Its position in [`ErrorCode::ALL`] (for counters).
    pub fn index(self) -> usize {
        ErrorCode::ALL
            .iter()
            .position(|code| *code == self)
            .unwrap_or_default()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

// ANCHOR: close_code
/// Why the server closes a connection: the code of its close frame.
///
/// 4000–4499 mean "you may reconnect" (after a backoff); 4500–4999 mean "do not reconnect
/// without changing something". See [`CloseCode::may_reconnect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseCode {
    /// 1000: the client said goodbye, and the server answers in kind.
    Normal,
    /// 1001: the server is shutting down.
    GoingAway,
    /// 1002: the client broke the WebSocket framing rules.
    ProtocolError,
    /// 1007: a text frame that is not UTF-8.
    InvalidPayload,
    /// 1008: too many invalid requests in a row.
    Policy,
    /// 1009: a frame or message over the size limit.
    TooBig,
    /// 4008: the client does not read fast enough; its queue filled up.
    TooSlow,
    /// 4012: nothing heard from the client (not even a pong) for the idle timeout.
    Idle,
    /// 4013: the client kept sending far over its rate limit.
    RateAbuse,
    /// 4502: no `hello` within the hello deadline.
    NoHello,
}
// ANCHOR_END: close_code

impl CloseCode {
    /// Every code the server sends, for documentation and metrics.
    pub const ALL: [CloseCode; 10] = [
        CloseCode::Normal,
        CloseCode::GoingAway,
        CloseCode::ProtocolError,
        CloseCode::InvalidPayload,
        CloseCode::Policy,
        CloseCode::TooBig,
        CloseCode::TooSlow,
        CloseCode::Idle,
        CloseCode::RateAbuse,
        CloseCode::NoHello,
    ];

    /// The number in the close frame.
    pub fn code(self) -> u16 {
        match self {
            CloseCode::Normal => 1000,
            CloseCode::GoingAway => 1001,
            CloseCode::ProtocolError => 1002,
            CloseCode::InvalidPayload => 1007,
            CloseCode::Policy => 1008,
            CloseCode::TooBig => 1009,
            CloseCode::TooSlow => 4008,
            CloseCode::Idle => 4012,
            CloseCode::RateAbuse => 4013,
            CloseCode::NoHello => 4502,
        }
    }

    /// The number as text (a metrics label).
    pub fn code_str(self) -> &'static str {
        match self {
            CloseCode::Normal => "1000",
            CloseCode::GoingAway => "1001",
            CloseCode::ProtocolError => "1002",
            CloseCode::InvalidPayload => "1007",
            CloseCode::Policy => "1008",
            CloseCode::TooBig => "1009",
            CloseCode::TooSlow => "4008",
            CloseCode::Idle => "4012",
            CloseCode::RateAbuse => "4013",
            CloseCode::NoHello => "4502",
        }
    }

    /// A snake_case name (a metrics label).
    pub fn name(self) -> &'static str {
        match self {
            CloseCode::Normal => "normal",
            CloseCode::GoingAway => "going_away",
            CloseCode::ProtocolError => "protocol_error",
            CloseCode::InvalidPayload => "invalid_payload",
            CloseCode::Policy => "policy",
            CloseCode::TooBig => "too_big",
            CloseCode::TooSlow => "too_slow",
            CloseCode::Idle => "idle",
            CloseCode::RateAbuse => "rate_abuse",
            CloseCode::NoHello => "no_hello",
        }
    }

    /// The reason text sent with the code.
    pub fn reason(self) -> &'static str {
        match self {
            CloseCode::Normal => "goodbye",
            CloseCode::GoingAway => "server shutting down",
            CloseCode::ProtocolError => "WebSocket protocol error",
            CloseCode::InvalidPayload => "text frame is not UTF-8",
            CloseCode::Policy => "too many invalid requests",
            CloseCode::TooBig => "message too big",
            CloseCode::TooSlow => "too slow to read",
            CloseCode::Idle => "idle: no pong or message in time",
            CloseCode::RateAbuse => "rate limit abuse",
            CloseCode::NoHello => "no hello in time",
        }
    }

    /// Whether a client may reconnect after this close (with a backoff).
    pub fn may_reconnect(code: u16) -> bool {
        matches!(code, 1001 | 1006 | 4000..=4499)
    }

    /// Its position in [`CloseCode::ALL`] (for counters).
    pub fn index(self) -> usize {
        CloseCode::ALL
            .iter()
            .position(|code| *code == self)
            .unwrap_or_default()
    }
}

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
}

// ANCHOR: encode_message
/// Encodes a room message once; the result is shared by every recipient and the history.
pub fn encode_message(
    room: &str,
    id: u64,
    username: &str,
    text: &str,
    timestamp: &str,
) -> Utf8Bytes {
    encode(&MessageFrame {
        kind: "message",
        room,
        id,
        username,
        text,
        timestamp,
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
) -> (String, String) {
    let whole = encode_message(room, 0, username, text, timestamp);
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
    // Each stored message is valid JSON (the server wrote it), so it is embedded as it is.
    let history = history
        .iter()
        .filter_map(|json| serde_json::from_str::<&RawValue>(json.as_str()).ok())
        .collect();
    encode(&Joined {
        kind: "joined",
        id,
        room,
        members,
        history,
        truncated,
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

/// `{"type":"direct","from":"alice","to":"bob","text":"psst","timestamp":"…"}`; the sender's copy
/// also carries the request's `id`.
pub fn encode_direct(
    id: Option<&RequestId>,
    from: &str,
    to: &str,
    text: &str,
    timestamp: &str,
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
    }
    encode(&Direct {
        kind: "direct",
        id,
        from,
        to,
        text,
        timestamp,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(bytes: &Utf8Bytes) -> Value {
        serde_json::from_str(bytes.as_str()).unwrap()
    }

    #[test]
    fn decodes_every_request_and_its_id() {
        let cases = [
            (
                r#"{"type":"hello","username":"alice","id":1}"#,
                Request::Hello {
                    username: "alice".into(),
                },
            ),
            (
                r#"{"type":"join","room":"rust"}"#,
                Request::Join {
                    room: "rust".into(),
                    since: None,
                },
            ),
            (
                r#"{"type":"join","room":"rust","since":7}"#,
                Request::Join {
                    room: "rust".into(),
                    since: Some(7),
                },
            ),
            (
                r#"{"type":"send","room":"r","text":"hi"}"#,
                Request::Send {
                    room: "r".into(),
                    text: "hi".into(),
                },
            ),
            (
                r#"{"type":"leave","room":"r"}"#,
                Request::Leave { room: "r".into() },
            ),
            (
                r#"{"type":"direct","to":"bob","text":"psst"}"#,
                Request::Direct {
                    to: "bob".into(),
                    text: "psst".into(),
                },
            ),
            (r#"{"type":"rooms","extra":"ignored"}"#, Request::Rooms),
        ];
        for (frame, expected) in cases {
            assert_eq!(decode(frame).1, Ok(expected), "{frame}");
        }
        assert_eq!(
            decode(r#"{"type":"rooms","id":"a"}"#).0,
            Some(RequestId::Text("a".into()))
        );
    }

    #[test]
    fn errors_keep_the_id_when_it_can_be_read() {
        let (id, result) = decode(r#"{"type":"send","room":"r","id":9}"#);
        assert_eq!(id, Some(RequestId::Number(9.into())));
        let err = result.unwrap_err();
        assert_eq!(err.code, ErrorCode::BadRequest);
        assert!(err.message.contains("`text`"), "{}", err.message);

        let (id, result) = decode(r#"{"type":"send","room":5,"id":"x"}"#);
        assert_eq!(id, Some(RequestId::Text("x".into())));
        assert_eq!(result.unwrap_err().code, ErrorCode::BadRequest);

        let (id, result) = decode(r#"{"type":"dance","id":1.5}"#);
        assert_eq!(
            id,
            Some(RequestId::Number(
                serde_json::Number::from_f64(1.5).unwrap()
            ))
        );
        assert_eq!(result.unwrap_err().code, ErrorCode::UnknownType);

        for frame in [
            "not json",
            "[1,2]",
            "42",
            r#"{"id":1}"#,
            r#"{"type":"join","since":1e400}"#,
        ] {
            let (_, result) = decode(frame);
            assert_eq!(result.unwrap_err().code, ErrorCode::BadRequest, "{frame}");
        }
    }

    #[test]
    fn replies_have_the_documented_shape() {
        let message = encode_message(
            "rust",
            3,
            "alice",
            "hi \"there\"",
            "2026-01-01T00:00:00.000Z",
        );
        assert_eq!(
            parse(&message),
            json!({"type":"message","room":"rust","id":3,"username":"alice","text":"hi \"there\"","timestamp":"2026-01-01T00:00:00.000Z"})
        );
        let id = RequestId::Text("j".into());
        assert_eq!(
            parse(&encode_joined(
                Some(&id),
                "rust",
                &["alice", "bob"],
                &[&message],
                false
            )),
            json!({"type":"joined","id":"j","room":"rust","members":["alice","bob"],"history":[parse(&message)]})
        );
        assert_eq!(
            parse(&encode_joined(None, "r", &[], &[], true)),
            json!({"type":"joined","room":"r","members":[],"history":[],"truncated":true})
        );
        assert_eq!(
            parse(&encode_error(None, ErrorCode::NotJoined, "no")),
            json!({"type":"error","code":"not_joined","message":"no"})
        );
        assert_eq!(
            parse(&encode_presence("r", "bob", PresenceEvent::Leave)),
            json!({"type":"presence","room":"r","username":"bob","event":"leave"})
        );
        let rooms = [RoomInfo {
            name: "r".into(),
            members: 2,
        }];
        assert_eq!(
            parse(&encode_rooms(Some(&RequestId::Number(1.into())), &rooms)),
            json!({"type":"rooms","id":1,"rooms":[{"name":"r","members":2}]})
        );
    }

    #[test]
    fn a_message_in_two_parts_is_the_message_with_its_id_between() {
        let (before, after) =
            encode_message_parts("r-1", "ann", "\"id\":0, hi", "2026-01-01T00:00:00.000Z");
        let whole = encode_message("r-1", 42, "ann", "\"id\":0, hi", "2026-01-01T00:00:00.000Z");
        assert_eq!(format!("{before}42{after}"), whole.as_str());
    }

    #[test]
    fn close_codes_say_whether_to_reconnect() {
        for code in CloseCode::ALL {
            let expected = matches!(
                code,
                CloseCode::GoingAway | CloseCode::TooSlow | CloseCode::Idle | CloseCode::RateAbuse
            );
            assert_eq!(CloseCode::may_reconnect(code.code()), expected, "{code:?}");
            assert_eq!(code.code_str(), code.code().to_string());
        }
        assert_eq!(
            ErrorCode::ALL
                .iter()
                .map(|code| code.index())
                .collect::<Vec<_>>(),
            (0..ErrorCode::ALL.len()).collect::<Vec<_>>()
        );
    }
}

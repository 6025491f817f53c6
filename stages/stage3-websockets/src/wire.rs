//! What travels over the WebSocket: JSON text frames, with serde.
//!
//! Stage 3 — WebSockets, book chapter 3, section "Messages as JSON with serde".
//!
//! A client sends `{"username": "alice", "text": "hi"}`. The server checks both with stage 1's
//! rules, stamps the time itself and sends everyone
//! `{"username": "alice", "text": "hi", "timestamp": "2026-11-25T20:02:13.231270811Z"}`
//! (as many fractional digits as the clock gives).
//! The timestamp is never taken from the client: a client could lie about it, and clocks
//! disagree, so the one clock that orders the chat is the server's. A frame the server cannot use
//! gets `{"error": "..."}` back, and the connection stays open.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stage1_foundations::{ChatError, Message, Username};

// ANCHOR: types
/// What a client sends. Unknown fields (such as a `timestamp` of its own) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Incoming {
    /// Who is speaking.
    pub username: String,
    /// What they say.
    pub text: String,
}

/// A chat message as the server sends it to every client.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ChatMessage {
    /// Who said it (validated by the server).
    pub username: String,
    /// What they said (validated by the server).
    pub text: String,
    /// When the server received it: RFC 3339, UTC (`...Z`).
    pub timestamp: DateTime<Utc>,
}

/// The reply to a frame the server could not use.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ErrorReply {
    /// What was wrong, in words a person can read.
    pub error: String,
}

/// Anything the server sends, for a client to tell the two kinds apart. `untagged` means serde
/// tries each variant in turn: a frame with an `error` field is an `Error`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ServerFrame {
    /// A chat message.
    Chat(ChatMessage),
    /// An error reply.
    Error(ErrorReply),
}
// ANCHOR_END: types

// ANCHOR: parse
/// Why an incoming frame was refused.
#[derive(Debug)]
pub enum WireError {
    /// Not JSON, or JSON without the right fields.
    Json(serde_json::Error),
    /// JSON of the right shape, but the content breaks a chat rule.
    Chat(ChatError),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Json(err) => {
                write!(f, "expected {{\"username\": ..., \"text\": ...}}: {err}")
            }
            WireError::Chat(err) => write!(f, "{}", stage1_foundations::error::report(err)),
        }
    }
}

impl std::error::Error for WireError {}

/// Turns a text frame into a stage 1 [`Message`], stamped with the server's clock `now`.
pub fn parse_incoming(frame: &str, now: DateTime<Utc>) -> Result<Message, WireError> {
    let incoming: Incoming = serde_json::from_str(frame).map_err(WireError::Json)?;
    let username =
        Username::parse(&incoming.username).map_err(|err| WireError::Chat(err.into()))?;
    Message::at(username, &incoming.text, now).map_err(WireError::Chat)
}
// ANCHOR_END: parse

// ANCHOR: encode
/// The JSON text of a message as clients receive it.
pub fn encode_message(message: &Message) -> String {
    let wire = ChatMessage {
        username: message.username().to_string(),
        text: message.text().to_owned(),
        timestamp: message.timestamp(),
    };
    to_json(&wire)
}

/// The JSON text of an error reply.
pub fn encode_error(error: &str) -> String {
    to_json(&ErrorReply {
        error: error.to_owned(),
    })
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Serialising these plain structs cannot fail (no maps with non-string keys, no I/O), so
    // the fallback only keeps the server from panicking if that ever changed.
    serde_json::to_string(value).unwrap_or_else(|_| r#"{"error":"internal error"}"#.to_owned())
}
// ANCHOR_END: encode

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 2, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_good_frame_becomes_a_message_stamped_by_the_server() {
        let message = parse_incoming(r#"{"username":"alice","text":" hi "}"#, noon()).unwrap();
        assert_eq!(message.username().as_str(), "alice");
        assert_eq!(message.text(), "hi");
        assert_eq!(message.timestamp(), noon());
    }

    #[test]
    fn a_client_timestamp_is_ignored() {
        let frame = r#"{"username":"alice","text":"hi","timestamp":"1999-12-31T23:59:59Z"}"#;
        assert_eq!(parse_incoming(frame, noon()).unwrap().timestamp(), noon());
    }

    #[test]
    fn bad_frames_are_errors_with_readable_reasons() {
        let cases = [
            ("not json", "expected {\"username\": ..., \"text\": ...}"),
            (r#"{"username":"alice"}"#, "missing field `text`"),
            (r#"{"username":42,"text":"hi"}"#, "invalid type"),
            (
                r#"{"username":"bob smith","text":"hi"}"#,
                "invalid username: a username cannot contain ' '",
            ),
            (
                r#"{"username":"alice","text":"   "}"#,
                "a message cannot be empty",
            ),
        ];
        for (frame, reason) in cases {
            let err = parse_incoming(frame, noon()).expect_err(frame).to_string();
            assert!(
                err.contains(reason),
                "{frame}: expected {reason:?} in {err:?}"
            );
        }
    }

    #[test]
    fn messages_encode_to_the_documented_json() {
        let message = parse_incoming(r#"{"username":"alice","text":"hi"}"#, noon()).unwrap();
        assert_eq!(
            encode_message(&message),
            r#"{"username":"alice","text":"hi","timestamp":"2026-01-02T12:00:00Z"}"#
        );
        assert_eq!(encode_error("nope"), r#"{"error":"nope"}"#);
    }

    #[test]
    fn clients_can_tell_messages_from_errors() {
        let chat: ServerFrame = serde_json::from_str(
            r#"{"username":"a","text":"b","timestamp":"2026-01-02T12:00:00Z"}"#,
        )
        .unwrap();
        assert!(matches!(chat, ServerFrame::Chat(_)));
        let error: ServerFrame = serde_json::from_str(r#"{"error":"nope"}"#).unwrap();
        assert_eq!(
            error,
            ServerFrame::Error(ErrorReply {
                error: "nope".into()
            })
        );
    }
}

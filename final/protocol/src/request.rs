//! Requests: what a client may send, decoded in two steps so that an error can still echo the
//! request's `id`.
//!
//! Final server — book chapter "The protocol", section "Requests and replies".

use serde::{Deserialize, Serialize};

use crate::codes::ErrorCode;

// ANCHOR: request
/// A request, decoded and complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `{"type":"hello","username":"alice"}`: the first request of every connection, from a
    /// guest (someone without an account).
    Hello {
        /// The name asked for (not yet validated).
        username: String,
    },
    /// `{"type":"hello","token":"…"}`: the first request of a signed-in user's connection; the
    /// name is the token's.
    HelloToken {
        /// The token from `/api/login` (not yet checked).
        token: Secret,
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
    /// `{"type":"history","room":"rust","before":41,"limit":50}`: older messages of a joined
    /// room (scrollback), the `limit` ones just before id `before`.
    History {
        /// The room.
        room: String,
        /// Messages with an id below this one; `None`: the newest.
        before: Option<u64>,
        /// How many at most, 1 to [`HISTORY_LIMIT`] (default [`HISTORY_DEFAULT`]).
        limit: usize,
    },
}
// ANCHOR_END: request

/// A secret (a token) that `Debug` does not show, so that printing a request for a log or an
/// error message cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `text`.
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The most messages one `history` request may ask for.
pub const HISTORY_LIMIT: usize = 100;

/// How many messages a `history` request without `limit` gets.
pub const HISTORY_DEFAULT: usize = 50;

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
    token: Option<String>,
    room: Option<String>,
    text: Option<String>,
    to: Option<String>,
    since: Option<u64>,
    before: Option<u64>,
    limit: Option<u64>,
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
            "hello" => match self.token {
                Some(token) => Request::HelloToken {
                    token: Secret::new(token),
                },
                None => Request::Hello {
                    username: need(self.username, "username")?,
                },
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
            "history" => Request::History {
                room: need(self.room, "room")?,
                before: self.before,
                limit: history_limit(self.limit)?,
            },
            _ => {
                let shown: String = kind.chars().take(32).collect();
                return Err(DecodeError::new(
                    ErrorCode::UnknownType,
                    format!(
                        "unknown request type {shown:?}: expected hello, join, send, leave, direct, rooms or history"
                    ),
                ));
            }
        })
    }
}

/// A `history` request's `limit`: absent means [`HISTORY_DEFAULT`]; 0 or above
/// [`HISTORY_LIMIT`] is refused rather than quietly changed.
fn history_limit(limit: Option<u64>) -> Result<usize, DecodeError> {
    match limit {
        None => Ok(HISTORY_DEFAULT),
        Some(n) if (1..=HISTORY_LIMIT as u64).contains(&n) => Ok(n as usize),
        Some(n) => Err(DecodeError::new(
            ErrorCode::BadRequest,
            format!("`limit` must be 1 to {HISTORY_LIMIT}, not {n}"),
        )),
    }
}

impl DecodeError {
    fn new(code: ErrorCode, message: String) -> DecodeError {
        DecodeError { code, message }
    }
}

//! The codes of the protocol: the `code` of an error reply ([`ErrorCode`]) and the code of
//! the close frame when the server ends a connection ([`CloseCode`]).
//!
//! Final server — book chapter "The protocol", sections "Errors" and "Close codes".

use std::fmt;

use serde::Serialize;

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
    /// A token that is not good (malformed, signed with another key, expired, revoked), or a
    /// guest's `hello` when the server lets only signed-in users chat.
    Unauthorized,
    /// A guest asked for a name that belongs to an account: sign in to use it.
    NameReserved,
    /// The server cannot reach its message broker (Redis) or its message store just now, or the
    /// store cannot keep up with `--durability immediate`; the request was not done.
    Unavailable,
    /// A hook of this server (moderation, a bot's rules) refused the request; the message says
    /// why.
    Refused,
}
// ANCHOR_END: error_code

impl ErrorCode {
    /// Every code, for documentation and metrics.
    pub const ALL: [ErrorCode; 18] = [
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
        ErrorCode::Unauthorized,
        ErrorCode::NameReserved,
        ErrorCode::Unavailable,
        ErrorCode::Refused,
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
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NameReserved => "name_reserved",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Refused => "refused",
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
    /// 4501: the token this connection said `hello` with was signed out (revoked).
    SignedOut,
    /// 4502: no `hello` within the hello deadline.
    NoHello,
    /// 4503: the token this connection said `hello` with expired.
    TokenExpired,
}
// ANCHOR_END: close_code

impl CloseCode {
    /// Every code the server sends, for documentation and metrics.
    pub const ALL: [CloseCode; 12] = [
        CloseCode::Normal,
        CloseCode::GoingAway,
        CloseCode::ProtocolError,
        CloseCode::InvalidPayload,
        CloseCode::Policy,
        CloseCode::TooBig,
        CloseCode::TooSlow,
        CloseCode::Idle,
        CloseCode::RateAbuse,
        CloseCode::SignedOut,
        CloseCode::NoHello,
        CloseCode::TokenExpired,
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
            CloseCode::SignedOut => 4501,
            CloseCode::NoHello => 4502,
            CloseCode::TokenExpired => 4503,
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
            CloseCode::SignedOut => "4501",
            CloseCode::NoHello => "4502",
            CloseCode::TokenExpired => "4503",
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
            CloseCode::SignedOut => "signed_out",
            CloseCode::NoHello => "no_hello",
            CloseCode::TokenExpired => "token_expired",
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
            CloseCode::SignedOut => "signed out: sign in again",
            CloseCode::NoHello => "no hello in time",
            CloseCode::TokenExpired => "sign-in expired: sign in again",
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

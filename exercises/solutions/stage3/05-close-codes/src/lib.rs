//! # Exercise 3.5 — Close frames and codes: reference solution
//!
//! Stage 3 — WebSockets. The exercise is `exercises/stage3/05-close-codes`; this file is tested
//! with that exercise's own `src/tests.rs`.

use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// The most bytes a close reason may have.
pub const MAX_REASON_BYTES: usize = 123;

/// Why the server ends a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Goodbye {
    /// The conversation is over.
    Normal,
    /// The server is shutting down.
    ShuttingDown,
    /// The client broke a rule; the text says which.
    Policy(String),
    /// The client sent a message over the size limit.
    TooBig,
    /// The client did not read fast enough.
    TooSlow,
    /// The client stopped answering pings.
    Idle,
    /// The client never said hello.
    NoHello,
}

/// The close frame that says `goodbye`.
pub fn close_frame(goodbye: &Goodbye) -> CloseFrame {
    let (code, reason): (u16, &str) = match goodbye {
        Goodbye::Normal => (1000, "bye"),
        Goodbye::ShuttingDown => (1001, "server shutting down"),
        Goodbye::Policy(why) => (1008, why),
        Goodbye::TooBig => (1009, "message too big"),
        Goodbye::TooSlow => (4008, "too slow to read"),
        Goodbye::Idle => (4012, "no pong, idle too long"),
        Goodbye::NoHello => (4502, "no hello in time"),
    };
    CloseFrame {
        code: CloseCode::from(code),
        reason: cut(reason, MAX_REASON_BYTES).into(),
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Whether a client that was closed with `code` should try to connect again.
pub fn may_reconnect(code: u16) -> bool {
    matches!(code, 1001 | 1006 | 4000..=4499)
}

#[cfg(test)]
#[path = "../../../../stage3/05-close-codes/src/tests.rs"]
mod tests;

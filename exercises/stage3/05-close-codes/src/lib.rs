//! # Exercise 3.5 — Close frames and codes
//!
//! Stage 3 — WebSockets. Book: chapter 3, "One connection".
//! Check it with `cargo ex check 3.5`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 3.5`.
//!
//! ## Task
//!
//! When a server ends a connection on purpose, it sends a close frame with a *code* and a short
//! *reason*, so the client can decide what to do next. Codes below 4000 are defined by the
//! WebSocket standard; 4000–4999 are free for applications, and this project splits them:
//! 4000–4499 mean "you may reconnect", 4500–4999 mean "do not reconnect". Implement:
//!
//! - [`close_frame`], with these codes and reasons:
//!
//!   | goodbye                | code | reason                      |
//!   |------------------------|------|-----------------------------|
//!   | `Normal`               | 1000 | `bye`                       |
//!   | `ShuttingDown`         | 1001 | `server shutting down`      |
//!   | `Policy(why)`          | 1008 | `why`, cut to fit (below)   |
//!   | `TooBig`               | 1009 | `message too big`           |
//!   | `TooSlow`              | 4008 | `too slow to read`          |
//!   | `Idle`                 | 4012 | `no pong, idle too long`    |
//!   | `NoHello`              | 4502 | `no hello in time`          |
//!
//!   A close frame's payload is at most 125 bytes, 2 of which are the code, so a reason is at
//!   most [`MAX_REASON_BYTES`] (123) bytes of UTF-8. Cut a longer reason to the longest prefix
//!   that fits *and ends on a character boundary* (never in the middle of a character).
//! - [`may_reconnect`]: `true` for 1001 (the server is going away but will be back), for 1006
//!   (the connection broke without a close frame) and for 4000–4499; `false` for everything else.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

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
    todo!("pick the code and the reason; cut long reasons on a character boundary")
}

/// Whether a client that was closed with `code` should try to connect again.
pub fn may_reconnect(code: u16) -> bool {
    todo!()
}

#[cfg(test)]
mod tests;

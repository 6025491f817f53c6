//! # Exercise 3.3 — The read loop
//!
//! Stage 3 — WebSockets. Book: chapter 3, "One connection".
//! Check it with `cargo ex check 3.3`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 3.3`.
//!
//! ## Task
//!
//! The read half of a WebSocket is a `Stream` of `Result<Message, Error>`: every frame the
//! client sends, in order, until the connection ends. Write the loop that reads it, as the
//! server's connection task does, and report what came in. Implement [`read_frames`]:
//!
//! - `Text` frames: keep their text, in order, in `texts`;
//! - `Binary` frames: count them in `binary_frames` (the chat speaks text only);
//! - `Ping` frames: count them in `pings` (tungstenite answers them by itself; nothing to send);
//!   `Pong` and raw `Frame`s: ignore;
//! - `Close`: stop at once with [`End::Closed`] and the close code, if the frame had one (read
//!   nothing after it);
//! - the stream ends (`None`): stop with [`End::Vanished`] (the TCP connection went away without a
//!   close frame);
//! - an `Err`: stop with [`End::Failed`] and the error's text.
//!
//! The tests feed the loop a made-up stream, so no network is needed: that is the payoff of
//! writing the loop against the `Stream` trait rather than a socket type.
//!
//! ## What you may change
//!
//! Fill in the body that says `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use futures_util::{Stream, StreamExt};
use tokio_tungstenite::tungstenite::{Error, Message};

/// How a connection's input ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The client sent a close frame, with this code if it gave one.
    Closed(Option<u16>),
    /// The stream ended without a close frame.
    Vanished,
    /// Reading failed; the error's text.
    Failed(String),
}

/// What came in on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadSummary {
    /// The text frames, in order.
    pub texts: Vec<String>,
    /// How many binary frames arrived.
    pub binary_frames: usize,
    /// How many pings arrived.
    pub pings: usize,
    /// How it ended.
    pub end: End,
}

/// Reads frames until the connection ends, and says what came in.
pub async fn read_frames<S>(mut frames: S) -> ReadSummary
where
    S: Stream<Item = Result<Message, Error>> + Unpin,
{
    todo!("loop over frames.next().await and match on each kind of frame")
}

#[cfg(test)]
mod tests;

//! # Exercise 3.4 — Relay with select!
//!
//! Stage 3 — WebSockets. Book: chapter 3, "One connection".
//! Check it with `cargo ex check 3.4`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 3.4`.
//!
//! ## Task
//!
//! A connection task stands between a client and a room, and must listen to both at once: what
//! the client sends goes to the room, what the room says goes to the client. Write that task,
//! [`relay`], against the `Stream` and `Sink` traits (so the tests can use a made-up client):
//!
//! - a `Text` frame from `incoming` → send its text to the room through `to_room`;
//! - a message from `from_room` → send it to the client as a `Text` frame through `outgoing`;
//! - the client sends `Close`, or its stream ends → stop with [`RelayEnd::ClientLeft`];
//! - `from_room` is closed (the server removed this client) → send the client a
//!   `Message::Close(None)`, then stop with [`RelayEnd::Removed`]; the same if `to_room` is closed;
//! - reading or writing the socket fails → stop with [`RelayEnd::Failed`];
//! - any other frame (binary, ping, pong) → ignore it.
//!
//! Both directions must keep flowing while the other is quiet: waiting for the client must not
//! hold up the room's messages, or the other way round. That is what `tokio::select!` is for.
//!
//! ## What you may change
//!
//! Fill in the body that says `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Error, Message};

/// Why a relay stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayEnd {
    /// The client closed the connection or went away.
    ClientLeft,
    /// The room side closed: the server removed this client.
    Removed,
    /// Reading from or writing to the socket failed.
    Failed,
}

/// Relays between one client (`incoming`/`outgoing`) and its room (`to_room`/`from_room`).
pub async fn relay<In, Out>(
    mut incoming: In,
    outgoing: &mut Out,
    to_room: mpsc::Sender<String>,
    mut from_room: mpsc::Receiver<String>,
) -> RelayEnd
where
    In: Stream<Item = Result<Message, Error>> + Unpin,
    Out: Sink<Message> + Unpin,
{
    todo!("a loop around tokio::select! with one branch per direction")
}

#[cfg(test)]
mod tests;

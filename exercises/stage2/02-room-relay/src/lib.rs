//! # Exercise 2.2 — Room relay
//!
//! Stage 2 — Concurrency. Book: chapter 2, "Channels" and "One task per client".
//! Check it with `cargo ex check 2.2`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 2.2`.
//!
//! ## Task
//!
//! A room publishes on a tokio `broadcast` channel. Each member has its own task that *relays*
//! the room into the member's personal queue (an `mpsc` channel that the member's connection
//! reads). Implement [`relay`], the body of that task:
//!
//! - forward every message from `room` to `client`, in order, and count them in `forwarded`;
//! - when the member falls behind and `recv` reports `Lagged(n)`, add `n` to `missed` and carry
//!   on with the messages still held (do not stop, do not panic);
//! - stop with [`RelayEnd::RoomClosed`] when the room is closed (every sender dropped);
//! - stop with [`RelayEnd::ClientGone`] when the client's queue is closed (its receiver dropped),
//!   **even if the room is quiet**: a relay for a member who left must not wait forever for the
//!   next message. `mpsc::Sender::closed()` is a future that completes when that happens; wait for
//!   it and for the room at the same time with `tokio::select!`.
//!
//! ## What you may change
//!
//! Fill in the body that says `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use stage1_foundations::SharedMessage;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc};

/// Why a relay stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayEnd {
    /// Every sender of the room was dropped.
    RoomClosed,
    /// The client's queue was closed.
    ClientGone,
}

/// What a relay did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    /// Messages passed on to the client.
    pub forwarded: usize,
    /// Messages lost because the client fell too far behind the room.
    pub missed: u64,
    /// Why the relay stopped.
    pub end: RelayEnd,
}

/// Relays `room` into `client` until one of them closes.
pub async fn relay(
    mut room: broadcast::Receiver<SharedMessage>,
    client: mpsc::Sender<SharedMessage>,
) -> Relayed {
    todo!("loop with select! over client.closed() and room.recv()")
}

#[cfg(test)]
mod tests;

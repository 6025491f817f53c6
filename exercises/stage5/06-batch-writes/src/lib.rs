//! # Exercise 5.6 — Batch the writes
//!
//! Stage 5 — Testing and performance. Book: chapter 5, "Where the time goes" and
//! "An optimised server".
//! Check it with `cargo ex check 5.6`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 5.6`.
//!
//! ## Task
//!
//! Writing and flushing every message on its own costs a system call per message, and that, not
//! the Rust code, is what limits the straightforward server. Implement the two halves of batching:
//!
//! - [`next_batch`]: wait for the first message in `queue` (`None` once it is closed and empty),
//!   then take, *without waiting*, whatever else is already queued, up to `max` messages in all;
//! - [`write_batch`]: put every message of a batch into `sink` with `feed` (which does not flush),
//!   in order, then flush **once**. `send` would flush after every message.
//!
//! The tests use a sink that counts its flushes.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use futures_util::{Sink, SinkExt};
use tokio::sync::mpsc;

/// The next batch: the first message (waited for), then up to `max - 1` more already queued.
pub async fn next_batch<T>(queue: &mut mpsc::Receiver<T>, max: usize) -> Option<Vec<T>> {
    todo!()
}

/// Feeds every message into `sink`, in order, then flushes once.
pub async fn write_batch<S>(sink: &mut S, batch: Vec<String>) -> Result<(), S::Error>
where
    S: Sink<String> + Unpin,
{
    todo!()
}

#[cfg(test)]
mod tests;

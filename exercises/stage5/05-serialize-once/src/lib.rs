//! # Exercise 5.5 — Serialise once
//!
//! Stage 5 — Testing and performance. Book: chapter 5, "An optimised server".
//! Check it with `cargo ex check 5.5`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 5.5`.
//!
//! ## Task
//!
//! Stage 3's server turned every message into JSON once *per recipient*; the benchmarks show that
//! doing it once and sharing the text is far cheaper. Implement [`fan_out`]: encode `message` with
//! [`encode`] exactly once, and queue the same `Arc<str>` (a clone of the pointer, not of the text)
//! for every client. A queue that is full or closed is skipped, never waited on. Return how many
//! queues took the message.
//!
//! ## What you may change
//!
//! Fill in the body that says `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use std::sync::Arc;

pub use stage1_foundations::{Message, Username};
use tokio::sync::mpsc;

/// The JSON a client receives for `message`.
pub fn encode(message: &Message) -> String {
    serde_json::json!({
        "username": message.username().as_str(),
        "text": message.text(),
        "timestamp": message.timestamp().to_rfc3339(),
    })
    .to_string()
}

/// Queues the JSON of `message` for every client, encoded once. Returns how many took it.
pub fn fan_out(message: &Message, queues: &[mpsc::Sender<Arc<str>>]) -> usize {
    todo!("encode once into an Arc<str>, then try_send clones of it")
}

#[cfg(test)]
mod tests;

//! # Exercise 5.5 — Serialise once: reference solution
//!
//! Stage 5 — Testing and performance. The exercise is `exercises/stage5/05-serialize-once`; this
//! file is tested with that exercise's own `src/tests.rs`.

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
    let text: Arc<str> = encode(message).into();
    queues
        .iter()
        .filter(|queue| queue.try_send(Arc::clone(&text)).is_ok())
        .count()
}

#[cfg(test)]
#[path = "../../../../stage5/05-serialize-once/src/tests.rs"]
mod tests;

//! # Exercise 1.5 — Fan-out without copies: reference solution
//!
//! Stage 1 — Foundations. The exercise is `exercises/stage1/05-fan-out`; this file is tested
//! with that exercise's own `src/tests.rs`.

use std::sync::Arc;

pub use stage1_foundations::{Message, SharedMessage, Username};

/// The messages waiting for one user.
#[derive(Debug)]
pub struct Inbox {
    /// Whose inbox this is.
    pub owner: Username,
    /// Received messages, oldest first. Each is a pointer to a shared message.
    pub messages: Vec<SharedMessage>,
}

impl Inbox {
    /// An empty inbox.
    pub fn new(owner: Username) -> Inbox {
        Inbox {
            owner,
            messages: Vec::new(),
        }
    }
}

/// Shares `message` with every inbox but its sender's, without copying it. Returns the shared message.
pub fn fan_out(message: Message, inboxes: &mut [Inbox]) -> SharedMessage {
    let shared = Arc::new(message);
    for inbox in inboxes
        .iter_mut()
        .filter(|inbox| &inbox.owner != shared.username())
    {
        inbox.messages.push(Arc::clone(&shared));
    }
    shared
}

/// The texts in `inbox`, oldest first, borrowed from its messages.
pub fn texts(inbox: &Inbox) -> Vec<&str> {
    inbox
        .messages
        .iter()
        .map(|message| message.text())
        .collect()
}

#[cfg(test)]
#[path = "../../../../stage1/05-fan-out/src/tests.rs"]
mod tests;

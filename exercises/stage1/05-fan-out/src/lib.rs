//! # Exercise 1.5 — Fan-out without copies
//!
//! Stage 1 — Foundations. Book: chapter 1, "One message, many recipients".
//! Check it with `cargo ex check 1.5`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 1.5`.
//!
//! ## Task
//!
//! When alice writes to a room of a thousand people, the server must not make a thousand copies
//! of her text. Using stage 1's [`Message`] and [`SharedMessage`] (an `Arc<Message>`), implement:
//!
//! - [`fan_out`]: take ownership of `message`, wrap it in an `Arc` *once*, and push a clone of
//!   that `Arc` into every inbox except the sender's own (the inbox whose `owner` is the
//!   message's `username`). Return the shared message, so the caller can keep it in a history.
//! - [`texts`]: the texts of an inbox's messages, oldest first, as `&str` borrowed from the
//!   messages (no `String` copies).
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

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
    todo!("wrap the message in an Arc once, then push Arc clones")
}

/// The texts in `inbox`, oldest first, borrowed from its messages.
pub fn texts(inbox: &Inbox) -> Vec<&str> {
    todo!()
}

#[cfg(test)]
mod tests;

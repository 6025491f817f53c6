//! # Exercise 5.4 — A needless clone: reference solution
//!
//! Stage 5 — Testing and performance. The exercise is `exercises/stage5/04-needless-clone`; this
//! file is tested with that exercise's own `src/tests.rs`.

use std::sync::Arc;

pub use stage1_foundations::{Message, SharedMessage, Username};

/// One user's mailbox.
#[derive(Debug)]
pub struct Mailbox {
    /// Whose it is.
    pub owner: String,
    /// Received messages, oldest first.
    pub messages: Vec<SharedMessage>,
}

/// Puts `message` in every mailbox and returns it, shared.
pub fn deliver(message: Message, mailboxes: &mut [Mailbox]) -> SharedMessage {
    let shared = Arc::new(message);
    for mailbox in mailboxes.iter_mut() {
        mailbox.messages.push(Arc::clone(&shared));
    }
    shared
}

#[cfg(test)]
#[path = "../../../../stage5/04-needless-clone/src/tests.rs"]
mod tests;

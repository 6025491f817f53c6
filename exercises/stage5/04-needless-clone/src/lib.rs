//! # Exercise 5.4 — A needless clone
//!
//! Stage 5 — Testing and performance. Book: chapter 5, "Benchmarks".
//! Check it with `cargo ex check 5.4`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 5.4`.
//!
//! ## Task
//!
//! This time the code works: [`deliver`] puts a message in every mailbox and returns it. But it
//! copies the whole message, text and all, once per mailbox, and the benchmark
//! `cargo bench -p stage5-testing -- clone_vs_share` shows what that costs with 1,000 recipients.
//! Change `deliver` so that every mailbox, and the returned value, share **one** allocation:
//! nothing of the message may be copied. The tests check it by comparing pointers.
//!
//! ## What you may change
//!
//! The body of `deliver`. You may add `use` lines; do not change the types or the signature.
//! The tests are in `src/tests.rs`: read them, but do not edit them.

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
    for mailbox in mailboxes.iter_mut() {
        // A deep copy per recipient: the text is copied again every time.
        mailbox.messages.push(Arc::new(message.clone()));
    }
    Arc::new(message)
}

#[cfg(test)]
mod tests;

//! # Exercise 1.6 — A mute filter
//!
//! Stage 1 — Foundations. Book: chapter 1, "Traits: one broadcast, many recipients".
//! Check it with `cargo ex check 1.6`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 1.6`.
//!
//! ## Task
//!
//! Users want to mute people. Rather than teach every kind of recipient about muting, write one
//! generic wrapper, [`Muting<R>`], that works around *any* [`Recipient`]: it drops messages from
//! muted users and passes everything else to the recipient inside. Implement:
//!
//! - [`Muting::mute`] and [`Muting::unmute`] (muting someone twice keeps one entry);
//! - `Recipient for Muting<R>`: `name` is the inner recipient's name; `receive` returns `Ok(())`
//!   without passing the message on when its sender is muted, and otherwise returns whatever the
//!   inner recipient returns;
//! - [`deliver_all`]: hands `messages` to one recipient in order and returns how many it accepted.
//!   At the first error it stops and returns that error: use the `?` operator.
//!
//! The generic parameters have no trait bounds yet, so the compiler will not let you call
//! `receive` on an `R`. Adding the bound that says "`R` is a `Recipient`" is part of the task:
//! it is the one change to a signature you are asked to make.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

pub use stage1_foundations::{
    ChatError, Inbox, Message, Recipient, SharedMessage, Transcript, Username,
};

/// Wraps a recipient and drops messages from muted users.
#[derive(Debug)]
pub struct Muting<R> {
    inner: R,
    muted: Vec<Username>,
}

impl<R> Muting<R> {
    /// Wraps `inner`; nobody is muted yet.
    pub fn new(inner: R) -> Muting<R> {
        Muting {
            inner,
            muted: Vec::new(),
        }
    }

    /// Stops messages from `user` reaching the inner recipient.
    pub fn mute(&mut self, user: Username) {
        todo!()
    }

    /// Lets messages from `user` through again.
    pub fn unmute(&mut self, user: &Username) {
        todo!()
    }

    /// How many users are muted.
    pub fn muted_count(&self) -> usize {
        self.muted.len()
    }

    /// The wrapped recipient.
    pub fn inner(&self) -> &R {
        &self.inner
    }
}

impl<R> Recipient for Muting<R> {
    fn name(&self) -> &str {
        todo!()
    }

    fn receive(&mut self, message: &SharedMessage) -> Result<(), ChatError> {
        todo!()
    }
}

/// Hands every message to `recipient` in order; returns how many it accepted, or the first error.
pub fn deliver_all<R>(recipient: &mut R, messages: &[SharedMessage]) -> Result<usize, ChatError> {
    todo!("loop, call receive(...)?, count")
}

#[cfg(test)]
mod tests;

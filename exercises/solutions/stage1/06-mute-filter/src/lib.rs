//! # Exercise 1.6 — A mute filter: reference solution
//!
//! Stage 1 — Foundations. The exercise is `exercises/stage1/06-mute-filter`; this file is tested
//! with that exercise's own `src/tests.rs`.

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
        if !self.muted.contains(&user) {
            self.muted.push(user);
        }
    }

    /// Lets messages from `user` through again.
    pub fn unmute(&mut self, user: &Username) {
        self.muted.retain(|muted| muted != user);
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

impl<R: Recipient> Recipient for Muting<R> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn receive(&mut self, message: &SharedMessage) -> Result<(), ChatError> {
        if self.muted.contains(message.username()) {
            return Ok(());
        }
        self.inner.receive(message)
    }
}

/// Hands every message to `recipient` in order; returns how many it accepted, or the first error.
pub fn deliver_all<R: Recipient>(
    recipient: &mut R,
    messages: &[SharedMessage],
) -> Result<usize, ChatError> {
    let mut accepted = 0;
    for message in messages {
        recipient.receive(message)?;
        accepted += 1;
    }
    Ok(accepted)
}

#[cfg(test)]
#[path = "../../../../stage1/06-mute-filter/src/tests.rs"]
mod tests;

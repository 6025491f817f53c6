//! # Exercise 2.5 — Slow consumers
//!
//! Stage 2 — Concurrency. Book: chapter 2, "Channels".
//! Check it with `cargo ex check 2.5`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 2.5`.
//!
//! ## Task
//!
//! A bounded queue per client keeps memory bounded, but it raises a question: what to do with a
//! client whose queue is full? Waiting would let one slow reader stall everybody; dropping
//! messages forever would leave it silently broken. The policy here: each message that does not
//! fit is a *strike*; a message that fits clears the strikes; `max_strikes` strikes in a row
//! disconnect the client. Disconnecting means dropping the queue's sender: the client's task
//! then reads what is still queued and sees the queue close. Implement:
//!
//! - [`Outbox::offer`]: try to queue the message without waiting, and say what happened:
//!   [`Offer::Queued`]; [`Offer::Dropped`] with the current number of strikes; or
//!   [`Offer::Disconnected`] when this message was strike number `max_strikes`, or when the
//!   client's receiving end is gone. Once disconnected, every later offer returns
//!   [`Offer::AlreadyDisconnected`].
//! - [`Outbox::is_connected`].
//! - [`fan_out`]: offer one message to every outbox and return how many clients this message
//!   disconnected.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use std::sync::Arc;

use stage1_foundations::SharedMessage;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

/// What happened to one offered message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// It fit in the queue.
    Queued,
    /// The queue was full; this many strikes in a row so far.
    Dropped {
        /// Consecutive messages that did not fit, this one included.
        strikes: u32,
    },
    /// This offer disconnected the client.
    Disconnected,
    /// The client was disconnected before; nothing was tried.
    AlreadyDisconnected,
}

/// A client's outgoing queue, with the strike policy.
#[derive(Debug)]
pub struct Outbox {
    /// `None` once the client is disconnected: dropping the sender closes the queue.
    sender: Option<mpsc::Sender<SharedMessage>>,
    strikes: u32,
    max_strikes: u32,
}

impl Outbox {
    /// A queue of `capacity` messages, and its receiving end for the client's task.
    pub fn new(capacity: usize, max_strikes: u32) -> (Outbox, mpsc::Receiver<SharedMessage>) {
        let (sender, receiver) = mpsc::channel(capacity);
        (
            Outbox {
                sender: Some(sender),
                strikes: 0,
                max_strikes,
            },
            receiver,
        )
    }

    /// Offers one message without waiting.
    pub fn offer(&mut self, message: &SharedMessage) -> Offer {
        todo!()
    }

    /// Whether the client is still connected.
    pub fn is_connected(&self) -> bool {
        todo!()
    }
}

/// Offers `message` to every outbox; returns how many clients it disconnected.
pub fn fan_out(outboxes: &mut [Outbox], message: &SharedMessage) -> usize {
    todo!()
}

#[cfg(test)]
mod tests;

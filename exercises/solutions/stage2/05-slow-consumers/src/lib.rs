//! # Exercise 2.5 — Slow consumers: reference solution
//!
//! Stage 2 — Concurrency. The exercise is `exercises/stage2/05-slow-consumers`; this file is
//! tested with that exercise's own `src/tests.rs`.

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
        let Some(sender) = &self.sender else {
            return Offer::AlreadyDisconnected;
        };
        let offer = match sender.try_send(Arc::clone(message)) {
            Ok(()) => {
                self.strikes = 0;
                Offer::Queued
            }
            Err(TrySendError::Full(_)) => {
                self.strikes += 1;
                if self.strikes >= self.max_strikes {
                    Offer::Disconnected
                } else {
                    Offer::Dropped {
                        strikes: self.strikes,
                    }
                }
            }
            Err(TrySendError::Closed(_)) => Offer::Disconnected,
        };
        if offer == Offer::Disconnected {
            self.sender = None; // dropping the sender closes the queue
        }
        offer
    }

    /// Whether the client is still connected.
    pub fn is_connected(&self) -> bool {
        self.sender.is_some()
    }
}

/// Offers `message` to every outbox; returns how many clients it disconnected.
pub fn fan_out(outboxes: &mut [Outbox], message: &SharedMessage) -> usize {
    outboxes
        .iter_mut()
        .map(|outbox| outbox.offer(message))
        .filter(|offer| *offer == Offer::Disconnected)
        .count()
}

#[cfg(test)]
#[path = "../../../../stage2/05-slow-consumers/src/tests.rs"]
mod tests;

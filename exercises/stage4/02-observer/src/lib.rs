//! # Exercise 4.2 — An observer
//!
//! Stage 4 — Architecture. Book: chapter 4, "The observer pattern".
//! Check it with `cargo ex check 4.2`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 4.2`.
//!
//! ## Task
//!
//! The server publishes [`Event`]s to every registered [`Observer`] through a [`Hub`]. Connection
//! tasks publish from many threads at once, so observers are shared (`Arc`) and must be `Sync`:
//! they change their state through atomics or a mutex, never through `&mut self`. Implement:
//!
//! - [`Hub::publish`]: hand the event to every observer, in the order they subscribed;
//! - [`Tally`], an observer that counts joins, leaves and messages, and keeps the number of users
//!   online (joins minus leaves) and the highest that number has ever been (`peak_online`);
//! - [`Watchword`], an observer that records the ids of messages whose text contains its word,
//!   ignoring ASCII case, in the order they were published.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Something that happened in the chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A user joined.
    Joined {
        /// Who.
        username: String,
    },
    /// A user left.
    Left {
        /// Who.
        username: String,
    },
    /// A message was sent.
    Message {
        /// The message's id.
        id: u64,
        /// Its text.
        text: String,
    },
}

/// Anything that wants to hear about events, from any thread.
pub trait Observer: Send + Sync {
    /// Called for every event; must be quick.
    fn notify(&self, event: &Event);
}

/// The list of observers, shared by every task that publishes.
#[derive(Default, Clone)]
pub struct Hub {
    observers: Vec<Arc<dyn Observer>>,
}

impl Hub {
    /// Adds an observer.
    pub fn subscribe(&mut self, observer: Arc<dyn Observer>) {
        self.observers.push(observer);
    }

    /// Tells every observer, in the order they subscribed.
    pub fn publish(&self, event: &Event) {
        todo!()
    }
}

/// Counts events, and users online.
#[derive(Debug, Default)]
pub struct Tally {
    joined: AtomicU64,
    left: AtomicU64,
    messages: AtomicU64,
    online: AtomicU64,
    peak_online: AtomicU64,
}

impl Observer for Tally {
    fn notify(&self, event: &Event) {
        todo!("fetch_add / fetch_sub / fetch_max on the atomics")
    }
}

impl Tally {
    /// (joined, left, messages) so far.
    pub fn counts(&self) -> (u64, u64, u64) {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        (get(&self.joined), get(&self.left), get(&self.messages))
    }

    /// Users online now.
    pub fn online(&self) -> u64 {
        self.online.load(Ordering::Relaxed)
    }

    /// The most users that were ever online at once.
    pub fn peak_online(&self) -> u64 {
        self.peak_online.load(Ordering::Relaxed)
    }
}

/// Records the ids of messages that contain a word (ignoring ASCII case).
#[derive(Debug)]
pub struct Watchword {
    word: String,
    hits: Mutex<Vec<u64>>,
}

impl Watchword {
    /// Watches for `word`.
    pub fn new(word: &str) -> Watchword {
        Watchword {
            word: word.to_ascii_lowercase(),
            hits: Mutex::new(Vec::new()),
        }
    }

    /// The ids seen so far, in order.
    pub fn hits(&self) -> Vec<u64> {
        self.hits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Observer for Watchword {
    fn notify(&self, event: &Event) {
        todo!()
    }
}

#[cfg(test)]
mod tests;

//! # Exercise 4.2 — An observer: reference solution
//!
//! Stage 4 — Architecture. The exercise is `exercises/stage4/02-observer`; this file is tested
//! with that exercise's own `src/tests.rs`.

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
        for observer in &self.observers {
            observer.notify(event);
        }
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
        match event {
            Event::Joined { .. } => {
                self.joined.fetch_add(1, Ordering::Relaxed);
                let now = self.online.fetch_add(1, Ordering::Relaxed) + 1;
                self.peak_online.fetch_max(now, Ordering::Relaxed);
            }
            Event::Left { .. } => {
                self.left.fetch_add(1, Ordering::Relaxed);
                self.online.fetch_sub(1, Ordering::Relaxed);
            }
            Event::Message { .. } => {
                self.messages.fetch_add(1, Ordering::Relaxed);
            }
        }
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
        if let Event::Message { id, text } = event
            && text.to_ascii_lowercase().contains(&self.word)
        {
            self.hits
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(*id);
        }
    }
}

#[cfg(test)]
#[path = "../../../../stage4/02-observer/src/tests.rs"]
mod tests;

//! A room topic behind a `RwLock`: many readers, rare writers.
//!
//! Stage 2 — Concurrency, book chapter 2, section "Mutex or RwLock?".
//!
//! Every client reads the topic when it joins and whenever it redraws its screen; a moderator
//! changes it once in a while. A `Mutex` would let only one reader look at a time. A `RwLock`
//! lets any number of readers in together and gives a writer the lock alone. It is not free —
//! it costs more than a `Mutex` per lock, and a steady stream of readers can keep a writer
//! waiting — so it pays off only when reads are many, writes are rare, and a read takes long
//! enough for readers to overlap. The registry, where almost every access writes or is short,
//! stays with a `Mutex`.

use std::sync::{Arc, PoisonError, RwLock};

// ANCHOR: topic
/// A shared, changeable room topic. Clones share the same topic.
#[derive(Debug, Clone, Default)]
pub struct Topic {
    text: Arc<RwLock<String>>,
}

impl Topic {
    /// A topic with the given text.
    pub fn new(text: &str) -> Topic {
        Topic {
            text: Arc::new(RwLock::new(text.to_owned())),
        }
    }

    /// Reads the topic. Many readers may hold the read lock at once.
    pub fn read(&self) -> String {
        self.text
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Changes the topic. The write lock waits until no reader holds the lock.
    pub fn set(&self, text: &str) {
        let mut topic = self.text.write().unwrap_or_else(PoisonError::into_inner);
        text.clone_into(&mut topic);
    }
}
// ANCHOR_END: topic

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_see_the_latest_topic() {
        let topic = Topic::new("Rust 2024");
        let copy = topic.clone();
        topic.set("async Rust");
        assert_eq!(copy.read(), "async Rust", "clones share one topic");
    }

    #[test]
    fn many_threads_read_while_one_writes() {
        let topic = Topic::new("v0");
        std::thread::scope(|scope| {
            for _ in 0..4 {
                let topic = topic.clone();
                scope.spawn(move || {
                    for _ in 0..1_000 {
                        let seen = topic.read();
                        assert!(
                            seen.starts_with('v'),
                            "a reader never sees a half-written topic: {seen}"
                        );
                    }
                });
            }
            for n in 1..=100 {
                topic.set(&format!("v{n}"));
            }
        });
        assert_eq!(topic.read(), "v100");
    }
}

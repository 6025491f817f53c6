//! # Exercise 4.3 — Backoff with jitter
//!
//! Stage 4 — Architecture. Book: chapter 4, "Reconnecting".
//! Check it with `cargo ex check 4.3`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 4.3`.
//!
//! ## Task
//!
//! The chapter's client waits a random time between zero and an exponentially growing ceiling
//! ("full jitter") and never gives up. Some clients want a guaranteed minimum wait, and a point
//! at which to give up and tell the user. Write [`Retry`], a schedule with *equal jitter*:
//!
//! - the ceiling for attempt `n` (counting from 0) is `base * 2^n`, but never more than `cap`
//!   (and the arithmetic must never overflow, however many attempts there are);
//! - the wait is half the ceiling plus a random part between 0 and half the ceiling, inclusive:
//!   `half + random % (half + 1)`, with `half = ceiling / 2`, in whole milliseconds;
//! - after `max_attempts` waits have been handed out, [`Retry::next_delay`] returns `None`:
//!   give up;
//! - [`Retry::reset`] starts again from attempt 0 (after a successful connection).
//!
//! The random number is an argument, so the tests can choose it.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use std::time::Duration;

/// A retry schedule with equal jitter and a limit on attempts.
#[derive(Debug, Clone)]
pub struct Retry {
    base: Duration,
    cap: Duration,
    max_attempts: u32,
    attempt: u32,
}

impl Retry {
    /// A schedule from `base`, doubling up to `cap`, giving up after `max_attempts` waits.
    pub fn new(base: Duration, cap: Duration, max_attempts: u32) -> Retry {
        Retry {
            base,
            cap,
            max_attempts,
            attempt: 0,
        }
    }

    /// The ceiling for the next wait: `base * 2^attempt`, at most `cap`.
    pub fn ceiling(&self) -> Duration {
        todo!()
    }

    /// The next wait, or `None` once `max_attempts` waits have been handed out.
    pub fn next_delay(&mut self, random: u64) -> Option<Duration> {
        todo!()
    }

    /// Starts again from the first attempt.
    pub fn reset(&mut self) {
        todo!()
    }
}

#[cfg(test)]
mod tests;

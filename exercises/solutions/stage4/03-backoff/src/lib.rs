//! # Exercise 4.3 — Backoff with jitter: reference solution
//!
//! Stage 4 — Architecture. The exercise is `exercises/stage4/03-backoff`; this file is tested
//! with that exercise's own `src/tests.rs`.

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
        self.base
            .saturating_mul(2u32.saturating_pow(self.attempt))
            .min(self.cap)
    }

    /// The next wait, or `None` once `max_attempts` waits have been handed out.
    pub fn next_delay(&mut self, random: u64) -> Option<Duration> {
        if self.attempt >= self.max_attempts {
            return None;
        }
        let half = self.ceiling().as_millis() as u64 / 2;
        self.attempt = self.attempt.saturating_add(1);
        Some(Duration::from_millis(half + random % (half + 1)))
    }

    /// Starts again from the first attempt.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
#[path = "../../../../stage4/03-backoff/src/tests.rs"]
mod tests;

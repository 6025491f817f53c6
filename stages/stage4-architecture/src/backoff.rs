//! How long to wait before reconnecting: exponential backoff with full jitter.
//!
//! Stage 4 — Architecture, book chapter 4, section "Reconnecting".
//!
//! When a server restarts, every client notices at the same moment. If they all retried at once,
//! and again a second later, and so on, the new server would be hit by a wave of connections each
//! time ("thundering herd"). Two ideas fix it: wait longer after each failure (exponential
//! backoff, up to a cap, so a long outage costs few attempts), and pick a random wait between
//! zero and that bound (full jitter), so the clients spread out.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

// ANCHOR: backoff
/// The reconnect schedule of one client.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
}

impl Backoff {
    /// Starts at `base`, doubles after each failure, never beyond `cap`.
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff {
            base,
            cap,
            attempt: 0,
        }
    }

    /// The upper bound for the next wait: `base * 2^attempt`, at most `cap`.
    pub fn ceiling(&self) -> Duration {
        let factor = 2u32.saturating_pow(self.attempt);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The next wait: a point between zero and the ceiling chosen by `random` (full jitter).
    /// Taking the random number as an argument keeps this function testable.
    pub fn next_delay(&mut self, random: u64) -> Duration {
        let ceiling = self.ceiling().as_millis() as u64;
        self.attempt = self.attempt.saturating_add(1);
        Duration::from_millis(random % (ceiling + 1))
    }

    /// After a successful connection: start again from `base`.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// A random number from the standard library alone. `RandomState` keys are seeded randomly once
/// per thread, and every new `RandomState` changes one of them, so hashing nothing with a new one
/// gives an unpredictable `u64` each time. Plenty for jitter; not for cryptography.
pub fn random_u64() -> u64 {
    RandomState::new().hash_one(())
}
// ANCHOR_END: backoff

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_doubles_up_to_the_cap() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let mut ceilings = Vec::new();
        for _ in 0..7 {
            ceilings.push(backoff.ceiling().as_millis());
            backoff.next_delay(0);
        }
        assert_eq!(ceilings, [100, 200, 400, 800, 1600, 2000, 2000]);
        backoff.reset();
        assert_eq!(backoff.ceiling(), Duration::from_millis(100));
    }

    #[test]
    fn the_delay_is_between_zero_and_the_ceiling() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        assert_eq!(backoff.next_delay(0), Duration::ZERO);
        assert_eq!(
            backoff.next_delay(200),
            Duration::from_millis(200),
            "attempt 2: ceiling 200 ms"
        );
        assert_eq!(
            backoff.next_delay(401),
            Duration::ZERO,
            "401 wraps around a ceiling of 400"
        );
        for _ in 0..100 {
            assert!(backoff.next_delay(random_u64()) <= Duration::from_secs(2));
        }
    }

    #[test]
    fn a_huge_number_of_attempts_does_not_overflow() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(30));
        for _ in 0..1_000 {
            backoff.next_delay(u64::MAX);
        }
        assert_eq!(backoff.ceiling(), Duration::from_secs(30));
    }

    #[test]
    fn random_numbers_differ() {
        let numbers: std::collections::HashSet<u64> = (0..100).map(|_| random_u64()).collect();
        assert!(numbers.len() > 90, "{} distinct of 100", numbers.len());
    }
}

//! A token bucket: the rate limit of one connection.
//!
//! Final server — book chapter "Running the server", section "Limits".
//!
//! The bucket holds up to `burst` tokens and gains `rate` tokens a second; each request takes
//! one. A person typing never notices it, a short burst (pasting five lines) passes, and a
//! script that floods is held to `rate` requests a second. The time is passed in rather than
//! read inside, so the tests can play any schedule without sleeping.

use std::time::Instant;

// ANCHOR: bucket
/// One connection's allowance of requests.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket: `burst` requests at once, then `rate` a second.
    pub fn new(rate: f64, burst: u32, now: Instant) -> TokenBucket {
        TokenBucket {
            rate,
            burst: f64::from(burst),
            tokens: f64::from(burst),
            last: now,
        }
    }

    /// Takes a token if there is one. `now` must not go backwards (an earlier time adds nothing).
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
// ANCHOR_END: bucket

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10.0, 5, start);
        let burst = (0..20).filter(|_| bucket.try_take(start)).count();
        assert_eq!(burst, 5);
        // One second later: ten more, not fifteen (the bucket holds at most five... plus
        // what trickles in while they are taken, which here is nothing: same instant).
        let later = start + Duration::from_secs(1);
        assert_eq!(
            (0..20).filter(|_| bucket.try_take(later)).count(),
            5,
            "capped at the burst"
        );
        // A steady 10/s over ten seconds all passes.
        let mut passed = 0;
        for tick in 1..=100 {
            passed += usize::from(bucket.try_take(later + Duration::from_millis(100 * tick)));
        }
        assert_eq!(passed, 100);
        assert!(!bucket.try_take(start), "going back in time adds nothing");
    }
}

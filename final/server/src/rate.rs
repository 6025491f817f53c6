//! A token bucket: the rate limit of one connection.
//!
//! Final server — book chapter "Running the server", section "Limits".
//!
//! The bucket holds up to `burst` tokens and gains `rate` tokens a second; each request takes
//! one. A person typing never notices it, a short burst (pasting five lines) passes, and a
//! script that floods is held to `rate` requests a second. The time is passed in rather than
//! read inside, so the tests can play any schedule without sleeping.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

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

/// One bucket per key (an address, an account name), for limits that are not a connection's:
/// signing in and registering (book: "Accounts and tokens"). The map holds at most `most` keys:
/// when it is full, buckets that have filled up again (the same as new ones) are forgotten, at
/// most once a second; if none can be, a new key is refused until some can. So a flood of
/// addresses can neither grow the map without end nor make every request sweep it.
#[derive(Debug)]
pub struct KeyedLimit<K> {
    rate: f64,
    burst: u32,
    most: usize,
    buckets: Mutex<Buckets<K>>,
}

#[derive(Debug)]
struct Buckets<K> {
    by_key: HashMap<K, TokenBucket>,
    swept: Option<Instant>,
}

impl<K: Hash + Eq + Clone> KeyedLimit<K> {
    /// `burst` requests at once per key, then `rate` a second; at most `most` keys remembered.
    pub fn new(rate: f64, burst: u32, most: usize) -> KeyedLimit<K> {
        KeyedLimit {
            rate,
            burst,
            most,
            buckets: Mutex::new(Buckets {
                by_key: HashMap::new(),
                swept: None,
            }),
        }
    }

    /// Takes a token for `key`; when there is none, how long until there is one.
    pub fn try_take(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let buckets = &mut *buckets;
        if buckets.by_key.len() >= self.most && !buckets.by_key.contains_key(key) {
            let due = buckets
                .swept
                .is_none_or(|at| now.saturating_duration_since(at) >= Duration::from_secs(1));
            if due {
                // Buckets that are full again are the same as new ones: forget them.
                let full_after = Duration::from_secs_f64(f64::from(self.burst) / self.rate);
                buckets
                    .by_key
                    .retain(|_, bucket| now.saturating_duration_since(bucket.last) < full_after);
                buckets.swept = Some(now);
            }
            if buckets.by_key.len() >= self.most {
                return Err(Duration::from_secs(1));
            }
        }
        let bucket = buckets
            .by_key
            .entry(key.clone())
            .or_insert_with(|| TokenBucket::new(self.rate, self.burst, now));
        if bucket.try_take(now) {
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                ((1.0 - bucket.tokens) / self.rate).max(0.0),
            ))
        }
    }
}

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

    #[test]
    fn each_key_has_its_own_bucket_and_says_when_to_come_back() {
        let start = Instant::now();
        let limit = KeyedLimit::new(0.5, 2, 100);
        assert!(limit.try_take(&"a", start).is_ok());
        assert!(limit.try_take(&"a", start).is_ok());
        let wait = limit.try_take(&"a", start).unwrap_err();
        assert_eq!(wait, Duration::from_secs(2), "one token every 2 s");
        assert!(
            limit.try_take(&"b", start).is_ok(),
            "another key is not held up"
        );
        assert!(limit.try_take(&"a", start + wait).is_ok());
    }

    #[test]
    fn a_full_map_refuses_new_keys_until_buckets_can_be_forgotten() {
        let start = Instant::now();
        let limit = KeyedLimit::new(1.0, 1, 2);
        assert!(limit.try_take(&1, start).is_ok());
        assert!(limit.try_take(&2, start).is_ok());
        assert!(
            limit.try_take(&3, start).is_err(),
            "full, and nothing to forget"
        );
        // Two seconds later both buckets are full again: forgotten, and 3 fits.
        assert!(limit.try_take(&3, start + Duration::from_secs(2)).is_ok());
    }
}

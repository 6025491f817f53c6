//! # Exercise 5.3 — Schedules and percentiles: reference solution
//!
//! Stage 5 — Testing and performance. The exercise is `exercises/stage5/03-percentiles`; this
//! file is tested with that exercise's own `src/tests.rs`.

use std::time::Duration;

/// The intended send times of sender `index` of `senders`, at `rate` messages/s in all, for `duration`.
pub fn schedule(rate: f64, senders: usize, index: usize, duration: Duration) -> Vec<Duration> {
    let period = Duration::from_secs_f64(senders as f64 / rate);
    let offset = period.mul_f64(index as f64 / senders as f64);
    (0..)
        .map(|k| offset + period.mul_f64(k as f64))
        .take_while(|&time| time < duration)
        .collect()
}

/// The nearest-rank `q` percentile of `samples`, or `None` if there are none.
pub fn percentile(samples: &[u64], q: f64) -> Option<u64> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

#[cfg(test)]
#[path = "../../../../stage5/03-percentiles/src/tests.rs"]
mod tests;

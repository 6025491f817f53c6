//! # Exercise 5.3 — Schedules and percentiles
//!
//! Stage 5 — Testing and performance. Book: chapter 5, "Stress testing".
//! Check it with `cargo ex check 5.3`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 5.3`.
//!
//! ## Task
//!
//! The two calculations at the heart of the stress tool, without any network:
//!
//! - [`schedule`]: the *intended* send times of sender number `index` (from 0) of `senders`, when
//!   all senders together send `rate` messages per second for `duration`. Each sender sends once
//!   every `period = senders / rate` seconds, starting at `offset = index × period / senders` so
//!   that the senders take turns; its times are `offset + k × period` for k = 0, 1, 2, … while they
//!   are before `duration`.
//! - [`percentile`]: the nearest-rank percentile of some samples (not sorted): the smallest sample
//!   such that at least the fraction `q` of all samples is at most it. `q` is in (0, 1]; no samples
//!   means `None`. (`q = 0.5` is the median, `q = 1.0` the maximum.)
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use std::time::Duration;

/// The intended send times of sender `index` of `senders`, at `rate` messages/s in all, for `duration`.
pub fn schedule(rate: f64, senders: usize, index: usize, duration: Duration) -> Vec<Duration> {
    todo!()
}

/// The nearest-rank `q` percentile of `samples`, or `None` if there are none.
pub fn percentile(samples: &[u64], q: f64) -> Option<u64> {
    todo!()
}

#[cfg(test)]
mod tests;

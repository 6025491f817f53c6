//! # Exercise 5.2 — A bounded wait
//!
//! Stage 5 — Testing and performance. Book: chapter 5, overview of tests.
//! Check it with `cargo ex check 5.2`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 5.2`.
//!
//! ## Task
//!
//! Every wait in a test must have a limit, so that a bug makes the test fail quickly instead of
//! hanging CI for an hour. Write the two helpers this repository's tests are built on:
//!
//! - [`within`]: run a future for at most `limit`; its output, or [`TimedOut`].
//! - [`eventually`]: for a condition that no event announces (a count in a registry, say), check
//!   it at once and then every `step`, until it is true — return how long that took — or until
//!   `limit` has passed — return [`TimedOut`]. Never wait past the limit, even if `limit` is not a
//!   multiple of `step`: the last wait is shortened.
//!
//! Use tokio's clock (`tokio::time::Instant`, `sleep`, `timeout`): the tests run on the paused
//! clock, so every duration is exact and no real time passes.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// The limit passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut {
    /// The limit that passed.
    pub limit: Duration,
}

/// Runs `future` for at most `limit`.
pub async fn within<F: Future>(limit: Duration, future: F) -> Result<F::Output, TimedOut> {
    todo!()
}

/// Checks `condition` now and every `step` until it is true (returns the time taken) or `limit`
/// has passed.
pub async fn eventually(
    mut condition: impl FnMut() -> bool,
    step: Duration,
    limit: Duration,
) -> Result<Duration, TimedOut> {
    todo!()
}

#[cfg(test)]
mod tests;

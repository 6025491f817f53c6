//! # Exercise 4.5 — Graceful shutdown
//!
//! Stage 4 — Architecture. Book: chapter 4, "Graceful shutdown".
//! Check it with `cargo ex check 4.5`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 4.5`.
//!
//! ## Task
//!
//! Implement [`run_workers`], the shape of every graceful shutdown:
//!
//! 1. start `workers` tasks on a `TaskTracker`; each counts *ticks*: it waits `tick`, adds one to a
//!    shared counter, and repeats;
//! 2. when the `shutdown` future completes, cancel a `CancellationToken` that every worker
//!    watches. A worker that sees it stops ticking, then spends `cleanup` (a `sleep`) saying
//!    goodbye, then ends. A tick in progress when the token fires is abandoned, not counted;
//! 3. wait for all workers, but for at most `grace`. If they all ended in time, report
//!    `finished_in_time: true`; otherwise return anyway after `grace`, with `false` (the
//!    remaining workers are left to the runtime to drop).
//!
//! Return the total ticks counted and whether shutdown finished in time. The tests run on the
//! paused clock, so every duration is exact and no real time passes.
//!
//! ## What you may change
//!
//! Fill in the body that says `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// What a shutdown found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Ticks counted by all workers together.
    pub ticks: u64,
    /// Whether every worker ended within the grace period.
    pub finished_in_time: bool,
}

/// Runs `workers` ticking workers until `shutdown`, then stops them within `grace`.
pub async fn run_workers(
    workers: usize,
    tick: Duration,
    cleanup: Duration,
    grace: Duration,
    shutdown: impl Future<Output = ()>,
) -> Report {
    todo!(
        "tracker.spawn each worker; await shutdown; token.cancel(); tracker.close(); timeout(grace, tracker.wait())"
    )
}

#[cfg(test)]
mod tests;

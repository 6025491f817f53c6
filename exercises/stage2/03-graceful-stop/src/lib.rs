//! # Exercise 2.3 — Graceful stop
//!
//! Stage 2 — Concurrency. Book: chapter 2, "One task per client" and "select!".
//! Check it with `cargo ex check 2.3`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 2.3`.
//!
//! ## Task
//!
//! A server has background workers, for example one that writes each room's history to disk.
//! When the server shuts down, a worker must stop soon, but not in the middle of a job: a
//! half-written file is worse than a late one. Implement [`worker`]:
//!
//! - take [`Job`]s from `jobs` one at a time; "doing" a job means waiting `job.work` (use
//!   `tokio::time::sleep`), then recording `job.id` in `done`;
//! - `shutdown` is a `watch` channel holding `false` until the server sets it to `true`. When it
//!   becomes `true`, finish the job in progress (if any), then stop with [`Stop::Shutdown`],
//!   leaving the remaining jobs undone. If it is already `true` when the worker starts, do no
//!   job at all;
//! - when `jobs` is closed and empty, stop with [`Stop::NoMoreJobs`];
//! - when a job and the shutdown are both ready at once, the shutdown wins: `tokio::select!`
//!   picks at random among ready branches unless you write `biased;` as its first line, which
//!   tries the branches in the order written.
//!
//! The tests run on tokio's paused clock, so the timings are exact and take no real time.
//!
//! ## What you may change
//!
//! Fill in the body that says `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use std::time::Duration;

use tokio::sync::{mpsc, watch};

/// One unit of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    /// Which job.
    pub id: u32,
    /// How long it takes.
    pub work: Duration,
}

/// Why the worker stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The shutdown signal was set.
    Shutdown,
    /// The job channel was closed and empty.
    NoMoreJobs,
}

/// What the worker did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The ids of the finished jobs, in order.
    pub done: Vec<u32>,
    /// Why it stopped.
    pub stop: Stop,
}

/// Does jobs until shutdown or until there are no more jobs.
pub async fn worker(mut jobs: mpsc::Receiver<Job>, mut shutdown: watch::Receiver<bool>) -> Summary {
    todo!("a loop around select!, with biased; the shutdown first, then the next job")
}

#[cfg(test)]
mod tests;

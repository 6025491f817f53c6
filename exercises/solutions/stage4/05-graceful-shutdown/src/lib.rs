//! # Exercise 4.5 — Graceful shutdown: reference solution
//!
//! Stage 4 — Architecture. The exercise is `exercises/stage4/05-graceful-shutdown`; this file is
//! tested with that exercise's own `src/tests.rs`.

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
    let token = CancellationToken::new();
    let tracker = TaskTracker::new();
    let ticks = Arc::new(AtomicU64::new(0));
    for _ in 0..workers {
        let token = token.clone();
        let ticks = Arc::clone(&ticks);
        tracker.spawn(async move {
            loop {
                tokio::select! {
                    biased;
                    () = token.cancelled() => break,
                    () = tokio::time::sleep(tick) => {
                        ticks.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            tokio::time::sleep(cleanup).await; // saying goodbye
        });
    }
    shutdown.await;
    token.cancel();
    tracker.close();
    let finished_in_time = tokio::time::timeout(grace, tracker.wait()).await.is_ok();
    Report {
        ticks: ticks.load(Ordering::Relaxed),
        finished_in_time,
    }
}

#[cfg(test)]
#[path = "../../../../stage4/05-graceful-shutdown/src/tests.rs"]
mod tests;

//! # Exercise 2.3 — Graceful stop: reference solution
//!
//! Stage 2 — Concurrency. The exercise is `exercises/stage2/03-graceful-stop`; this file is
//! tested with that exercise's own `src/tests.rs`.

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
    let mut done = Vec::new();
    if *shutdown.borrow() {
        return Summary {
            done,
            stop: Stop::Shutdown,
        };
    }
    let stop = loop {
        let next = tokio::select! {
            biased;
            changed = shutdown.changed() => match changed {
                Ok(()) if *shutdown.borrow() => break Stop::Shutdown,
                Ok(()) => continue,
                // The sender is gone: nobody can ask us to stop any more; keep working.
                Err(_) => jobs.recv().await,
            },
            job = jobs.recv() => job,
        };
        let Some(job) = next else {
            break Stop::NoMoreJobs;
        };
        // The job runs outside `select!`, so nothing can interrupt it halfway.
        tokio::time::sleep(job.work).await;
        done.push(job.id);
    };
    Summary { done, stop }
}

#[cfg(test)]
#[path = "../../../../stage2/03-graceful-stop/src/tests.rs"]
mod tests;

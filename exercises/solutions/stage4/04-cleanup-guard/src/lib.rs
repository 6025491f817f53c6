//! # Exercise 4.4 — Cleanup on every path: reference solution
//!
//! Stage 4 — Architecture. The exercise is `exercises/stage4/04-cleanup-guard`; this file is
//! tested with that exercise's own `src/tests.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// No seat was free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no seat is free")]
pub struct NoSeat;

/// A fixed number of seats, shared by all connections. Clones share the same seats.
#[derive(Debug, Clone)]
pub struct Seats {
    taken: Arc<AtomicUsize>,
    total: usize,
}

/// One taken seat. Dropping it gives the seat back.
#[derive(Debug)]
pub struct Seat {
    taken: Arc<AtomicUsize>,
}

impl Seats {
    /// `total` seats, all free.
    pub fn new(total: usize) -> Seats {
        Seats {
            taken: Arc::new(AtomicUsize::new(0)),
            total,
        }
    }

    /// Takes a free seat, or says there is none.
    pub fn take(&self) -> Result<Seat, NoSeat> {
        // Check and take in one atomic step, so two threads cannot both take the last seat.
        self.taken
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.total).then_some(n + 1)
            })
            .map(|_| Seat {
                taken: Arc::clone(&self.taken),
            })
            .map_err(|_| NoSeat)
    }

    /// How many seats are taken now.
    pub fn taken(&self) -> usize {
        self.taken.load(Ordering::SeqCst)
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.taken.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
#[path = "../../../../stage4/04-cleanup-guard/src/tests.rs"]
mod tests;

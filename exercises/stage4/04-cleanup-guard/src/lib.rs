//! # Exercise 4.4 — Cleanup on every path
//!
//! Stage 4 — Architecture. Book: chapter 4, "The connection lifecycle".
//! Check it with `cargo ex check 4.4`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 4.4`.
//!
//! ## Task
//!
//! A server has a fixed number of seats (say, one per licensed connection). A connection takes a
//! seat when it starts and must give it back when it ends, however it ends: a normal return, an
//! early `return Err(...)` through `?`, a panic, or its task being aborted. Remembering to call
//! `release()` on every path is how seats leak. Instead, taking a seat returns a [`Seat`] value,
//! and *dropping* that value gives the seat back: Rust drops it on every one of those paths.
//! Implement:
//!
//! - [`Seats::take`]: if a seat is free, mark it taken and return a [`Seat`]; otherwise
//!   `Err(NoSeat)`;
//! - `Drop for Seat`: give the seat back;
//! - [`Seats::taken`]: how many seats are taken now.
//!
//! `Seats` is cloned into many tasks, so its count lives behind an `Arc` and changes atomically
//! or under a lock.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

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
        todo!("never go above total, even with many threads taking at once")
    }

    /// How many seats are taken now.
    pub fn taken(&self) -> usize {
        todo!()
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        todo!()
    }
}

#[cfg(test)]
mod tests;

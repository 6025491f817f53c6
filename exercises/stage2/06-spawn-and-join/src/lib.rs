//! # Exercise 2.6 — Spawn and join
//!
//! Stage 2 — Concurrency. Book: chapter 2, "The runtime, tasks and threads" and
//! "One task per client".
//! Check it with `cargo ex check 2.6`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 2.6`.
//!
//! ## Task
//!
//! When a server starts, it may have to do something for every client at once, for example send
//! each a welcome. [`greet`] (given) does it for one client and takes a while, longer for some
//! clients than others; for one it even panics. Implement [`greet_all`]:
//!
//! - run [`greet`] for every name **concurrently**, each in its own `tokio::spawn`ed task, so the
//!   whole thing takes as long as the slowest allowed greeting, not the sum of them;
//! - give each greeting at most `limit`: one that takes longer is stopped and reported as
//!   [`Outcome::TimedOut`];
//! - a task that panics must not bring the others down: report it as [`Outcome::Panicked`];
//! - return the outcomes **in the order of `names`**, not in the order they finished;
//! - when `greet_all` returns, no task it spawned may still be running.
//!
//! ## What you may change
//!
//! Fill in the body that says `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use std::time::Duration;

/// How one client's greeting went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The greeting that was sent.
    Greeted(String),
    /// The greeting took longer than the limit; the name is given.
    TimedOut(String),
    /// The greeting's task panicked; the name is given.
    Panicked(String),
}

/// Greets one client: takes one second per character of the name. Panics for the name `crash`.
pub async fn greet(name: String) -> String {
    tokio::time::sleep(Duration::from_secs(name.chars().count() as u64)).await;
    if name == "crash" {
        panic!("the greeting for {name} crashed");
    }
    format!("hello, {name}")
}

/// Greets everyone at once, each within `limit`; outcomes in the order of `names`.
pub async fn greet_all(names: Vec<String>, limit: Duration) -> Vec<Outcome> {
    todo!("spawn a task per name, each with tokio::time::timeout; await the handles in order")
}

#[cfg(test)]
mod tests;

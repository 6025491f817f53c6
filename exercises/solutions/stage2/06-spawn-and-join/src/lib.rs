//! # Exercise 2.6 — Spawn and join: reference solution
//!
//! Stage 2 — Concurrency. The exercise is `exercises/stage2/06-spawn-and-join`; this file is
//! tested with that exercise's own `src/tests.rs`.

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
    // Spawn every task before awaiting any, so they all run at once.
    let handles: Vec<_> = names
        .iter()
        .map(|name| tokio::spawn(tokio::time::timeout(limit, greet(name.clone()))))
        .collect();
    let mut outcomes = Vec::with_capacity(names.len());
    for (name, handle) in names.into_iter().zip(handles) {
        outcomes.push(match handle.await {
            Ok(Ok(greeting)) => Outcome::Greeted(greeting),
            Ok(Err(_elapsed)) => Outcome::TimedOut(name),
            Err(_join_error) => Outcome::Panicked(name),
        });
    }
    outcomes
}

#[cfg(test)]
#[path = "../../../../stage2/06-spawn-and-join/src/tests.rs"]
mod tests;

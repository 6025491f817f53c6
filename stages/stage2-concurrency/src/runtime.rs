//! The tokio runtime: what `#[tokio::main]` writes for you, and why tasks are cheap.
//!
//! Stage 2 — Concurrency, book chapter 2, section "The runtime, tasks and threads".
//!
//! An `async fn` does nothing until something polls it. The runtime is that something: a small
//! pool of worker threads that poll many tasks, switching to another task whenever one is waiting
//! (for a message, a timer, a socket). A task is a few hundred bytes and a spawn costs far less
//! than a thread, so a server can give every client its own task.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinSet;

// ANCHOR: build
/// Builds the runtime that `#[tokio::main]` would build, with a chosen number of worker threads.
///
/// ```text
/// #[tokio::main]                      fn main() {
/// async fn main() {          ==>          Builder::new_multi_thread().enable_all().build()
///     body                                    .unwrap()
/// }                                           .block_on(async { body })
///                                     }
/// ```
pub fn build_runtime(worker_threads: usize) -> std::io::Result<Runtime> {
    Builder::new_multi_thread()
        .worker_threads(worker_threads)
        .enable_all() // timers and I/O drivers
        .build()
}
// ANCHOR_END: build

// ANCHOR: tasks
/// Spawns `count` tasks and returns how many threads ran them. With a multi-threaded runtime of
/// N workers, that is at most N: tasks are scheduled onto threads, not given one each.
pub async fn tasks_on_threads(count: usize) -> usize {
    let threads = Arc::new(Mutex::new(HashSet::new()));
    let mut tasks = JoinSet::new();
    for _ in 0..count {
        let threads = Arc::clone(&threads);
        tasks.spawn(async move {
            let id = std::thread::current().id();
            threads
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(id);
        });
    }
    // Wait for every task, so none is left running when we return.
    while tasks.join_next().await.is_some() {}
    threads.lock().unwrap_or_else(PoisonError::into_inner).len()
}
// ANCHOR_END: tasks

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_tasks_share_few_threads() {
        let runtime = build_runtime(2).unwrap();
        let threads = runtime.block_on(tasks_on_threads(10_000));
        assert!(
            (1..=2).contains(&threads),
            "10,000 tasks ran on {threads} threads"
        );
        assert_eq!(
            runtime.metrics().num_alive_tasks(),
            0,
            "every task was awaited"
        );
    }
}

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
use std::time::Duration;

use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::JoinSet;
use tokio::time::Instant;

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

// ANCHOR: settle
/// How many tasks are still alive on the current runtime, once finished ones have been released.
///
/// tokio counts a task as alive until the worker thread that ran it has released it, which
/// happens a moment *after* its `JoinHandle` has returned. So this waits, for at most `limit`,
/// for the count to reach zero. It waits on a timer rather than spinning, so that on a busy
/// machine the worker that still has to release a task gets the CPU. A task that is really still
/// running keeps the count above zero, and that is what this returns after `limit`.
pub async fn alive_tasks_settled(limit: Duration) -> usize {
    let deadline = Instant::now() + limit;
    loop {
        let alive = Handle::current().metrics().num_alive_tasks();
        if alive == 0 || Instant::now() >= deadline {
            return alive;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
// ANCHOR_END: settle

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_tasks_share_few_threads() {
        let runtime = build_runtime(2).unwrap();
        let (threads, alive) = runtime.block_on(async {
            let threads = tasks_on_threads(10_000).await;
            (threads, alive_tasks_settled(Duration::from_secs(5)).await)
        });
        assert!(
            (1..=2).contains(&threads),
            "10,000 tasks ran on {threads} threads"
        );
        assert_eq!(alive, 0, "every task was awaited");
    }
}

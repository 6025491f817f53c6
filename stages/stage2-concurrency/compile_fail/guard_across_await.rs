// Stage 2 — Concurrency, book chapter 2, "Shared state: the registry", subsection
// "Never hold a lock across .await". This file does NOT compile, on purpose:
// `tests/compile_fail.rs` checks that rustc refuses it, and the book shows the error.
use std::future::Future;
use std::sync::Mutex;

/// Stands in for `tokio::spawn`, which asks the same of its future: it must be `Send`, because
/// the runtime may move a task to another worker thread whenever it waits at an `.await`.
pub fn spawn<F: Future + Send + 'static>(task: F) {
    drop(task);
}

async fn write_to_socket() {}

// ANCHOR: here
pub fn count_and_send(counter: &'static Mutex<u64>) {
    spawn(async move {
        let mut count = counter.lock().expect("lock poisoned");
        *count += 1;
        write_to_socket().await; // the guard is still alive while this task waits
        *count += 1;
    });
}
// ANCHOR_END: here

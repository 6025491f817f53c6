// Stage 2 — Concurrency, book chapter 2, "Shared state: the registry", subsection
// "Never hold a lock across .await". The fixed version of `guard_across_await.rs`:
// `tests/compile_fail.rs` checks that it compiles.
use std::future::Future;
use std::sync::Mutex;

/// Stands in for `tokio::spawn` (see `guard_across_await.rs`).
pub fn spawn<F: Future + Send + 'static>(task: F) {
    drop(task);
}

async fn write_to_socket() {}

// ANCHOR: here
pub fn count_and_send(counter: &'static Mutex<u64>) {
    spawn(async move {
        {
            let mut count = counter.lock().expect("lock poisoned");
            *count += 1;
        } // the guard is dropped here, before the task can wait
        write_to_socket().await;
    });
}
// ANCHOR_END: here

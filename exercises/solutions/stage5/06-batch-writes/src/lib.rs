//! # Exercise 5.6 — Batch the writes: reference solution
//!
//! Stage 5 — Testing and performance. The exercise is `exercises/stage5/06-batch-writes`; this
//! file is tested with that exercise's own `src/tests.rs`.

use futures_util::{Sink, SinkExt};
use tokio::sync::mpsc;

/// The next batch: the first message (waited for), then up to `max - 1` more already queued.
pub async fn next_batch<T>(queue: &mut mpsc::Receiver<T>, max: usize) -> Option<Vec<T>> {
    let first = queue.recv().await?;
    let mut batch = vec![first];
    while batch.len() < max {
        match queue.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// Feeds every message into `sink`, in order, then flushes once.
pub async fn write_batch<S>(sink: &mut S, batch: Vec<String>) -> Result<(), S::Error>
where
    S: Sink<String> + Unpin,
{
    for message in batch {
        sink.feed(message).await?;
    }
    sink.flush().await
}

#[cfg(test)]
#[path = "../../../../stage5/06-batch-writes/src/tests.rs"]
mod tests;

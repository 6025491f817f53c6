//! Tests for exercise 5.6. Read them to see what is expected; do not edit them.

use super::*;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// A sink that records what it was given and counts its flushes.
#[derive(Debug, Default)]
struct Recorder {
    items: Vec<String>,
    flushes: usize,
}

impl Sink<String> for Recorder {
    type Error = Infallible;

    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, item: String) -> Result<(), Infallible> {
        self.get_mut().items.push(item);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.get_mut().flushes += 1;
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }
}

fn strings(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("m{i}")).collect()
}

#[tokio::test]
async fn a_batch_is_everything_already_queued() {
    let (sender, mut queue) = mpsc::channel(256);
    for text in strings(100) {
        sender.send(text).await.unwrap();
    }
    let batch = next_batch(&mut queue, 256).await.expect("a batch");
    assert_eq!(batch, strings(100), "all 100, in order");
}

#[tokio::test]
async fn batches_are_at_most_max() {
    let (sender, mut queue) = mpsc::channel(16);
    for text in strings(10) {
        sender.send(text).await.unwrap();
    }
    drop(sender);
    let mut sizes = Vec::new();
    while let Some(batch) = next_batch(&mut queue, 4).await {
        sizes.push(batch.len());
    }
    assert_eq!(
        sizes,
        [4, 4, 2],
        "then None once the queue is closed and empty"
    );
}

#[tokio::test(start_paused = true)]
async fn the_first_message_is_waited_for() {
    let (sender, mut queue) = mpsc::channel(4);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        sender.send("late".to_owned()).await.unwrap();
    });
    let start = tokio::time::Instant::now();
    let batch = tokio::time::timeout(Duration::from_secs(60), next_batch(&mut queue, 4))
        .await
        .expect("in time");
    assert_eq!(batch, Some(vec!["late".to_owned()]));
    assert_eq!(start.elapsed(), Duration::from_secs(1));
}

#[tokio::test]
async fn a_batch_is_written_with_one_flush() {
    let mut sink = Recorder::default();
    write_batch(&mut sink, strings(100)).await.unwrap();
    assert_eq!(sink.items, strings(100), "everything, in order");
    assert_eq!(
        sink.flushes, 1,
        "one flush for the whole batch: feed, not send"
    );
}

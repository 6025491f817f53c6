//! # Exercise 2.4 — Stream pipeline: reference solution
//!
//! Stage 2 — Concurrency. The exercise is `exercises/stage2/04-stream-pipeline`; this file is
//! tested with that exercise's own `src/tests.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::ready;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
pub use stage1_foundations::{Message, Username};

/// The messages in what `user` typed: cleaned up, up to `/quit`.
pub fn messages(
    user: Username,
    lines: impl Stream<Item = String> + Send + 'static,
) -> BoxStream<'static, Message> {
    lines
        .map(|line| line.trim().to_owned())
        .filter(|line| ready(!line.is_empty() && !line.starts_with('#')))
        .take_while(|line| ready(line != "/quit"))
        .filter_map(move |line| ready(Message::new(user.clone(), &line).ok()))
        .boxed()
}

/// How many messages each user sent.
pub async fn per_user(messages: impl Stream<Item = Message>) -> BTreeMap<String, usize> {
    messages
        .fold(BTreeMap::new(), |mut counts, message| {
            *counts.entry(message.username().to_string()).or_insert(0) += 1;
            ready(counts)
        })
        .await
}

/// At most `limit` items, or those that arrived within `within`, whichever comes first.
pub async fn first_within<S>(stream: S, limit: usize, within: Duration) -> Vec<S::Item>
where
    S: Stream + Unpin,
{
    stream
        .take(limit)
        .take_until(tokio::time::sleep(within))
        .collect()
        .await
}

#[cfg(test)]
#[path = "../../../../stage2/04-stream-pipeline/src/tests.rs"]
mod tests;

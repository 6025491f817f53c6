//! # Exercise 2.4 — Stream pipeline
//!
//! Stage 2 — Concurrency. Book: chapter 2, "Futures and streams".
//! Check it with `cargo ex check 2.4`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 2.4`.
//!
//! ## Task
//!
//! What a user types arrives as a `Stream` of lines, one at a time and at any pace. Build the
//! pieces that turn it into chat messages, with `StreamExt` adapters rather than hand-written
//! loops where an adapter fits:
//!
//! - [`messages`]: trim each line; drop empty lines and comment lines (starting with `#`); end
//!   the stream at the line `/quit` (nothing after it is used); turn each remaining line into a
//!   [`Message`] from `user` with `Message::new`, skipping the lines it refuses (too long).
//!   It returns a `BoxStream` (a `Stream` in a `Box`, from `StreamExt::boxed()`): a function
//!   that builds a stream out of adapters has a type too long to write, and the box hides it.
//! - [`per_user`]: count the messages of a stream per username (a fold).
//! - [`first_within`]: collect items from a stream until it has `limit` of them or `within` has
//!   passed, whichever comes first, and return what it has. Items already received must not be
//!   lost when the time runs out, so `tokio::time::timeout` around the whole collection is not
//!   the answer (on timeout it returns nothing). Look at `StreamExt::take_until`.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

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
    todo!("map, filter, take_while, filter_map ... then .boxed()")
}

/// How many messages each user sent.
pub async fn per_user(messages: impl Stream<Item = Message>) -> BTreeMap<String, usize> {
    todo!("fold into a BTreeMap")
}

/// At most `limit` items, or those that arrived within `within`, whichever comes first.
pub async fn first_within<S>(stream: S, limit: usize, within: Duration) -> Vec<S::Item>
where
    S: Stream + Unpin,
{
    todo!("take, take_until a sleep, collect")
}

#[cfg(test)]
mod tests;

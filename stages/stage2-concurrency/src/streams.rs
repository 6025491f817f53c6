//! Streams: values that arrive over time, processed with `StreamExt`.
//!
//! Stage 2 — Concurrency, book chapter 2, section "Futures and streams".
//!
//! A `Future` produces one value, later. A `Stream` produces many values, each later: lines a
//! user types, messages from a socket (stage 3's WebSocket is a stream of frames). `StreamExt`
//! gives streams the adapters iterators have — `map`, `filter`, `take_while`, `then`, `fold` —
//! except that each step may wait. Nothing runs until something polls the stream, just as with
//! futures.

use std::time::Duration;

use futures_util::future::ready;
use futures_util::{Stream, StreamExt, stream};

// ANCHOR: typing
/// A simulated typist: yields `lines` one by one, waiting `pause` before each. `then` runs an
/// async step per item; the stream waits for it before yielding the next line.
pub fn typing(lines: Vec<String>, pause: Duration) -> impl Stream<Item = String> {
    stream::iter(lines).then(move |line| async move {
        tokio::time::sleep(pause).await;
        line
    })
}
// ANCHOR_END: typing

// ANCHOR: tidy
/// Cleans up typed input: trims each line, drops blank ones, and ends the stream at `/quit`.
pub fn tidy(typed: impl Stream<Item = String>) -> impl Stream<Item = String> {
    typed
        .map(|line| line.trim().to_owned())
        .filter(|line| ready(!line.is_empty()))
        .take_while(|line| ready(line != "/quit"))
}
// ANCHOR_END: tidy

// ANCHOR: fold
/// Counts the words in everything a stream yields, by folding it into one number.
pub async fn count_words(lines: impl Stream<Item = String>) -> usize {
    lines
        .fold(0, |total, line| {
            ready(total + line.split_whitespace().count())
        })
        .await
}
// ANCHOR_END: fold

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    fn lines(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| t.to_string()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn typing_waits_before_each_line() {
        let start = Instant::now();
        let mut typed = Box::pin(typing(
            lines(&["one", "two", "three"]),
            Duration::from_secs(1),
        ));
        let mut arrivals = Vec::new();
        while let Some(line) = typed.next().await {
            arrivals.push((line, start.elapsed().as_secs()));
        }
        let expected = [("one", 1), ("two", 2), ("three", 3)].map(|(l, s)| (l.to_owned(), s));
        assert_eq!(
            arrivals, expected,
            "the paused clock advances exactly by each pause"
        );
    }

    #[tokio::test]
    async fn tidy_trims_skips_blanks_and_stops_at_quit() {
        let typed = stream::iter(lines(&[
            "  hi  ",
            "",
            "   ",
            "there",
            "/quit",
            "never seen",
        ]));
        let cleaned: Vec<String> = tidy(typed).collect().await;
        assert_eq!(cleaned, ["hi", "there"]);
    }

    #[tokio::test]
    async fn count_words_folds_the_stream() {
        let typed = stream::iter(lines(&["hello there", "", "how are  you"]));
        assert_eq!(count_words(typed).await, 5);
        assert_eq!(count_words(stream::iter(Vec::<String>::new())).await, 0);
    }

    #[test]
    fn nothing_happens_until_polled() {
        // Building the pipeline runs none of it: no runtime is even needed here.
        let _pipeline = tidy(typing(lines(&["a"]), Duration::from_secs(3600)));
    }
}

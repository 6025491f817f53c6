//! Tests for exercise 2.4. Read them to see what is expected; do not edit them.

use super::*;
use futures_util::stream;
use tokio::time::{Instant, sleep};

fn user(name: &str) -> Username {
    Username::parse(name).unwrap()
}

fn lines(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| t.to_string()).collect()
}

/// Lines that arrive one per second.
fn slow_lines(texts: &[&str]) -> impl Stream<Item = String> + Send + 'static {
    stream::iter(lines(texts)).then(|line| async move {
        sleep(Duration::from_secs(1)).await;
        line
    })
}

#[tokio::test]
async fn messages_are_trimmed_and_blank_or_comment_lines_dropped() {
    let typed = stream::iter(lines(&[
        "  hello  ",
        "",
        "   ",
        "# a note to self",
        "how are you?",
    ]));
    let texts: Vec<String> = messages(user("ann"), typed)
        .map(|m| m.text().to_owned())
        .collect()
        .await;
    assert_eq!(texts, ["hello", "how are you?"]);
}

#[tokio::test]
async fn messages_stop_at_quit() {
    let typed = stream::iter(lines(&["one", " /quit ", "never sent"]));
    let texts: Vec<String> = messages(user("ann"), typed)
        .map(|m| m.text().to_owned())
        .collect()
        .await;
    assert_eq!(texts, ["one"], "nothing after /quit is used");
}

#[tokio::test]
async fn messages_skip_what_message_new_refuses_and_keep_the_sender() {
    let too_long = "x".repeat(5_000);
    let typed = stream::iter(vec!["before".to_owned(), too_long, "after".to_owned()]);
    let found: Vec<Message> = messages(user("bo"), typed).collect().await;
    let texts: Vec<&str> = found.iter().map(|m| m.text()).collect();
    assert_eq!(
        texts,
        ["before", "after"],
        "a refused line is skipped, not the end of the stream"
    );
    assert!(found.iter().all(|m| m.username() == &user("bo")));
}

#[tokio::test(start_paused = true)]
async fn messages_work_on_a_slow_stream_too() {
    let start = Instant::now();
    let texts: Vec<String> = messages(user("ann"), slow_lines(&["a", "b", "/quit", "c"]))
        .map(|m| m.text().to_owned())
        .collect()
        .await;
    assert_eq!(texts, ["a", "b"]);
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(3),
        "it stops as soon as /quit arrives"
    );
}

#[tokio::test]
async fn per_user_counts_by_username() {
    let all = vec![
        Message::new(user("ann"), "1").unwrap(),
        Message::new(user("bo"), "2").unwrap(),
        Message::new(user("ann"), "3").unwrap(),
    ];
    let counts = per_user(stream::iter(all)).await;
    let expected: BTreeMap<String, usize> = [("ann".to_owned(), 2), ("bo".to_owned(), 1)].into();
    assert_eq!(counts, expected);
    assert!(
        per_user(stream::iter(Vec::<Message>::new()))
            .await
            .is_empty()
    );
}

#[tokio::test(start_paused = true)]
async fn first_within_stops_at_the_limit() {
    let start = Instant::now();
    let got = first_within(
        Box::pin(slow_lines(&["a", "b", "c", "d"])),
        2,
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(got, ["a", "b"]);
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(2),
        "no waiting after the limit is reached"
    );
}

#[tokio::test(start_paused = true)]
async fn first_within_keeps_what_arrived_before_the_deadline() {
    let start = Instant::now();
    let got = first_within(
        Box::pin(slow_lines(&["a", "b", "c", "d", "e"])),
        10,
        Duration::from_millis(3_500),
    )
    .await;
    assert_eq!(
        got,
        ["a", "b", "c"],
        "three lines arrived within 3.5 seconds: keep them"
    );
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(3_500),
        "stop at the deadline"
    );
}

#[tokio::test(start_paused = true)]
async fn first_within_ends_with_the_stream() {
    let got = first_within(Box::pin(slow_lines(&["only"])), 10, Duration::from_secs(60)).await;
    assert_eq!(got, ["only"]);
}

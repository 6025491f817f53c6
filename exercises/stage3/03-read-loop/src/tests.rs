//! Tests for exercise 3.3. Read them to see what is expected; do not edit them.

use super::*;
use futures_util::stream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn frames(list: Vec<Result<Message, Error>>) -> impl Stream<Item = Result<Message, Error>> + Unpin {
    stream::iter(list)
}

#[tokio::test]
async fn texts_are_kept_in_order_and_the_end_is_vanished() {
    let summary = read_frames(frames(vec![
        Ok(Message::text("one")),
        Ok(Message::text("two")),
    ]))
    .await;
    assert_eq!(summary.texts, ["one", "two"]);
    assert_eq!(
        summary.end,
        End::Vanished,
        "the stream ended without a close frame"
    );
}

#[tokio::test]
async fn binary_and_pings_are_counted_pongs_ignored() {
    let summary = read_frames(frames(vec![
        Ok(Message::binary(vec![1, 2, 3])),
        Ok(Message::Ping(vec![1].into())),
        Ok(Message::text("hi")),
        Ok(Message::Pong(vec![1].into())),
        Ok(Message::Ping(vec![2].into())),
        Ok(Message::binary(vec![4])),
    ]))
    .await;
    assert_eq!((summary.binary_frames, summary.pings), (2, 2));
    assert_eq!(
        summary.texts,
        ["hi"],
        "pongs and binary frames are not texts"
    );
}

#[tokio::test]
async fn close_stops_reading_and_keeps_the_code() {
    let goodbye = CloseFrame {
        code: CloseCode::Away,
        reason: "tab closed".into(),
    };
    let summary = read_frames(frames(vec![
        Ok(Message::text("before")),
        Ok(Message::Close(Some(goodbye))),
        Ok(Message::text("after the close: must not be read")),
    ]))
    .await;
    assert_eq!(
        summary.texts,
        ["before"],
        "nothing after the close frame is read"
    );
    assert_eq!(
        summary.end,
        End::Closed(Some(1001)),
        "CloseCode::Away is 1001"
    );
}

#[tokio::test]
async fn close_without_a_code() {
    let summary = read_frames(frames(vec![Ok(Message::Close(None))])).await;
    assert_eq!(summary.end, End::Closed(None));
    assert!(summary.texts.is_empty());
}

#[tokio::test]
async fn an_error_ends_the_loop_with_its_text() {
    let summary = read_frames(frames(vec![
        Ok(Message::text("fine")),
        Err(Error::ConnectionClosed),
        Ok(Message::text("never read")),
    ]))
    .await;
    assert_eq!(summary.texts, ["fine"]);
    assert_eq!(
        summary.end,
        End::Failed(Error::ConnectionClosed.to_string())
    );
}

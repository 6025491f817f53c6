//! # Exercise 3.3 — The read loop: reference solution
//!
//! Stage 3 — WebSockets. The exercise is `exercises/stage3/03-read-loop`; this file is tested
//! with that exercise's own `src/tests.rs`.

use futures_util::{Stream, StreamExt};
use tokio_tungstenite::tungstenite::{Error, Message};

/// How a connection's input ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The client sent a close frame, with this code if it gave one.
    Closed(Option<u16>),
    /// The stream ended without a close frame.
    Vanished,
    /// Reading failed; the error's text.
    Failed(String),
}

/// What came in on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadSummary {
    /// The text frames, in order.
    pub texts: Vec<String>,
    /// How many binary frames arrived.
    pub binary_frames: usize,
    /// How many pings arrived.
    pub pings: usize,
    /// How it ended.
    pub end: End,
}

/// Reads frames until the connection ends, and says what came in.
pub async fn read_frames<S>(mut frames: S) -> ReadSummary
where
    S: Stream<Item = Result<Message, Error>> + Unpin,
{
    let mut texts = Vec::new();
    let mut binary_frames = 0;
    let mut pings = 0;
    let end = loop {
        match frames.next().await {
            Some(Ok(Message::Text(text))) => texts.push(text.to_string()),
            Some(Ok(Message::Binary(_))) => binary_frames += 1,
            Some(Ok(Message::Ping(_))) => pings += 1,
            Some(Ok(Message::Pong(_) | Message::Frame(_))) => {}
            Some(Ok(Message::Close(frame))) => break End::Closed(frame.map(|f| u16::from(f.code))),
            Some(Err(err)) => break End::Failed(err.to_string()),
            None => break End::Vanished,
        }
    };
    ReadSummary {
        texts,
        binary_frames,
        pings,
        end,
    }
}

#[cfg(test)]
#[path = "../../../../stage3/03-read-loop/src/tests.rs"]
mod tests;

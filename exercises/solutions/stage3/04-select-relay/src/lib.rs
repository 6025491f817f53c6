//! # Exercise 3.4 — Relay with select!: reference solution
//!
//! Stage 3 — WebSockets. The exercise is `exercises/stage3/04-select-relay`; this file is tested
//! with that exercise's own `src/tests.rs`.

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Error, Message};

/// Why a relay stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayEnd {
    /// The client closed the connection or went away.
    ClientLeft,
    /// The room side closed: the server removed this client.
    Removed,
    /// Reading from or writing to the socket failed.
    Failed,
}

/// Relays between one client (`incoming`/`outgoing`) and its room (`to_room`/`from_room`).
pub async fn relay<In, Out>(
    mut incoming: In,
    outgoing: &mut Out,
    to_room: mpsc::Sender<String>,
    mut from_room: mpsc::Receiver<String>,
) -> RelayEnd
where
    In: Stream<Item = Result<Message, Error>> + Unpin,
    Out: Sink<Message> + Unpin,
{
    loop {
        tokio::select! {
            frame = incoming.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    if to_room.send(text.to_string()).await.is_err() {
                        return RelayEnd::Removed;
                    }
                }
                Some(Ok(Message::Close(_))) | None => return RelayEnd::ClientLeft,
                Some(Ok(_)) => {}
                Some(Err(_)) => return RelayEnd::Failed,
            },
            message = from_room.recv() => match message {
                Some(text) => {
                    if outgoing.send(Message::text(text)).await.is_err() {
                        return RelayEnd::Failed;
                    }
                }
                None => {
                    let _ = outgoing.send(Message::Close(None)).await;
                    return RelayEnd::Removed;
                }
            },
        }
    }
}

#[cfg(test)]
#[path = "../../../../stage3/04-select-relay/src/tests.rs"]
mod tests;

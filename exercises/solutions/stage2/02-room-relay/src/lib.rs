//! # Exercise 2.2 — Room relay: reference solution
//!
//! Stage 2 — Concurrency. The exercise is `exercises/stage2/02-room-relay`; this file is tested
//! with that exercise's own `src/tests.rs`.

use stage1_foundations::SharedMessage;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc};

/// Why a relay stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayEnd {
    /// Every sender of the room was dropped.
    RoomClosed,
    /// The client's queue was closed.
    ClientGone,
}

/// What a relay did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    /// Messages passed on to the client.
    pub forwarded: usize,
    /// Messages lost because the client fell too far behind the room.
    pub missed: u64,
    /// Why the relay stopped.
    pub end: RelayEnd,
}

/// Relays `room` into `client` until one of them closes.
pub async fn relay(
    mut room: broadcast::Receiver<SharedMessage>,
    client: mpsc::Sender<SharedMessage>,
) -> Relayed {
    let mut forwarded = 0;
    let mut missed = 0;
    let end = loop {
        tokio::select! {
            _ = client.closed() => break RelayEnd::ClientGone,
            received = room.recv() => match received {
                Ok(message) => {
                    if client.send(message).await.is_err() {
                        break RelayEnd::ClientGone;
                    }
                    forwarded += 1;
                }
                Err(RecvError::Lagged(n)) => missed += n,
                Err(RecvError::Closed) => break RelayEnd::RoomClosed,
            },
        }
    };
    Relayed {
        forwarded,
        missed,
        end,
    }
}

#[cfg(test)]
#[path = "../../../../stage2/02-room-relay/src/tests.rs"]
mod tests;

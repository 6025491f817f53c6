//! One client's connection, from accept to goodbye: the connection lifecycle.
//!
//! Stage 4 — Architecture, book chapter 4, section "The connection lifecycle".
//!
//! A connection moves through stage 1's [`ConnectionState`]: *connecting* (accepted, no name yet),
//! *joined* (its first message named it), *leaving* (a close is under way), *gone*. Two things
//! changed from stage 3:
//! - the first message's username becomes the connection's name; later messages must use it;
//! - cleanup is a value: [`Membership`] removes the client from the registry and publishes
//!   `Disconnected` when it is dropped, so it happens on every path out of the connection —
//!   a normal close, an error returned with `?`, a timeout, even a panic.

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use stage1_foundations::{ClientId, ConnectionState, Username};
use stage2_concurrency::JoinRefused;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as Frame};
use tokio_util::sync::CancellationToken;

use crate::broadcast::broadcast;
use crate::events::Event;
use crate::message::{Goodbye, encode_error, encode_message};
use crate::state::Shared;

/// Why a connection ended badly. (Ending well is `Ok(())`.)
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The socket failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The WebSocket protocol failed (including a message over the size limit).
    #[error("websocket error: {0}")]
    WebSocket(#[from] WsError),
    /// The client did not complete the handshake in time.
    #[error("no WebSocket handshake within {0:?}")]
    HandshakeTimeout(std::time::Duration),
    /// The registry refused the connection.
    #[error("could not register: {0}")]
    Registry(#[from] JoinRefused),
}

// ANCHOR: membership
/// Proof that a client is in the registry. Dropping it takes the client out and tells the
/// observers, whatever path the connection took to end.
struct Membership {
    id: ClientId,
    shared: Arc<Shared>,
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.shared.registry.leave(self.id);
        self.shared
            .observers
            .publish(&Event::Disconnected { id: self.id });
    }
}
// ANCHOR_END: membership

// ANCHOR: serve
/// Serves one accepted connection until it ends, or until `shutdown` asks everyone to leave.
pub async fn serve(
    socket: TcpStream,
    peer: SocketAddr,
    id: ClientId,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
) -> Result<(), ConnectionError> {
    socket.set_nodelay(true)?;
    let placeholder =
        Username::parse(&format!("guest-{}", id.get())).map_err(std::io::Error::other)?;
    let queue = shared
        .registry
        .join(id, placeholder, shared.config.queue_capacity)?;
    // From this line on, every way out of this function removes the client again.
    let _membership = Membership {
        id,
        shared: Arc::clone(&shared),
    };
    shared.observers.publish(&Event::Connected { id, peer });

    let limits = WebSocketConfig::default()
        .max_message_size(Some(shared.config.max_message_bytes))
        .max_frame_size(Some(shared.config.max_message_bytes));
    let handshake = tokio_tungstenite::accept_async_with_config(socket, Some(limits));
    let limit = shared.config.handshake_timeout;
    let websocket = tokio::select! {
        _ = shutdown.cancelled() => return Ok(()),
        done = tokio::time::timeout(limit, handshake) => done.map_err(|_| ConnectionError::HandshakeTimeout(limit))??,
    };
    Connection {
        id,
        shared,
        state: ConnectionState::Connecting,
    }
    .run(websocket, queue, shutdown)
    .await
}
// ANCHOR_END: serve

/// A connection after the handshake.
struct Connection {
    id: ClientId,
    shared: Arc<Shared>,
    state: ConnectionState,
}

impl Connection {
    // ANCHOR: run
    async fn run(
        mut self,
        websocket: tokio_tungstenite::WebSocketStream<TcpStream>,
        mut queue: tokio::sync::mpsc::Receiver<stage1_foundations::SharedMessage>,
        shutdown: CancellationToken,
    ) -> Result<(), ConnectionError> {
        let (mut outgoing, mut incoming) = websocket.split();
        let goodbye = loop {
            tokio::select! {
                // `biased`: when shutdown and a frame are both ready, shutdown wins.
                biased;
                _ = shutdown.cancelled() => break Some(Goodbye::ShuttingDown),
                frame = incoming.next() => match frame {
                    Some(Ok(Frame::Text(text))) => {
                        if let Some(error) = self.handle_text(&text) {
                            outgoing.send(Frame::text(encode_error(&error))).await?;
                        }
                    }
                    Some(Ok(Frame::Binary(_))) => {
                        let error = encode_error("binary frames are not supported: send JSON as text");
                        outgoing.send(Frame::text(error)).await?;
                    }
                    Some(Ok(Frame::Ping(_) | Frame::Pong(_) | Frame::Frame(_))) => {}
                    Some(Ok(Frame::Close(_))) | None => break None,
                    Some(Err(WsError::Capacity(_))) => break Some(Goodbye::TooBig),
                    Some(Err(err)) => return Err(err.into()),
                },
                message = queue.recv() => match message {
                    Some(message) => outgoing.send(Frame::text(encode_message(&message))).await?,
                    // Only the broadcaster removes a live client, and only for being too slow.
                    None => break Some(Goodbye::TooSlow),
                },
            }
        };
        let _ = self.state.leave(); // refused only if it never joined, which is fine here
        if let Some(goodbye) = goodbye {
            // Best effort: a client that is too slow or already gone may never read it.
            let _ = outgoing.send(goodbye.frame()).await;
        }
        // Completes the closing handshake (or flushes our close frame).
        let _ = outgoing.close().await;
        self.state.close();
        Ok(())
    }
    // ANCHOR_END: run

    // ANCHOR: handle_text
    /// Handles one text frame; returns an error text for the client if it was refused.
    fn handle_text(&mut self, text: &str) -> Option<String> {
        let message = match parse(text) {
            Ok(message) => message,
            Err(err) => return Some(err),
        };
        match self.state.username() {
            // The first good message names the connection: connecting -> joined.
            None => {
                let username = message.username().clone();
                if self.state.join(username.clone()).is_err() {
                    return Some("this connection is closing".to_owned());
                }
                let event = Event::Joined {
                    id: self.id,
                    username: username.to_string(),
                };
                self.shared.observers.publish(&event);
            }
            Some(joined) if joined != message.username() => {
                return Some(format!(
                    "you joined as {joined}; this connection cannot speak as {}",
                    message.username()
                ));
            }
            Some(_) => {}
        }
        broadcast(&self.shared, self.id, message);
        None
    }
    // ANCHOR_END: handle_text
}

/// Parses an incoming frame with the server's clock (stage 3's rules), as an error text on failure.
pub(crate) fn parse(text: &str) -> Result<stage1_foundations::Message, String> {
    stage3_websockets::wire::parse_incoming(text, Utc::now()).map_err(|err| err.to_string())
}

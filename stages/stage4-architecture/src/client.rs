//! One client's connection, from accept to goodbye: the connection lifecycle.
//!
//! Stage 4 — Architecture, book chapter 4, section "The connection lifecycle".
//!
//! A connection moves through stage 1's [`ConnectionState`]: *connecting* (accepted, no name yet),
//! *joined* (its first message named it), *leaving* (a close is under way), *gone*. Two things
//! changed from stage 3:
//! - the first message's username becomes the connection's name; later messages must use it;
//! - cleanup is a value: `Membership` removes the client from the registry and publishes
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

/// How long saying goodbye (the close frame, then the closing handshake) may take.
const GOODBYE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

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
        let limit = self.shared.config.write_timeout;
        let goodbye = loop {
            // The error reply to send, if the frame just read was refused.
            let reply = tokio::select! {
                // `biased`: branches are tried in this order. Shutdown first; then what others
                // said, so a client's queue is drained before more of its input is read.
                biased;
                _ = shutdown.cancelled() => break Some(Goodbye::ShuttingDown),
                message = queue.recv() => match message {
                    Some(message) => Some(encode_message(&message)),
                    // Only the broadcaster removes a live client, and only for being too slow.
                    None => break Some(Goodbye::TooSlow),
                },
                frame = incoming.next() => match frame {
                    Some(Ok(Frame::Text(text))) => self.handle_text(&text).map(|error| encode_error(&error)),
                    Some(Ok(Frame::Binary(_))) => {
                        Some(encode_error("binary frames are not supported: send JSON as text"))
                    }
                    Some(Ok(Frame::Ping(_) | Frame::Pong(_) | Frame::Frame(_))) => None,
                    Some(Ok(Frame::Close(_))) | None => break None,
                    Some(Err(WsError::Capacity(_))) => break Some(Goodbye::TooBig),
                    Some(Err(err)) => return Err(err.into()),
                },
            };
            if let Some(text) = reply {
                match write(&mut outgoing, Frame::text(text), limit, &shutdown).await {
                    Written::Done => {}
                    Written::Stalled => break Some(Goodbye::TooSlow),
                    Written::ShuttingDown => break Some(Goodbye::ShuttingDown),
                    Written::Failed(err) => return Err(err.into()),
                }
            }
        };
        let _ = self.state.leave(); // refused only if it never joined, which is fine here
        // Say goodbye and finish the closing handshake, best effort and briefly: a client that is
        // too slow or already gone may never read it, and must not keep this task alive.
        if let Some(goodbye) = goodbye {
            let _ = tokio::time::timeout(GOODBYE_TIMEOUT, outgoing.send(goodbye.frame())).await;
        }
        let _ = tokio::time::timeout(GOODBYE_TIMEOUT, outgoing.close()).await;
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

// ANCHOR: write
/// How one write went.
enum Written {
    Done,
    /// The client did not take the frame within the write timeout.
    Stalled,
    /// Shutdown began while the write was waiting.
    ShuttingDown,
    Failed(WsError),
}

/// Writes one frame, but never waits longer than `limit`, and gives way to shutdown: a client
/// that stops reading fills its socket buffer, and then a plain `send` would wait forever.
async fn write<S>(
    outgoing: &mut S,
    frame: Frame,
    limit: std::time::Duration,
    shutdown: &CancellationToken,
) -> Written
where
    S: futures_util::Sink<Frame, Error = WsError> + Unpin,
{
    tokio::select! {
        sent = tokio::time::timeout(limit, outgoing.send(frame)) => match sent {
            Ok(Ok(())) => Written::Done,
            Ok(Err(err)) => Written::Failed(err),
            Err(_elapsed) => Written::Stalled,
        },
        _ = shutdown.cancelled() => Written::ShuttingDown,
    }
}
// ANCHOR_END: write

/// Parses an incoming frame with the server's clock (stage 3's rules), as an error text on failure.
pub(crate) fn parse(text: &str) -> Result<stage1_foundations::Message, String> {
    stage3_websockets::wire::parse_incoming(text, Utc::now()).map_err(|err| err.to_string())
}

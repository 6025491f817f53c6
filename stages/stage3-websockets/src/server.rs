//! The WebSocket chat server: accept, upgrade, then relay.
//!
//! Stage 3 — WebSockets, book chapter 3, sections "Accepting connections" and "One connection".
//!
//! This is deliberately the straightforward design: stage 2's [`Registry`] (an
//! `Arc<Mutex<HashMap<ClientId, Sender>>>`) holds every connection's queue, and each connection
//! has one task that reads frames from its socket and writes what arrives in its queue. It is
//! correct — nobody misses a message, a bad frame gets an error reply, a vanished client is
//! removed — but not yet efficient: every recipient serialises the same message to JSON again,
//! and every message is written and flushed on its own. Stage 5 measures this design and
//! improves on it.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use stage1_foundations::ClientId;
use stage1_foundations::Username;
use stage1_foundations::message::share;
use stage2_concurrency::Registry;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message as Frame};

use crate::wire;

/// How many messages may wait for one client before new ones are dropped for it.
pub const QUEUE_CAPACITY: usize = 1024;

/// The largest message the server accepts, in bytes. tungstenite's default is 64 MiB, far more
/// than any chat line: a client could make the server buffer that much per connection.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// How long a new connection may take to complete the WebSocket handshake. The connection is
/// already in the registry by then (see `handle_connection`), so without a limit a client that
/// opens TCP and never finishes the handshake would hold its place and its queue forever.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The address a server binary should listen on: its first command-line argument, or
/// 127.0.0.1:8080. With `-h` or `--help` it prints `usage` and returns `None`. Shared by the
/// stage 3, 4 and 5 server binaries.
pub fn listen_address(usage: &str) -> Option<String> {
    match std::env::args().nth(1) {
        Some(arg) if arg == "-h" || arg == "--help" => {
            println!("{usage}");
            None
        }
        Some(addr) => Some(addr),
        None => Some("127.0.0.1:8080".to_owned()),
    }
}

/// A bound, not yet running chat server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    registry: Registry,
}

impl Server {
    /// Binds to `addr` (use port 0 to let the system pick a free one).
    pub async fn bind(addr: &str) -> io::Result<Server> {
        Ok(Server::from_listener(TcpListener::bind(addr).await?))
    }

    /// Uses a listener that is already bound.
    pub fn from_listener(listener: TcpListener) -> Server {
        Server {
            listener,
            registry: Registry::new(),
        }
    }

    /// The address it listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle to the registry of connected clients, to watch it from outside (tests do).
    pub fn registry(&self) -> Registry {
        self.registry.clone()
    }

    // ANCHOR: accept
    /// Accepts connections forever, one task each.
    pub async fn run(self) -> io::Result<()> {
        let mut next_id = 0;
        loop {
            let (socket, peer) = match self.listener.accept().await {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Running out of file descriptors, say. Not the fault of any client, and
                    // not a reason to stop serving the others: wait a little and try again.
                    eprintln!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            next_id += 1;
            let id = ClientId::new(next_id);
            let registry = self.registry.clone();
            tokio::spawn(async move {
                if let Err(err) = handle_connection(socket, id, registry).await {
                    eprintln!("client {id} ({peer}): {err}");
                }
            });
        }
    }
    // ANCHOR_END: accept
}

// ANCHOR: handle
/// One connection, from TCP to WebSocket to goodbye.
async fn handle_connection(
    socket: TcpStream,
    id: ClientId,
    registry: Registry,
) -> Result<(), WsError> {
    // Disable Nagle's algorithm: send each small chat frame at once instead of waiting to batch.
    socket.set_nodelay(true)?;
    // Join *before* the handshake: once the client's connect call returns, every message
    // broadcast from then on is already queued for it.
    let name = Username::parse(&format!("guest-{}", id.get()))
        .map_err(|err| io::Error::other(err.to_string()))?;
    let queue = registry
        .join(id, name, QUEUE_CAPACITY)
        .map_err(|err| io::Error::other(err.to_string()))?;
    let result = match upgrade(socket).await {
        Ok(websocket) => relay(websocket, queue, &registry).await,
        Err(err) => Err(err),
    };
    // Whatever happened above, the client is gone: take it out of the registry.
    registry.leave(id);
    result
}

/// The server's half of the WebSocket handshake, with this stage's limits: messages and frames
/// of at most [`MAX_MESSAGE_BYTES`], and at most [`HANDSHAKE_TIMEOUT`] for the handshake.
pub async fn upgrade(socket: TcpStream) -> Result<WebSocketStream<TcpStream>, WsError> {
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    let handshake = tokio_tungstenite::accept_async_with_config(socket, Some(config));
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(done) => done,
        Err(_elapsed) => {
            Err(io::Error::new(io::ErrorKind::TimedOut, "no WebSocket handshake in time").into())
        }
    }
}
// ANCHOR_END: handle

// ANCHOR: relay
/// Reads the client's frames and writes what other clients say, until either side closes.
async fn relay(
    websocket: WebSocketStream<TcpStream>,
    mut queue: tokio::sync::mpsc::Receiver<stage1_foundations::SharedMessage>,
    registry: &Registry,
) -> Result<(), WsError> {
    // Two halves of one socket: a Sink we write frames into, a Stream we read frames from.
    let (mut outgoing, mut incoming) = websocket.split();
    loop {
        tokio::select! {
            frame = incoming.next() => match frame {
                Some(Ok(Frame::Text(text))) => match wire::parse_incoming(&text, Utc::now()) {
                    Ok(message) => {
                        let report = registry.broadcast(&share(message));
                        if !report.full.is_empty() {
                            eprintln!("dropped a message for {} client(s) that are not reading", report.full.len());
                        }
                    }
                    Err(err) => outgoing.send(Frame::text(wire::encode_error(&err.to_string()))).await?,
                },
                Some(Ok(Frame::Binary(_))) => {
                    let reply = wire::encode_error("binary frames are not supported: send JSON as text");
                    outgoing.send(Frame::text(reply)).await?;
                }
                // tungstenite answers pings by itself (the pong goes out on the next read or
                // write); pongs need nothing from us.
                Some(Ok(Frame::Ping(_) | Frame::Pong(_) | Frame::Frame(_))) => {}
                // The client said goodbye (tungstenite queues the closing reply), or the TCP
                // connection ended without one.
                Some(Ok(Frame::Close(_))) | None => break,
                Some(Err(WsError::Capacity(err))) => {
                    // Over MAX_MESSAGE_BYTES: say why before hanging up (1009, "message too
                    // big"). Best effort: the client may still be sending, and then its side
                    // sees a reset rather than this frame.
                    let reason = CloseFrame { code: CloseCode::Size, reason: "message too big".into() };
                    let _ = outgoing.send(Frame::Close(Some(reason))).await;
                    return Err(WsError::Capacity(err));
                }
                Some(Err(err)) => return Err(err),
            },
            message = queue.recv() => match message {
                Some(message) => outgoing.send(Frame::text(wire::encode_message(&message))).await?,
                None => break, // removed from the registry
            },
        }
    }
    // Finish the closing handshake (or start it, if we are the ones leaving). The peer may
    // already be gone; there is nothing useful to do about that here.
    let _ = outgoing.close().await;
    Ok(())
}
// ANCHOR_END: relay

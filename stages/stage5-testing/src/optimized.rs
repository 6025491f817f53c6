//! Stage 3's server with the two changes the measurements asked for.
//!
//! Stage 5 — Testing and performance, book chapter 5, section "An optimised server".
//!
//! The benchmarks and the stress tool showed where stage 3's time goes: every message is turned
//! into JSON once *per recipient*, and written to each socket, and flushed, on its own — one
//! system call per delivery. This server keeps stage 3's design (a registry of bounded queues
//! behind one mutex, one task per connection) and changes only those two things:
//! - **serialise once**: a message is encoded to JSON once, and every queue gets a cheap clone of
//!   the same bytes (`Utf8Bytes` is reference-counted, like an `Arc<str>`);
//! - **batch writes**: a connection takes everything already waiting in its queue, `feed`s it
//!   into the socket's buffer, and flushes once, so a burst of messages costs one write instead
//!   of one per message.
//!
//! The wire format, the queue capacity, the size and handshake limits are stage 3's. Two things
//! were left out to keep the comparison about performance: it logs nothing, and it does not send
//! a 1009 close frame for an oversized message (the connection simply ends).

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use stage3_websockets::server::{QUEUE_CAPACITY, upgrade};
use stage3_websockets::wire;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as Frame, Utf8Bytes};

/// The most queued messages written before one flush.
pub const MAX_BATCH: usize = 256;

/// Every client's queue of ready-to-send JSON text.
#[derive(Debug, Clone, Default)]
struct Clients {
    queues: Arc<Mutex<HashMap<u64, mpsc::Sender<Utf8Bytes>>>>,
}

impl Clients {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, mpsc::Sender<Utf8Bytes>>> {
        self.queues.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // ANCHOR: broadcast
    /// Queues the same encoded text for everyone: one `Utf8Bytes` clone (a counter increment)
    /// per client, never a copy of the text.
    fn broadcast(&self, text: &Utf8Bytes) {
        let mut queues = self.lock();
        queues.retain(|_, queue| match queue.try_send(text.clone()) {
            Ok(()) | Err(mpsc::error::TrySendError::Full(_)) => true,
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
    }
    // ANCHOR_END: broadcast
}

/// A bound, not yet running server.
#[derive(Debug)]
pub struct OptimizedServer {
    listener: TcpListener,
    clients: Clients,
}

impl OptimizedServer {
    /// Binds to `addr` (port 0 picks a free port).
    pub async fn bind(addr: &str) -> io::Result<OptimizedServer> {
        Ok(OptimizedServer {
            listener: TcpListener::bind(addr).await?,
            clients: Clients::default(),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// How many clients are connected.
    pub fn connected(&self) -> usize {
        self.clients.lock().len()
    }

    /// Accepts connections forever, one task each.
    pub async fn run(self) -> io::Result<()> {
        let mut next_id = 0;
        loop {
            let (socket, _peer) = match self.listener.accept().await {
                Ok(accepted) => accepted,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            next_id += 1;
            let clients = self.clients.clone();
            tokio::spawn(handle(socket, next_id, clients));
        }
    }
}

async fn handle(socket: TcpStream, id: u64, clients: Clients) -> Result<(), WsError> {
    socket.set_nodelay(true)?;
    let (queue, inbox) = mpsc::channel(QUEUE_CAPACITY);
    clients.lock().insert(id, queue); // before the handshake, as in stage 3
    // Stage 3's handshake, with stage 3's limits.
    let result = match upgrade(socket).await {
        Ok(websocket) => relay(websocket, inbox, &clients).await,
        Err(err) => Err(err),
    };
    clients.lock().remove(&id);
    result
}

// ANCHOR: relay
async fn relay(
    websocket: tokio_tungstenite::WebSocketStream<TcpStream>,
    mut inbox: mpsc::Receiver<Utf8Bytes>,
    clients: &Clients,
) -> Result<(), WsError> {
    let (mut outgoing, mut incoming) = websocket.split();
    loop {
        tokio::select! {
            frame = incoming.next() => match frame {
                Some(Ok(Frame::Text(text))) => match wire::parse_incoming(&text, Utc::now()) {
                    // Encoded once, here, for every recipient.
                    Ok(message) => clients.broadcast(&Utf8Bytes::from(wire::encode_message(&message))),
                    Err(err) => outgoing.send(Frame::text(wire::encode_error(&err.to_string()))).await?,
                },
                Some(Ok(Frame::Binary(_))) => {
                    let reply = wire::encode_error("binary frames are not supported: send JSON as text");
                    outgoing.send(Frame::text(reply)).await?;
                }
                Some(Ok(Frame::Ping(_) | Frame::Pong(_) | Frame::Frame(_))) => {}
                Some(Ok(Frame::Close(_))) | None => break,
                Some(Err(err)) => return Err(err),
            },
            first = inbox.recv() => match first {
                Some(text) => {
                    // Everything that is already waiting goes out with one flush.
                    outgoing.feed(Frame::Text(text)).await?;
                    let mut batch = 1;
                    while batch < MAX_BATCH {
                        let Ok(text) = inbox.try_recv() else { break };
                        outgoing.feed(Frame::Text(text)).await?;
                        batch += 1;
                    }
                    outgoing.flush().await?;
                }
                None => break,
            },
        }
    }
    let _ = outgoing.close().await;
    Ok(())
}
// ANCHOR_END: relay

//! The task that runs one WebSocket connection: reads requests, writes queued frames in
//! batches, keeps the deadlines, and closes with the right code.
//!
//! Final server — book chapter "The final server", section "One connection".
//!
//! Stage 4's client task, with stage 5's batched writer. One task owns the socket and waits on
//! everything at once with `select!`, in this order of priority (`biased`):
//! 1. the hub kicked this connection (its queue filled up) → close 4008, or the server is
//!    shutting down → close 1001: one signal, since the kick token is a child of the server's
//!    shutdown token (a future made once, not one per turn of the loop);
//! 2. frames queued for the client → feed them all to the socket's buffer and flush, at once
//!    or, under steady traffic, when the flush timer says (see `coalesce`; until then the
//!    queue is not watched, so frames arriving meanwhile wake nobody, unless all that is held
//!    is `presence`: then a message that comes is written within its own, shorter window);
//! 3. a frame from the client → the [`Session`] handles it;
//! 4. the flush timer, the ping timer, the idle deadline, the hello deadline.
//!
//! Every write is bounded by `write_timeout`, and ends early if the hub kicks the client: a
//! client that stops reading stalls only its own task, and only that long. When the task ends, for whatever reason, the hub forgets the
//! connection before anything else, so the others see the `presence` leave at once.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};

use super::pace::{Batch, PRESENCE_HOLD_BYTES, Pace};
use super::shared::Shared;
use crate::hub::{Outbox, Peer};
use crate::session::{Session, Verdict};
use crate::store::now_ms;
use chat_protocol::CloseCode;

/// The most queued frames written before one flush.
pub(crate) const MAX_BATCH: usize = 256;

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The server closes it with this code.
    Close(CloseCode),
    /// The client sent a close frame; tungstenite has queued the answer.
    ClientClosed,
    /// The connection is gone without a close handshake.
    Vanished,
}

impl End {
    fn from_error(err: &WsError) -> End {
        match err {
            WsError::Capacity(_) => End::Close(CloseCode::TooBig),
            WsError::Utf8(_) => End::Close(CloseCode::InvalidPayload),
            // The TCP connection ended without a close frame: gone, not misbehaving.
            WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => End::Vanished,
            WsError::Protocol(_) => End::Close(CloseCode::ProtocolError),
            _ => End::Vanished,
        }
    }
}

// ANCHOR: serve
/// Runs one upgraded connection until it ends.
pub(crate) async fn serve<S>(
    mut ws: WebSocketStream<S>,
    peer: Peer,
    mut queue: Outbox,
    shared: Arc<Shared>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let config = &shared.config;
    let mut session = Session::new(peer.clone(), config, Instant::now().into_std())
        .with_broker(shared.broker.clone())
        .with_hooks(shared.hooks());
    if let Some(gate) = &shared.gate {
        session = session.with_gate(Arc::clone(gate));
    }
    let hello_deadline = tokio::time::sleep(config.hello_timeout);
    tokio::pin!(hello_deadline);
    let mut ping =
        tokio::time::interval_at(Instant::now() + config.ping_interval, config.ping_interval);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let idle_deadline = tokio::time::sleep(config.idle_timeout);
    tokio::pin!(idle_deadline);
    // ANCHOR: coalesce
    // Under steady traffic the flush (the system call) waits until `coalesce` after the
    // previous one, so that one write carries several frames, but only when another frame is
    // expected before then (`Pace`); meanwhile the queue is left alone, so the frames that come
    // during the wait cost no wake-up of this task either: the flush timer takes them all at
    // once (or the hub's signal that the queue is half full, so that a fast but healthy reader
    // is never kicked for the wait). A frame after a quiet spell is flushed at once, and so is
    // one that nothing is expected to follow within the window. `presence` frames may wait
    // longer, so while only they are held (`lazy`) the queue is still watched: a message that
    // comes meanwhile moves the flush to the end of its own window.
    let mut pace = Pace::new(config.coalesce, Instant::now());
    let flush_timer = tokio::time::sleep(config.coalesce);
    tokio::pin!(flush_timer);
    let mut unflushed = false;
    let mut lazy = false;
    // Bytes fed since the last flush: presence is held only while they are few, since the
    // socket's write buffer keeps the size it once reached.
    let mut held_bytes = 0;
    // A signed-in user's connection ends when its token expires (armed after `hello`).
    let token_deadline = tokio::time::sleep(config.hello_timeout);
    tokio::pin!(token_deadline);
    let mut token_armed = false;
    // The answer to this client's own request (its reply, or its own copy of its message) is
    // never held back: coalescing is for what others send.
    let mut answer_now = false;

    let kicked = peer.kicked();
    tokio::pin!(kicked);

    let end = loop {
        tokio::select! {
            biased;
            () = &mut kicked => break kicked_end(&peer, &shared),
            first = queue.recv(), if !unflushed || answer_now || lazy => {
                let fed = match Box::pin(write_queued(&mut ws, first, &mut queue, &shared, &peer)).await {
                    Ok(fed) => fed,
                    Err(end) => break end,
                };
                held_bytes += fed.bytes;
                let batch = if answer_now {
                    Batch::Answer
                } else if fed.presence_only && held_bytes <= PRESENCE_HOLD_BYTES {
                    Batch::Presence
                } else {
                    Batch::Messages
                };
                match pace.fed(fed.frames, Instant::now(), batch) {
                    None => {
                        if let Err(end) = Box::pin(bounded(&shared, &peer, ws.flush())).await {
                            break end;
                        }
                        pace.flushed(Instant::now());
                        unflushed = false;
                        lazy = false;
                        held_bytes = 0;
                        answer_now = false;
                    }
                    Some(due) => {
                        // The earlier of two dues: a message's window ends before presence's.
                        if !unflushed || due < flush_timer.deadline() {
                            flush_timer.as_mut().reset(due);
                        }
                        unflushed = true;
                        lazy = batch == Batch::Presence;
                    }
                }
            }
            // The flush timer, or earlier if the queue is filling up meanwhile.
            () = async {
                tokio::select! {
                    () = &mut flush_timer => {}
                    () = peer.half_full() => {}
                }
            }, if unflushed => {
                if let Some(first) = queue.try_recv() {
                    match Box::pin(write_queued(&mut ws, first, &mut queue, &shared, &peer)).await {
                        Ok(fed) => {
                            // Only to learn the pace: the flush is now.
                            let _ = pace.fed(fed.frames, Instant::now(), Batch::Answer);
                        }
                        Err(end) => break end,
                    }
                }
                if let Err(end) = Box::pin(bounded(&shared, &peer, ws.flush())).await {
                    break end;
                }
                pace.flushed(Instant::now());
                unflushed = false;
                lazy = false;
                held_bytes = 0;
            }
            frame = ws.next() => {
                last_heard = Instant::now();
                answer_now = true;
                // Boxed: handling a request may wait for Redis or the store, and that future is
                // large (over 2 KiB); inline, every idle connection would carry its space.
                if let Err(end) = Box::pin(on_frame(frame, &mut session, &shared, last_heard)).await {
                    break end;
                }
                if let (false, Some(expires_ms)) = (token_armed, session.token_expires_ms()) {
                    let left = u64::try_from(expires_ms.saturating_sub(now_ms())).unwrap_or(0);
                    token_deadline.as_mut().reset(Instant::now() + Duration::from_millis(left));
                    token_armed = true;
                }
            }
            _ = ping.tick() => {
                let ping = ws.send(Message::Ping(Default::default()));
                if let Err(end) = Box::pin(bounded(&shared, &peer, ping)).await {
                    break end;
                }
            }
            () = &mut idle_deadline => {
                // The deadline was set when it was last armed; move it if the client spoke since.
                let due = last_heard + config.idle_timeout;
                if Instant::now() >= due {
                    break End::Close(CloseCode::Idle);
                }
                idle_deadline.as_mut().reset(due);
            }
            () = &mut hello_deadline, if session.username().is_none() => break End::Close(CloseCode::NoHello),
            () = &mut token_deadline, if token_armed => break End::Close(CloseCode::TokenExpired),
        }
    };
    // ANCHOR_END: coalesce
    shared.hub.disconnect(peer.id());
    Box::pin(goodbye(&mut ws, &mut queue, end, &shared)).await;
}

// ANCHOR: on_frame
/// A frame from the client (or the end of its stream): a text frame goes to the session; the
/// moment a `hello` succeeds, the name is recorded in the connection's span. `Err` says how the
/// connection ends.
async fn on_frame(
    frame: Option<Result<Message, WsError>>,
    session: &mut Session,
    shared: &Shared,
    heard: Instant,
) -> Result<(), End> {
    let verdict = match frame {
        Some(Ok(Message::Text(text))) => {
            let was_welcomed = session.username().is_some();
            let verdict = session
                .on_text(&shared.hub, &shared.stats, &text, heard.into_std())
                .await;
            if let (false, Some(name)) = (was_welcomed, session.username()) {
                tracing::Span::current().record("user", name);
                tracing::info!("welcome");
            }
            verdict
        }
        Some(Ok(Message::Binary(_))) => {
            session
                .on_binary(&shared.hub, &shared.stats, heard.into_std())
                .await
        }
        Some(Ok(Message::Close(_))) => return Err(End::ClientClosed),
        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Verdict::Continue,
        Some(Err(err)) => {
            tracing::debug!(%err, "read failed");
            return Err(End::from_error(&err));
        }
        None => return Err(End::Vanished),
    };
    match verdict {
        Verdict::Continue => Ok(()),
        Verdict::Close(code) => Err(End::Close(code)),
    }
}
// ANCHOR_END: on_frame
// ANCHOR_END: serve

// ANCHOR: write_batch
/// What one batch fed to the socket's buffer held.
#[derive(Debug, Clone, Copy)]
struct Fed {
    /// How many frames.
    frames: usize,
    /// Their bytes.
    bytes: usize,
    /// Whether every one of them was a `presence` frame (which may wait longer).
    presence_only: bool,
}

/// Feeds `first` and whatever else is already queued (up to [`MAX_BATCH`]) into the socket's
/// write buffer; the caller flushes once for all of them: one system call for a burst of
/// messages instead of one each.
async fn feed_batch<S>(
    ws: &mut WebSocketStream<S>,
    first: Utf8Bytes,
    queue: &mut Outbox,
) -> Result<Fed, WsError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut fed = Fed {
        frames: 0,
        bytes: 0,
        presence_only: true,
    };
    let mut next = Some(first);
    while let Some(frame) = next.take() {
        fed.presence_only &= chat_protocol::is_presence(&frame);
        fed.bytes += frame.len();
        ws.feed(Message::Text(frame)).await?;
        fed.frames += 1;
        if fed.frames < MAX_BATCH {
            next = queue.try_recv();
        }
    }
    Ok(fed)
}
// ANCHOR_END: write_batch

/// Writes `first` and what else is queued as one batch (see [`feed_batch`]), bounded like every
/// write; the caller decides when to flush. Returns what it wrote.
async fn write_queued<S>(
    ws: &mut WebSocketStream<S>,
    first: Utf8Bytes,
    queue: &mut Outbox,
    shared: &Shared,
    peer: &Peer,
) -> Result<Fed, End>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    shared.stats.queue_depth(queue.len() + 1);
    bounded(shared, peer, feed_batch(ws, first, queue)).await
}

/// Runs a write with the write timeout, giving up early if the server shuts down or the hub
/// kicks this client (its queue filled up while the write waited for room in the socket).
async fn bounded<T>(
    shared: &Shared,
    peer: &Peer,
    write: impl Future<Output = Result<T, WsError>>,
) -> Result<T, End> {
    tokio::select! {
        () = peer.kicked() => Err(kicked_end(peer, shared)),
        result = tokio::time::timeout(shared.config.write_timeout, write) => match result {
            Ok(Ok(written)) => Ok(written),
            Ok(Err(err)) => Err(End::from_error(&err)),
            Err(_elapsed) => Err(End::Close(CloseCode::TooSlow)),
        },
    }
}

/// How a connection whose kick token was cancelled ends: 1001 when the server is shutting down
/// (which wins, as it did when it had a branch of its own, even if a kick came too), otherwise
/// with the code of the kick.
fn kicked_end(peer: &Peer, shared: &Shared) -> End {
    if shared.shutdown.is_cancelled() {
        return End::Close(CloseCode::GoingAway);
    }
    End::Close(peer.kick_code().unwrap_or(CloseCode::GoingAway))
}

/// Ends the connection: the frames still queued and a close frame with the code when the server
/// ends it, the answer to the
/// client's close frame when the client does, and in both cases a bounded wait for the other
/// side, so a client that vanished cannot keep the task alive.
async fn goodbye<S>(ws: &mut WebSocketStream<S>, queue: &mut Outbox, end: End, shared: &Shared)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let limit: Duration = shared.config.close_timeout;
    match end {
        End::Close(code) => {
            shared.stats.close(code);
            tracing::info!(code = code.code(), reason = code.reason(), "closing");
            let frame = CloseFrame {
                code: code.code().into(),
                reason: code.reason().into(),
            };
            let _ = tokio::time::timeout(limit, async {
                // What was queued before the decision goes first (the error reply that explains
                // a 4013, say), except for a client too slow to take it anyway.
                if code != CloseCode::TooSlow {
                    while let Some(queued) = queue.try_recv() {
                        if ws.feed(Message::Text(queued)).await.is_err() {
                            return;
                        }
                    }
                }
                if ws.send(Message::Close(Some(frame))).await.is_ok() {
                    // Read until the client's close frame (or the end) completes the handshake.
                    while let Some(Ok(_)) = ws.next().await {}
                }
            })
            .await;
        }
        End::ClientClosed => {
            shared.stats.close(CloseCode::Normal);
            tracing::info!("client closed");
            let _ = tokio::time::timeout(limit, SinkExt::close(ws)).await;
        }
        End::Vanished => {
            shared.stats.vanished();
            tracing::info!("connection lost");
        }
    }
}

//! Getting every client in: connect, say hello, join the room, and wait until what the joins
//! caused has been delivered, so that the measurement starts on a quiet server.
//!
//! Final server — book chapter "Running the server", section "The load tool".

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::stream;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use stage5_testing::stress::Progress;
use tokio_tungstenite::tungstenite::Message;

use super::config::{Frame, LoadConfig, LoadError, Socket, room_of};

/// Connects and joins every client, in order: client `i` is `sockets[i]`.
pub(super) async fn connect_all(
    config: &LoadConfig,
    progress: &Progress,
) -> Result<Vec<Socket>, LoadError> {
    // At most 64 handshakes at a time: thousands at once would overflow the accept queue.
    let attempts = stream::iter(0..config.clients)
        .map(|index| async move {
            let join = join_one(config, index);
            match tokio::time::timeout(Duration::from_secs(10), join).await {
                Ok(result) => result.map_err(|why| LoadError::Join { index, why }),
                Err(_) => Err(LoadError::Join {
                    index,
                    why: "no answer within 10 s".into(),
                }),
            }
        })
        .buffered(64);
    tokio::pin!(attempts);
    let mut sockets = Vec::with_capacity(config.clients);
    while let Some(attempt) = attempts.next().await {
        sockets.push(attempt?);
        progress.connected.fetch_add(1, Ordering::Relaxed);
    }
    Ok(sockets)
}

/// Connects, says hello, joins the client's room and waits for `joined`.
async fn join_one(config: &LoadConfig, index: usize) -> Result<Socket, String> {
    let urls: Vec<&str> = config.url.split(',').map(str::trim).collect();
    let url = urls[index % urls.len()];
    let socket = if index >= config.readers() {
        connect_slow(url).await?
    } else {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|err| err.to_string())?;
        socket
    };
    enter(
        socket,
        &format!("load{index}"),
        &room_of(index, config.rooms),
    )
    .await
}

/// Says hello as `name` on a connected `socket`, joins `room` and waits for `joined`: the
/// socket, in the room; or why not (an error from the server, or the end of the connection).
pub async fn enter(mut socket: Socket, name: &str, room: &str) -> Result<Socket, String> {
    let hello = json!({"type": "hello", "username": name});
    let join = json!({"type": "join", "room": room});
    for request in [hello, join] {
        socket
            .send(Message::text(request.to_string()))
            .await
            .map_err(|err| err.to_string())?;
    }
    while let Some(frame) = socket.next().await {
        let text = match frame {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(close)) => return Err(format!("closed by the server: {close:?}")),
            Ok(_) => continue,
            Err(err) => return Err(err.to_string()),
        };
        match serde_json::from_str::<Frame>(&text) {
            Ok(frame) if frame.kind == "joined" => return Ok(socket),
            Ok(frame) if frame.kind == "error" => {
                return Err(format!("the server answered {text}"));
            }
            _ => {}
        }
    }
    Err("the connection ended".into())
}

/// Connects a slow consumer: with a small receive buffer, so that what it does not read piles
/// up in the server (its queue) rather than in this machine's socket buffers.
async fn connect_slow(url: &str) -> Result<Socket, String> {
    let addr = url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap_or_default();
    let addr: std::net::SocketAddr = addr
        .parse()
        .map_err(|_| format!("{addr:?} is not an address"))?;
    let socket = tokio::net::TcpSocket::new_v4().map_err(|err| err.to_string())?;
    socket
        .set_recv_buffer_size(4096)
        .map_err(|err| err.to_string())?;
    let stream = socket.connect(addr).await.map_err(|err| err.to_string())?;
    let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
    let (socket, _) = tokio_tungstenite::client_async(url, stream)
        .await
        .map_err(|err| err.to_string())?;
    Ok(socket)
}

/// The text of the message that ends the warm-up.
const WARMUP: &str = "warm-up done";

/// Waits until every client has received everything the joins caused. Each join tells every
/// member already in the room (`presence`), so a room of N costs N²/2 frames, which would
/// still be in flight when the measurement starts. The first client of each room sends one
/// message; a room delivers in order, so once a client has it, it has all that came before.
pub(super) async fn settle(sockets: &mut [Socket], rooms: usize) -> Result<(), LoadError> {
    for (index, socket) in sockets.iter_mut().enumerate().take(rooms) {
        let request = json!({"type": "send", "room": room_of(index, rooms), "text": WARMUP});
        socket
            .send(Message::text(request.to_string()))
            .await
            .map_err(|err| LoadError::Join {
                index,
                why: err.to_string(),
            })?;
    }
    let waits = sockets
        .iter_mut()
        .enumerate()
        .map(|(index, socket)| async move {
            tokio::time::timeout(Duration::from_secs(30), warmed_up(socket, index))
                .await
                .unwrap_or_else(|_| {
                    Err(LoadError::Join {
                        index,
                        why: "no warm-up message within 30 s".into(),
                    })
                })
        });
    futures_util::future::join_all(waits)
        .await
        .into_iter()
        .collect()
}

/// Reads client `index`'s frames until the warm-up message (everything before it is dropped).
async fn warmed_up(socket: &mut Socket, index: usize) -> Result<(), LoadError> {
    while let Some(Ok(frame)) = socket.next().await {
        if let Message::Text(text) = frame
            && let Ok(Frame {
                kind: "message",
                text: Some(body),
                ..
            }) = serde_json::from_str::<Frame>(&text)
            && body == WARMUP
        {
            return Ok(());
        }
    }
    Err(LoadError::Join {
        index,
        why: "the connection ended during the warm-up".into(),
    })
}

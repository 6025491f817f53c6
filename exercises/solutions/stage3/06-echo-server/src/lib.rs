//! # Exercise 3.6 — An echo server: reference solution
//!
//! Stage 3 — WebSockets. The exercise is `exercises/stage3/06-echo-server`; this file is tested
//! with that exercise's own `src/tests.rs`.

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

/// Serves WebSocket echo on `listener` until the task running it is dropped.
pub async fn serve_echo(listener: TcpListener) {
    loop {
        let Ok((socket, _peer)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(echo(socket));
    }
}

/// Serves one connection until it closes.
async fn echo(socket: TcpStream) {
    let Ok(mut websocket) = tokio_tungstenite::accept_async(socket).await else {
        return; // not a WebSocket client
    };
    while let Some(Ok(frame)) = websocket.next().await {
        let reply = match frame {
            Message::Text(text) => Message::text(format!("echo: {text}")),
            Message::Binary(bytes) => Message::Binary(bytes),
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
        };
        if websocket.send(reply).await.is_err() {
            return;
        }
    }
    // Flush the close reply tungstenite queued (or start the close if the stream just ended).
    // `SinkExt::close`, not the inherent `WebSocketStream::close(frame)`: that one *sends* a new
    // close frame, which tungstenite refuses once the client has closed, so the reply would
    // never be flushed and the client would see the connection reset.
    let _ = SinkExt::close(&mut websocket).await;
}

#[cfg(test)]
#[path = "../../../../stage3/06-echo-server/src/tests.rs"]
mod tests;

//! # Exercise 3.6 — An echo server
//!
//! Stage 3 — WebSockets. Book: chapter 3, "Accepting connections" and "One connection".
//! Check it with `cargo ex check 3.6`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 3.6`.
//!
//! ## Task
//!
//! Write a complete, if small, WebSocket server: [`serve_echo`] accepts connections on
//! `listener` forever and serves each one **in its own task**:
//!
//! - upgrade the TCP connection with `tokio_tungstenite::accept_async`; a connection whose
//!   handshake fails (it was not a WebSocket client) is dropped, and the server carries on;
//! - each `Text` frame comes back to its sender as `echo: <text>`;
//! - each `Binary` frame comes back unchanged;
//! - a `Close` frame, the end of the stream, or an error ends that connection (tungstenite
//!   answers pings and close frames by itself as you keep reading);
//! - no connection may hold up another: a client that connects and says nothing must not stop the
//!   next one from being served.
//!
//! The tests start it on `127.0.0.1` port 0 and talk to it with real WebSocket clients.
//!
//! ## What you may change
//!
//! Fill in the body that says `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

/// Serves WebSocket echo on `listener` until the task running it is dropped.
pub async fn serve_echo(listener: TcpListener) {
    todo!("loop: accept, then tokio::spawn a task that upgrades and echoes")
}

#[cfg(test)]
mod tests;

//! # Stage 3 — Networking and WebSockets
//!
//! Book: chapter 3, "Stage 3 — Networking and WebSockets" (`book/src/stage3.md`).
//!
//! Stage 2's clients talked through channels inside one process. Here they talk over a real
//! network: a `TcpListener` accepts connections, tokio-tungstenite upgrades each to a WebSocket,
//! and JSON frames `{username, text, timestamp}` carry the messages. The registry is stage 2's
//! and the message rules are stage 1's, used by dependency.
//!
//! | module | what it teaches |
//! |---|---|
//! | [`wire`] | serde: JSON in and out, ignoring what the client must not decide |
//! | [`server`] | `TcpListener`, one task per connection, the WebSocket upgrade, sink and stream |
//! | [`client`] | the other side: connect, send lines, print what arrives |
//!
//! Dependencies point one way: [`server`] and [`client`] both use [`wire`], and not each other.
//!
//! Run the server with `cargo run -p stage3-websockets --bin stage3-server` and, in two more
//! terminals, `cargo run -p stage3-websockets --bin stage3-client -- alice`.

pub mod client;
pub mod server;
pub mod wire;

pub use server::Server;

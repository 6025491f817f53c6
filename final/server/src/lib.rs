//! The final chat server of the Rust Chat Roadmap: rooms, history and resume, direct messages,
//! limits on everything a client can grow, a graceful shutdown, and several instances sharing
//! rooms through Redis.
//!
//! Final server — book chapters "The final server" (architecture), "The protocol" (the
//! contract with clients), "Running the server" (configuration, limits, logs) and "Scaling out".
//!
//! This crate is the server only. The wire format it speaks is the `chat-protocol` crate
//! (re-exported here as [`protocol`]); the terminal client is `chat-client`, and the tools
//! that drive the server from outside (`chat-stress`, `chat-soak`, `chat-bench`) are
//! `chat-tools`. Both of those talk to the server over sockets; nothing here depends on them.
//!
//! # The modules, and which way they depend
//!
//! ```text
//!  net ──▶ session ──▶ broker ──▶ hub ──▶ store ──▶ stats
//!              │                   ▲    └──▶ names, stats, config, protocol
//!              └───────────────────┘       rate ◀── session        cli ──▶ config
//! ```
//!
//! Each arrow means "uses" (`net` also uses `hub`, `broker`, `store`, `stats` and `config` directly, to
//! build and hand out the shared state; the drawing leaves out arrows that only repeat the
//! direction); nothing uses a module that uses it back (a test in the workspace's
//! `tests/imports.rs` fails if one does). Read from the right: [`store`] keeps room messages
//! beyond memory (a SQLite file, by default in the program) and knows nothing of the hub;
//! [`hub`] is the shared state (users, rooms, fan-out), hands what it accepts to the store, and
//! knows nothing of networks or brokers; [`broker`] takes what must agree across instances to
//! Redis and drives the hub with what comes back; [`session`] is one
//! connection's protocol state machine, without I/O; [`net`] owns the sockets: it accepts,
//! upgrades, and runs one task per connection.
//!
//! Where each stage lives on here:
//! - stage 1's types and errors → [`protocol`] (requests as an enum, error codes), [`names`];
//! - stage 2's shared registry, bounded queues and `try_send` → [`hub`];
//! - stage 3's WebSocket handshake and connection task → [`net`] (the upgrade on hyper, one
//!   task per client);
//! - stage 4's builder, shutdown token, task tracker and close codes → [`config`],
//!   [`net::server`];
//! - stage 5's "serialise once" and "batch the writes" → [`hub`] and [`net`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let config = chat_server::ServerBuilder::new().build().expect("the defaults are valid");
//! let server = chat_server::Server::bind("127.0.0.1:8080", config).await?;
//! let running = server.spawn()?;
//! println!("connect to {}", running.url());
//! let report = running.shutdown().await;
//! assert!(report.drained);
//! # Ok(()) }
//! ```

pub mod auth;
pub mod broker;
pub mod cli;
pub mod config;
pub mod hook;
pub mod hub;
pub mod names;
pub mod net;
pub mod rate;
pub mod session;
pub mod stats;
pub mod store;
pub mod testing;

pub use chat_protocol as protocol;

pub use config::{Config, ConfigError, ServerBuilder};
pub use hook::{Decision, Hook};
pub use net::server::{RunningServer, Server, ShutdownReport};
pub use stats::{Stats, StatsSnapshot};

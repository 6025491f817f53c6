//! The final chat server of the Rust Chat Roadmap: rooms, history and resume, direct messages,
//! limits on everything a client can grow, and a graceful shutdown.
//!
//! Final server — book chapters "The final server" (architecture), "The protocol" (the
//! contract with clients) and "Running the server" (configuration, limits, logs).
//!
//! Where each stage lives on here:
//! - stage 1's types and errors → [`protocol`] (requests as an enum, error codes), [`names`];
//! - stage 2's shared registry, bounded queues and `try_send` → [`hub`];
//! - stage 3's WebSocket handshake and connection task → the private modules `http` (the
//!   upgrade, on hyper) and `connection` (one task per client);
//! - stage 4's builder, shutdown token, task tracker and close codes → [`config`], [`server`];
//! - stage 5's "serialise once" and "batch the writes" → [`hub`] and `connection`.
//!
//! Several instances can share rooms, names and history through Redis: [`broker`] (book chapter
//! "Scaling out").
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

pub mod broker;
pub mod cli;
pub mod client;
pub mod config;
mod connection;
mod http;
pub mod hub;
pub mod loadgen;
pub mod names;
pub mod protocol;
pub mod rate;
pub mod server;
pub mod session;
pub mod soak;
pub mod stats;

pub use config::{Config, ConfigError, ServerBuilder};
pub use server::{RunningServer, Server, ShutdownReport};
pub use stats::{Stats, StatsSnapshot};

//! # Stage 4 — Architecture and patterns
//!
//! Book: chapter 4, "Stage 4 — Architecture and patterns" (`book/src/stage4.md`).
//!
//! Stage 3's server works, but it is two files of tangled concerns. This stage lays the same
//! server out the way a project that others maintain is laid out: one module per job, a
//! one-way dependency order between them, shared state passed as an `Arc`, configuration built and
//! checked in one place, events published to observers, a connection lifecycle whose cleanup cannot
//! be skipped, a client that reconnects, and a shutdown that tells every client why.
//!
//! | module | its one job |
//! |---|---|
//! | [`config`] | settings, and the [`ServerBuilder`] that validates them |
//! | [`events`] | events and observers (logging, counting) |
//! | [`state`] | the shared state handed to every task |
//! | [`message`] | what is on the wire, and the close codes |
//! | [`broadcast`] | one message to everyone; removing the too slow |
//! | [`client`] | one connection's lifecycle, from accept to goodbye |
//! | [`network`] | the accept loop |
//! | [`server`] | the server value: bind, run, shut down |
//! | [`backoff`] | the reconnect schedule |
//! | [`terminal`] | the reconnecting terminal client |
//!
//! Dependencies point one way, down this list (a module uses only modules above it), which is
//! what lets you read, test and change each one alone.

pub mod backoff;
pub mod broadcast;
pub mod client;
pub mod config;
pub mod events;
pub mod message;
pub mod network;
pub mod server;
pub mod state;
pub mod terminal;

pub use config::{Config, ConfigError, ServerBuilder};
pub use events::{Counters, Event, LogObserver, Observer, Observers};
pub use server::{Server, ShutdownReport};

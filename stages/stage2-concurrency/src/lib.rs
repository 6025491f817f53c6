//! # Stage 2 — Concurrency and async
//!
//! Book: chapter 2, "Stage 2 — Concurrency and async" (`book/src/stage2.md`).
//!
//! Stage 1 handled one message at a time in one thread. A chat server handles many clients at
//! once, so this stage runs every client as its own tokio task and lets them share state safely.
//! There is still no network (that is stage 3): each client's "keyboard" is a channel. The types
//! are stage 1's — [`Message`](stage1_foundations::Message), [`Username`](stage1_foundations::Username),
//! [`ClientId`](stage1_foundations::ClientId) — used by dependency, not copied.
//!
//! | module | Rust idea it teaches |
//! |---|---|
//! | [`runtime`] | the tokio runtime, `#[tokio::main]`, tasks versus threads |
//! | [`registry`] | `Arc<Mutex<HashMap<ClientId, Sender>>>`, locks and `.await`, `try_send` |
//! | [`topic`] | `RwLock`: many readers, rare writers |
//! | [`channels`] | `broadcast` and `Lagged`, bounded versus unbounded queues |
//! | [`streams`] | `Stream` and `StreamExt`: `then`, `map`, `filter`, `take_while`, `fold` |
//! | [`client`] | one task per client, `select!`, streams, ending tasks cleanly |
//! | [`simulation`] | all of it together, checked message by message |
//!
//! Dependencies point one way: [`client`] uses [`registry`], [`simulation`] uses both, and the
//! other modules stand alone.
//!
//! Run the simulation with `cargo run -p stage2-concurrency`.

pub mod channels;
pub mod client;
pub mod registry;
pub mod runtime;
pub mod simulation;
pub mod streams;
pub mod topic;

pub use client::{ClientHandle, ClientLog, Exit};
pub use registry::{Broadcast, JoinRefused, Registry};

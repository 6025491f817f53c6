//! # Stage 5 — Testing, stress and optimisation
//!
//! Book: chapter 5, "Stage 5 — Testing, stress and optimisation" (`book/src/stage5.md`).
//!
//! Stages 1–4 built a chat server and tested that it is correct. This stage asks how well it
//! performs, and answers with measurements rather than opinions: a load generator that any of
//! the servers can be put under ([`stress`]), and criterion benchmarks of the choices the earlier
//! stages made.
//!
//! | part | what it measures |
//! |---|---|
//! | [`stress`] | a running server: deliveries per second, loss, latency percentiles |
//! | [`optimized`] | stage 3's server, serialising once and batching writes |
//! | `benches/` | single choices in isolation: clones, channels, JSON, fan-out |
//!
//! [`stress`] and [`optimized`] do not use each other: the load tool and the server it loads
//! meet only over sockets.

pub mod optimized;
pub mod stress;

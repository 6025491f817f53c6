//! The state every connection shares, handed out as an `Arc`.
//!
//! Stage 4 — Architecture, book chapter 4, section "Shared state without globals".
//!
//! There is one registry, one configuration and one list of observers per server: "singleton"
//! state. The tempting way to share it is a global `static`. We do not: a global exists once per
//! *process*, so two servers in one test binary (every test here starts its own) would share a
//! registry and see each other's clients; it must be initialised before use, with lazy statics
//! or `OnceLock`, and cannot be replaced in a test. An `Arc<Shared>` created by the server and
//! cloned into each task gives the same "one of it" without any of that: each server has its own,
//! and it is dropped when the last task using it ends.

use std::sync::Arc;

use stage2_concurrency::Registry;

use crate::config::Config;
use crate::events::Observers;

// ANCHOR: shared
/// One server's shared state. Immutable after start, except through the registry's own lock.
#[derive(Debug)]
pub struct Shared {
    /// The checked configuration.
    pub config: Config,
    /// Every connected client's queue (stage 2's registry).
    pub registry: Registry,
    /// Who hears about events.
    pub observers: Observers,
}

impl Shared {
    /// Wraps the pieces in an `Arc`, ready to clone into tasks.
    pub fn new(config: Config, observers: Observers) -> Arc<Shared> {
        Arc::new(Shared {
            config,
            registry: Registry::new(),
            observers,
        })
    }
}
// ANCHOR_END: shared

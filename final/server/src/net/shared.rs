//! What every task of one server shares: the configuration, the hub, the broker, the counters,
//! the shutdown signal, and the connection slots.
//!
//! Final server — book chapter "The final server", section "Why hyper" (the slots) and stage 4's
//! "Shared state without globals": one `Arc<Shared>` is handed to every task instead of globals.
//!
//! This is the bottom of the `net` module: [`server`](super::server), [`http`](super::http) and
//! [`connection`](super::connection) all use it, and it uses none of them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::Gate;
use crate::broker::Broker;
use crate::config::Config;
use crate::hook::Hooks;
use crate::hub::Hub;
use crate::rate::KeyedLimit;
use crate::stats::Stats;

/// How many `/api/*` requests may hash a password at once (each takes 19 MiB while it does).
const HASHING_AT_ONCE: usize = 4;

/// What every task of one server shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) hub: Arc<Hub>,
    /// Where requests that other instances must agree on go (`Memory`: nowhere).
    pub(crate) broker: Broker,
    pub(crate) stats: Arc<Stats>,
    /// Accounts and tokens (every server built by `Server` has them).
    pub(crate) gate: Option<Arc<Gate>>,
    /// `/api/*` requests per client address: 10 at once, then one every 6 seconds.
    pub(crate) api_per_address: KeyedLimit<IpAddr>,
    /// Sign-ins per account name: 5 at once, then one every 12 seconds.
    pub(crate) api_per_account: KeyedLimit<String>,
    /// Turns to hash a password (register, login), a few at a time.
    pub(crate) hashing: Arc<tokio::sync::Semaphore>,
    /// The hooks each new connection runs (given before the server starts; read once per
    /// connection, never per message).
    pub(crate) hooks: std::sync::RwLock<Hooks>,
    pub(crate) shutdown: CancellationToken,
    pub(crate) tracker: TaskTracker,
    next_id: AtomicU64,
    slots: Mutex<Slots>,
}

impl Shared {
    /// The hooks a new connection runs.
    pub(crate) fn hooks(&self) -> Hooks {
        self.hooks
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The state of a server that has not accepted anything yet.
    pub(crate) fn new(
        config: Config,
        hub: Arc<Hub>,
        broker: Broker,
        stats: Arc<Stats>,
        gate: Option<Arc<Gate>>,
    ) -> Shared {
        Shared {
            config,
            hub,
            broker,
            stats,
            gate,
            api_per_address: KeyedLimit::new(1.0 / 6.0, 10, 100_000),
            api_per_account: KeyedLimit::new(1.0 / 12.0, 5, 100_000),
            hashing: Arc::new(tokio::sync::Semaphore::new(HASHING_AT_ONCE)),
            hooks: std::sync::RwLock::default(),
            shutdown: CancellationToken::new(),
            tracker: TaskTracker::new(),
            next_id: AtomicU64::new(0),
            slots: Mutex::default(),
        }
    }
}

/// WebSocket connections counted for the connection limits.
#[derive(Debug, Default)]
struct Slots {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Why an upgrade was refused for the connection limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Full {
    /// `max_connections` reached.
    Server,
    /// `max_connections_per_ip` reached for this address.
    Address,
}

/// A counted connection; dropping it frees the slot.
#[derive(Debug)]
pub(crate) struct Slot {
    shared: Arc<Shared>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut slots = self
            .shared
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        slots.total -= 1;
        if let Some(count) = slots.per_ip.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                slots.per_ip.remove(&self.ip);
            }
        }
    }
}

impl Shared {
    /// Counts a new WebSocket connection from `ip`, if the limits allow it.
    pub(crate) fn take_slot(self: &Arc<Shared>, ip: IpAddr) -> Result<Slot, Full> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if slots.total >= self.config.max_connections {
            return Err(Full::Server);
        }
        let per_ip = slots.per_ip.get(&ip).copied().unwrap_or(0);
        let cap = self.config.max_connections_per_ip;
        if cap > 0 && per_ip >= cap {
            return Err(Full::Address);
        }
        slots.total += 1;
        *slots.per_ip.entry(ip).or_insert(0) += 1;
        Ok(Slot {
            shared: Arc::clone(self),
            ip,
        })
    }

    /// A number for a new connection.
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }
}

//! Counters of what the server did, readable while it runs.
//!
//! Final server — book chapter "Running the server", section "Logs and counters".
//!
//! Stage 4 published events to observers; here the only observer the server needs on its hot
//! path is a set of counters, so they are plain atomics that every task bumps without a lock.
//! Tests read them to check that, say, a slow consumer was *counted*; the web client issue adds
//! a `/metrics` page on top of them.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::protocol::{CloseCode, ErrorCode};

/// Live counters, shared by every task of one server.
#[derive(Debug, Default)]
pub struct Stats {
    open: AtomicU64,
    accepted: AtomicU64,
    refused_full: AtomicU64,
    refused_per_ip: AtomicU64,
    messages: AtomicU64,
    directs: AtomicU64,
    deliveries: AtomicU64,
    errors: [AtomicU64; ErrorCode::ALL.len()],
    closes: [AtomicU64; CloseCode::ALL.len()],
    vanished: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// WebSocket connections open now.
    pub open: u64,
    /// WebSocket connections accepted since start.
    pub accepted: u64,
    /// Upgrades refused because the server was full (HTTP 503).
    pub refused_full: u64,
    /// Upgrades refused because one address had too many connections (HTTP 429).
    pub refused_per_ip: u64,
    /// Room messages accepted.
    pub messages: u64,
    /// Direct messages delivered.
    pub directs: u64,
    /// Room messages queued for recipients (one message to 10 members counts 10).
    pub deliveries: u64,
    /// Error replies sent, by code, in the order of [`ErrorCode::ALL`].
    pub errors: Vec<u64>,
    /// Close frames sent by the server, by code, in the order of [`CloseCode::ALL`].
    pub closes: Vec<u64>,
    /// Connections that ended without a close handshake (the client vanished).
    pub vanished: u64,
}

impl StatsSnapshot {
    /// Error replies sent with `code`.
    pub fn errors(&self, code: ErrorCode) -> u64 {
        self.errors.get(code.index()).copied().unwrap_or_default()
    }

    /// Connections the server closed with `code`.
    pub fn closes(&self, code: CloseCode) -> u64 {
        self.closes.get(code.index()).copied().unwrap_or_default()
    }
}

impl Stats {
    pub(crate) fn opened(&self) {
        self.open.fetch_add(1, Relaxed);
        self.accepted.fetch_add(1, Relaxed);
    }

    pub(crate) fn closed(&self) {
        self.open.fetch_sub(1, Relaxed);
    }

    pub(crate) fn refused(&self, per_ip: bool) {
        let counter = if per_ip {
            &self.refused_per_ip
        } else {
            &self.refused_full
        };
        counter.fetch_add(1, Relaxed);
    }

    pub(crate) fn message(&self, recipients: usize) {
        self.messages.fetch_add(1, Relaxed);
        self.deliveries.fetch_add(recipients as u64, Relaxed);
    }

    pub(crate) fn direct(&self) {
        self.directs.fetch_add(1, Relaxed);
    }

    pub(crate) fn error(&self, code: ErrorCode) {
        self.errors[code.index()].fetch_add(1, Relaxed);
    }

    pub(crate) fn close(&self, code: CloseCode) {
        self.closes[code.index()].fetch_add(1, Relaxed);
    }

    pub(crate) fn vanished(&self) {
        self.vanished.fetch_add(1, Relaxed);
    }

    /// Reads every counter.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            open: self.open.load(Relaxed),
            accepted: self.accepted.load(Relaxed),
            refused_full: self.refused_full.load(Relaxed),
            refused_per_ip: self.refused_per_ip.load(Relaxed),
            messages: self.messages.load(Relaxed),
            directs: self.directs.load(Relaxed),
            deliveries: self.deliveries.load(Relaxed),
            errors: self
                .errors
                .iter()
                .map(|count| count.load(Relaxed))
                .collect(),
            closes: self
                .closes
                .iter()
                .map(|count| count.load(Relaxed))
                .collect(),
            vanished: self.vanished.load(Relaxed),
        }
    }
}

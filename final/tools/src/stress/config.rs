//! What a load run is given and how it can fail, and the few things every part of the run
//! shares: the socket type, the frame as it is read, the room a client belongs to.
//!
//! Final server — book chapter "Running the server", section "The load tool".
//!
//! These live apart from `mod.rs` so that the parts that connect ([`super::join`]) and the
//! parts that send and receive ([`super::traffic`]) can use them without importing the module
//! that drives them.

use std::borrow::Cow;
use std::time::Duration;

use serde::Deserialize;
use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// One client's connection to the server.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// The server, e.g. `ws://127.0.0.1:8080/ws`; or several instances sharing rooms through
    /// Redis, separated by commas: client `i` connects to the `i mod n`-th.
    pub url: String,
    /// How many clients connect.
    pub clients: usize,
    /// Over how many rooms they spread.
    pub rooms: usize,
    /// How many of them send (spread over the rooms the same way).
    pub senders: usize,
    /// How many of them (the last ones) never read at all: slow consumers, which the server
    /// should close with 4008 without slowing the others. Their deliveries are not expected.
    pub slow: usize,
    /// Messages per second, all senders together.
    pub rate: f64,
    /// How long the senders send.
    pub duration: Duration,
    /// Length of each message's text, in bytes.
    pub message_bytes: usize,
    /// How long to keep waiting for messages after the last one was sent.
    pub drain: Duration,
}

impl LoadConfig {
    /// Refuses settings the run cannot honour, before any connection is opened.
    pub(super) fn check(&self) -> Result<(), LoadError> {
        if self.clients == 0 || self.senders == 0 || self.senders + self.slow > self.clients {
            return Err(LoadError::Config(
                "need 1 <= senders and senders + slow <= clients",
            ));
        }
        if self.rooms == 0 || self.rooms > self.clients {
            return Err(LoadError::Config("need 1 <= rooms <= clients"));
        }
        if !(self.rate > 0.0 && self.rate.is_finite()) {
            return Err(LoadError::Config("the rate must be a positive number"));
        }
        Ok(())
    }

    /// How many clients read: all but the slow ones, which are the last.
    pub(super) fn readers(&self) -> usize {
        self.clients - self.slow
    }
}

/// Why a run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A setting is unusable.
    #[error("bad configuration: {0}")]
    Config(&'static str),
    /// A client could not connect or join.
    #[error("client {index} could not join: {why}")]
    Join {
        /// Which client.
        index: usize,
        /// What went wrong.
        why: String,
    },
}

/// A frame as the load generator reads it: only what it needs, borrowed from the text, since
/// every recipient parses every message and the load generator must not be the bottleneck.
#[derive(Deserialize)]
pub(super) struct Frame<'a> {
    /// The frame's `type`.
    #[serde(rename = "type", borrow)]
    pub(super) kind: &'a str,
    /// A message's text (owned only when it had escapes to undo).
    #[serde(borrow, default)]
    pub(super) text: Option<Cow<'a, str>>,
    /// An error's code.
    #[serde(borrow, default)]
    pub(super) code: Option<&'a str>,
}

/// The room of client `index`: clients spread over the rooms round-robin.
pub(super) fn room_of(index: usize, rooms: usize) -> String {
    format!("load{}", index % rooms)
}

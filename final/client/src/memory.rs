//! What the client remembers across connections: its rooms (with the id of the last message
//! shown in each), the current room, and what was typed while disconnected.
//!
//! Final server — book chapter "Running the server", section "The terminal client".

use std::collections::{BTreeMap, VecDeque};

/// What the client remembers across connections.
#[derive(Debug, Default)]
pub(crate) struct Memory {
    /// Rooms it is in, with the id of the last message shown in each.
    pub(crate) rooms: BTreeMap<String, Option<u64>>,
    /// The oldest message shown in each room: where `/more` reads back from.
    pub(crate) oldest: BTreeMap<String, u64>,
    pub(crate) current: Option<String>,
    pub(crate) pending: VecDeque<String>,
    pub(crate) connected_before: bool,
    /// Welcomed on the current connection.
    pub(crate) welcomed: bool,
    /// The name the server welcomed us under.
    pub(crate) me: String,
}

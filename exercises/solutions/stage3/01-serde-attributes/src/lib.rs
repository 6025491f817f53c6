//! # Exercise 3.1 — JSON with serde attributes: reference solution
//!
//! Stage 3 — WebSockets. The exercise is `exercises/stage3/01-serde-attributes`; this file is
//! tested with that exercise's own `src/tests.rs`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a client asks the server to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Say something in a room.
    Say {
        /// The room.
        room: String,
        /// What to say.
        text: String,
    },
    /// Join a room, optionally resuming after the message with id `since`.
    Join {
        /// The room.
        room: String,
        /// The last message id already seen, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<u64>,
    },
    /// Change name.
    SetNick {
        /// The new name.
        name: String,
    },
    /// Ask for the list of rooms.
    ListRooms,
}

/// Someone came or went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// Who.
    pub username: String,
    /// Came or went.
    pub event: Event,
    /// When.
    #[serde(rename = "timestamp")]
    pub at: DateTime<Utc>,
}

/// The kind of presence change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    /// Joined.
    Join,
    /// Left.
    Leave,
}

/// One line of the room list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomSummary {
    /// The room's name.
    pub name: String,
    /// How many members it has.
    #[serde(rename = "members")]
    pub member_count: usize,
}

#[cfg(test)]
#[path = "../../../../stage3/01-serde-attributes/src/tests.rs"]
mod tests;

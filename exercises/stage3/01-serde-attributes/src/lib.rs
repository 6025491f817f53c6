//! # Exercise 3.1 — JSON with serde attributes
//!
//! Stage 3 — WebSockets. Book: chapter 3, "Messages as JSON with serde".
//! Check it with `cargo ex check 3.1`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 3.1`.
//!
//! ## Task
//!
//! The final server's protocol (see the book's protocol chapter when it lands) tags every frame
//! with a `"type"`. Rust's names and the protocol's names differ, and some fields are optional.
//! serde bridges the two with attributes, so the Rust types stay idiomatic. The types below
//! already derive `Serialize` and `Deserialize`, but with serde's defaults they produce the wrong
//! JSON. Add serde attributes (only attributes) until they match exactly:
//!
//! ```text
//! Request::Say { room: "rust", text: "hi" }    {"type":"say","room":"rust","text":"hi"}
//! Request::Join { room: "rust", since: None }  {"type":"join","room":"rust"}
//! Request::Join { .., since: Some(41) }        {"type":"join","room":"rust","since":41}
//! Request::SetNick { name: "bob" }             {"type":"set_nick","name":"bob"}
//! Request::ListRooms                           {"type":"list_rooms"}
//!
//! Presence { username: "alice",                {"username":"alice","event":"join",
//!            event: Event::Join, at: <time> }   "timestamp":"2026-01-02T12:00:00Z"}
//!
//! RoomSummary { name: "rust", member_count: 3 } {"name":"rust","members":3}
//! ```
//!
//! Reading must accept the same JSON back; a `join` without `since` means `since: None`; and a
//! `RoomSummary` with any field it does not know must be refused (not silently ignored).
//!
//! ## What you may change
//!
//! Add `#[serde(...)]` attributes to the types, variants and fields. Do not rename the types,
//! variants or fields, and do not write `Serialize` or `Deserialize` by hand. The tests are in
//! `src/tests.rs`: read them, but do not edit them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a client asks the server to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub at: DateTime<Utc>,
}

/// The kind of presence change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// Joined.
    Join,
    /// Left.
    Leave,
}

/// One line of the room list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSummary {
    /// The room's name.
    pub name: String,
    /// How many members it has.
    pub member_count: usize,
}

#[cfg(test)]
mod tests;

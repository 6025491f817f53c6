//! # Exercise 6.6 — A mute list
//!
//! Stage 6 — Inside the final server. Book: "Stage 6 — Inside the final server", section "Hooks".
//! Check it with `cargo ex check 6.6`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 6.6`.
//!
//! ## Task
//!
//! Moderators need to silence someone now, from the chat itself. [`Moderation`] reads two
//! commands in room messages, and keeps a list of muted users that every message is checked
//! against:
//!
//! - `/mute NAME` and `/unmute NAME` (the first word after the command; any further words are
//!   ignored; names without regard to case),
//!   sent in a room by a signed-in moderator, mute or unmute NAME, and the room is told: the text
//!   becomes `* NAME was muted by MOD` (or `unmuted`), with NAME as the command wrote it and MOD
//!   as the moderator's name.
//! - The same commands from anyone else, a guest called like a moderator included, are refused:
//!   `only moderators may mute or unmute`. A command without a name is refused too:
//!   `say whom, as in "/mute bob"`.
//! - Any `send` or `direct` from a muted user is refused: `you are muted`. A moderator can be
//!   muted too (by another moderator), but can always unmute: commands are checked first.
//! - A `join` always passes.
//!
//! The list is shared by every connection, written rarely and read on every message: a
//! `std::sync::RwLock` lets the readers in together. The mute takes effect when the hook lets the
//! command through, even if the announcement is then refused (a moderator who is not in the room
//! gets `not_joined`): the moderator is told, and the mute stands.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines, fields and helper functions; do
//! not change the types or the signatures the tests use. The tests are in `src/tests.rs`: read
//! them, but do not edit them.

use std::collections::HashSet;
use std::sync::RwLock;

use chat_server::hook::{Action, Decision, Hook, Request};

/// `/mute` and `/unmute` for moderators, and a list of muted users.
#[derive(Debug)]
pub struct Moderation {
    // Your fields here.
}

impl Moderation {
    /// Moderation by these users (when signed in).
    pub fn new(moderators: &[&str]) -> Moderation {
        todo!()
    }

    /// Whether `name` is muted (without regard to case).
    pub fn is_muted(&self, name: &str) -> bool {
        todo!()
    }
}

impl Hook for Moderation {
    fn check(&self, request: &Request<'_>) -> Decision {
        todo!()
    }
}

#[cfg(test)]
mod tests;

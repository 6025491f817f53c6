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
use std::sync::{PoisonError, RwLock};

use chat_server::hook::{Action, Decision, Hook, Request};

/// `/mute` and `/unmute` for moderators, and a list of muted users.
#[derive(Debug)]
pub struct Moderation {
    /// The moderators' names, in lowercase.
    moderators: HashSet<String>,
    /// The muted users' names, in lowercase.
    muted: RwLock<HashSet<String>>,
}

impl Moderation {
    /// Moderation by these users (when signed in).
    pub fn new(moderators: &[&str]) -> Moderation {
        Moderation {
            moderators: moderators.iter().map(|name| name.to_lowercase()).collect(),
            muted: RwLock::new(HashSet::new()),
        }
    }

    /// Whether `name` is muted (without regard to case).
    pub fn is_muted(&self, name: &str) -> bool {
        self.muted
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&name.to_lowercase())
    }

    /// `/mute NAME` or `/unmute NAME` from `request`'s user.
    fn command(&self, request: &Request<'_>, mute: bool, whom: Option<&str>) -> Decision {
        if !request.verified || !self.moderators.contains(&request.user.to_lowercase()) {
            return Decision::Refuse("only moderators may mute or unmute".into());
        }
        let Some(whom) = whom else {
            return Decision::Refuse("say whom, as in \"/mute bob\"".into());
        };
        let mut muted = self.muted.write().unwrap_or_else(PoisonError::into_inner);
        let done = if mute {
            muted.insert(whom.to_lowercase());
            "muted"
        } else {
            muted.remove(&whom.to_lowercase());
            "unmuted"
        };
        Decision::Rewrite(format!("* {whom} was {done} by {}", request.user))
    }
}

impl Hook for Moderation {
    fn check(&self, request: &Request<'_>) -> Decision {
        match request.action {
            Action::Send { text, .. } => {
                let mut words = text.split_whitespace();
                match words.next() {
                    Some("/mute") => return self.command(request, true, words.next()),
                    Some("/unmute") => return self.command(request, false, words.next()),
                    _ => {}
                }
            }
            Action::Direct { .. } => {}
            Action::Join { .. } => return Decision::Pass,
        }
        if self.is_muted(request.user) {
            Decision::Refuse("you are muted".into())
        } else {
            Decision::Pass
        }
    }
}

#[cfg(test)]
#[path = "../../../../stage6/06-mute-list/src/tests.rs"]
mod tests;

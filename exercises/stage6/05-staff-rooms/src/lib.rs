//! # Exercise 6.5 — Staff rooms
//!
//! Stage 6 — Inside the final server. Book: "Stage 6 — Inside the final server", section "Hooks".
//! Check it with `cargo ex check 6.5`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 6.5`.
//!
//! ## Task
//!
//! Some rooms are for the team only. [`StaffRooms`] guards every room whose name starts with
//! `staff-` (in any case):
//!
//! - a `join` of such a room by a guest (`request.verified` is false) is refused with the reason
//!   `sign in to join staff rooms`, *whatever the guest is called*;
//! - by a signed-in user who is not on the staff list, with `only staff may join staff rooms`;
//! - by a signed-in member of the staff (names compared without regard to case), it passes.
//! - Every other request passes: a `send` can only reach a room its sender joined.
//!
//! The lesson is in the first rule: a guest may call themselves `ann` as long as no account is
//! called that, so a name alone proves nothing; only a signed-in user's name (their token's) is
//! theirs.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines, fields and helper functions; do
//! not change the types or the signatures the tests use. The tests are in `src/tests.rs`: read
//! them, but do not edit them.

use chat_server::hook::{Action, Decision, Hook, Request};

/// Rooms named `staff-…` only for the signed-in members of the staff.
#[derive(Debug)]
pub struct StaffRooms {
    // Your fields here.
}

impl StaffRooms {
    /// Staff rooms for these users.
    pub fn new(staff: &[&str]) -> StaffRooms {
        todo!()
    }
}

impl Hook for StaffRooms {
    fn check(&self, request: &Request<'_>) -> Decision {
        todo!()
    }
}

#[cfg(test)]
mod tests;

//! # Exercise 6.2 — /me, through a hook
//!
//! Stage 6 — Inside the final server. Book: "Stage 6 — Inside the final server", section "Hooks".
//! Check it with `cargo ex check 6.2`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 6.2`.
//!
//! ## Task
//!
//! IRC's oldest command, added without touching the server: [`MeAction`] turns a message that
//! starts with `/me ` into an action, by rewriting its text.
//!
//! - `/me waves` from ann becomes `* ann waves`, in a `send` and in a `direct`. The rest of the
//!   text is kept as written, without the spaces around it: `/me   waves  ` becomes `* ann waves`.
//! - `/me` alone, or followed only by spaces, is refused with the reason
//!   `say what you do, as in "/me waves"`.
//! - Only `/me` followed by a space (or nothing) is the command: `/meow`, ` /me waves` and
//!   `/ME waves` are ordinary messages and pass unchanged.
//! - A `join` always passes.
//!
//! The server checks a rewritten text again against its own rules (its length, no control
//! characters), so a hook cannot make it send what it would refuse from a user.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines, fields and helper functions; do
//! not change the types or the signatures the tests use. The tests are in `src/tests.rs`: read
//! them, but do not edit them.

use chat_server::hook::{Action, Decision, Hook, Request};

/// Turns `/me does something` into `* name does something`.
#[derive(Debug, Default)]
pub struct MeAction;

impl Hook for MeAction {
    fn check(&self, request: &Request<'_>) -> Decision {
        todo!()
    }
}

#[cfg(test)]
mod tests;

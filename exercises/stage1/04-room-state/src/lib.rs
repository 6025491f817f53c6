//! # Exercise 1.4 — Room state
//!
//! Stage 1 — Foundations. Book: chapter 1, "Enums as state machines".
//! Check it with `cargo ex check 1.4`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 1.4`.
//!
//! ## Task
//!
//! A connection goes through four states. The username exists only once it is set, and the room
//! only while the connection is in one, so each lives inside its variant of [`State`]:
//!
//! ```text
//!  Connected --set_name--> Named --enter--> InRoom --leave_room--> Named
//!                          Named --set_name--> Named (rename)
//!                          InRoom --set_name--> InRoom (rename, same room)
//!                          InRoom --enter--> InRoom (switch room)
//!  any state --close--> Closed
//! ```
//!
//! Implement the transition methods and [`State::room`]. A transition that the diagram does not
//! allow returns `Err(TransitionError { from, action })`, where `from` is [`State::name`] of the
//! current state and `action` is the method's name (`"set_name"`, `"enter"`, `"leave_room"`),
//! and leaves the state exactly as it was. `leave_room` should move the username into the new
//! state, not clone it (see how `leave` does it in the chapter).
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

/// Where a connection is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Connected, no name yet.
    Connected,
    /// Has a name, is in no room.
    Named {
        /// The connection's name.
        username: String,
    },
    /// Has a name and is in a room.
    InRoom {
        /// The connection's name.
        username: String,
        /// The room it is in.
        room: String,
    },
    /// Finished; nothing more can happen.
    Closed,
}

/// A transition that is not allowed from the current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionError {
    /// The state's name, from [`State::name`].
    pub from: &'static str,
    /// The method that was called.
    pub action: &'static str,
}

impl State {
    /// A short name for the state: "connected", "named", "in_room" or "closed".
    pub fn name(&self) -> &'static str {
        match self {
            State::Connected => "connected",
            State::Named { .. } => "named",
            State::InRoom { .. } => "in_room",
            State::Closed => "closed",
        }
    }

    /// Sets or changes the username. Allowed in every state but `Closed`; in a room, the
    /// connection stays in the same room.
    pub fn set_name(&mut self, new_name: &str) -> Result<(), TransitionError> {
        todo!()
    }

    /// Enters `room` (or switches to it). Allowed from `Named` and `InRoom`.
    pub fn enter(&mut self, new_room: &str) -> Result<(), TransitionError> {
        todo!()
    }

    /// Leaves the current room, keeping the name. Allowed only from `InRoom`.
    pub fn leave_room(&mut self) -> Result<(), TransitionError> {
        todo!()
    }

    /// Closes the connection. Always allowed.
    pub fn close(&mut self) {
        todo!()
    }

    /// The room the connection is in, if it is in one.
    pub fn room(&self) -> Option<&str> {
        todo!()
    }
}

#[cfg(test)]
mod tests;

//! # Exercise 1.4 — Room state: reference solution
//!
//! Stage 1 — Foundations. The exercise is `exercises/stage1/04-room-state`; this file is tested
//! with that exercise's own `src/tests.rs`.

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
        match self {
            State::Connected => {
                *self = State::Named {
                    username: new_name.to_owned(),
                }
            }
            State::Named { username } | State::InRoom { username, .. } => {
                *username = new_name.to_owned();
            }
            State::Closed => return Err(self.refuse("set_name")),
        }
        Ok(())
    }

    /// Enters `room` (or switches to it). Allowed from `Named` and `InRoom`.
    pub fn enter(&mut self, new_room: &str) -> Result<(), TransitionError> {
        match std::mem::replace(self, State::Closed) {
            State::Named { username } | State::InRoom { username, .. } => {
                *self = State::InRoom {
                    username,
                    room: new_room.to_owned(),
                };
                Ok(())
            }
            other => {
                *self = other;
                Err(self.refuse("enter"))
            }
        }
    }

    /// Leaves the current room, keeping the name. Allowed only from `InRoom`.
    pub fn leave_room(&mut self) -> Result<(), TransitionError> {
        match std::mem::replace(self, State::Closed) {
            State::InRoom { username, .. } => {
                *self = State::Named { username };
                Ok(())
            }
            other => {
                *self = other;
                Err(self.refuse("leave_room"))
            }
        }
    }

    /// Closes the connection. Always allowed.
    pub fn close(&mut self) {
        *self = State::Closed;
    }

    /// The room the connection is in, if it is in one.
    pub fn room(&self) -> Option<&str> {
        match self {
            State::InRoom { room, .. } => Some(room),
            _ => None,
        }
    }

    fn refuse(&self, action: &'static str) -> TransitionError {
        TransitionError {
            from: self.name(),
            action,
        }
    }
}

#[cfg(test)]
#[path = "../../../../stage1/04-room-state/src/tests.rs"]
mod tests;

//! # Exercise 4.1 — A validating builder
//!
//! Stage 4 — Architecture. Book: chapter 4, "The builder pattern".
//! Check it with `cargo ex check 4.1`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 4.1`.
//!
//! ## Task
//!
//! A chat room has settings: a name, a member limit, an optional message of the day, and
//! whether it is private. Write the builder for [`RoomSettings`]: start from the defaults, let
//! each setting be changed by name, and check everything in [`RoomBuilder::build`], so that a
//! `RoomSettings` that exists is always valid. The rules, checked in this order:
//!
//! 1. `name`: trimmed, 1 to 24 characters → otherwise [`SettingsError::BadName`];
//! 2. `max_members`: 2 to 10,000 → otherwise [`SettingsError::MemberLimit`] with the value;
//! 3. `motd` (if set): trimmed, at most 200 characters; an empty one counts as not set →
//!    otherwise [`SettingsError::MotdTooLong`] with its length in characters;
//! 4. a private room may have at most 100 members → otherwise [`SettingsError::PrivateTooBig`].
//!
//! Defaults: no name (so `build` without one fails with `BadName`), 50 members, no motd, public.
//! The error type uses `thiserror`: its `#[error(...)]` attributes are already written and are
//! what `to_string()` prints.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

/// Valid room settings. Only [`RoomBuilder::build`] makes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSettings {
    /// The room's name, trimmed.
    pub name: String,
    /// The most members it may have.
    pub max_members: u32,
    /// The message of the day, trimmed, if any.
    pub motd: Option<String>,
    /// Whether the room is hidden from the room list.
    pub private: bool,
}

/// Why settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// The name is empty or longer than 24 characters.
    #[error("a room name has 1 to 24 characters")]
    BadName,
    /// The member limit is out of range.
    #[error("a room has 2 to 10000 members, not {0}")]
    MemberLimit(u32),
    /// The message of the day is too long.
    #[error("the message of the day has at most 200 characters, this one has {0}")]
    MotdTooLong(usize),
    /// A private room with too many members.
    #[error("a private room has at most 100 members")]
    PrivateTooBig,
}

/// Builds [`RoomSettings`], checking them all at the end.
#[derive(Debug, Clone)]
pub struct RoomBuilder {
    name: String,
    max_members: u32,
    motd: Option<String>,
    private: bool,
}

impl RoomBuilder {
    /// A builder with the defaults: no name, 50 members, no motd, public.
    pub fn new() -> RoomBuilder {
        todo!()
    }

    /// Sets the name.
    pub fn name(mut self, name: &str) -> RoomBuilder {
        todo!()
    }

    /// Sets the member limit.
    pub fn max_members(mut self, limit: u32) -> RoomBuilder {
        todo!()
    }

    /// Sets the message of the day.
    pub fn motd(mut self, motd: &str) -> RoomBuilder {
        todo!()
    }

    /// Makes the room private.
    pub fn private(mut self) -> RoomBuilder {
        todo!()
    }

    /// Checks the settings, in the order of the rules above.
    pub fn build(self) -> Result<RoomSettings, SettingsError> {
        todo!()
    }
}

impl Default for RoomBuilder {
    fn default() -> RoomBuilder {
        RoomBuilder::new()
    }
}

#[cfg(test)]
mod tests;

//! # Exercise 4.1 — A validating builder: reference solution
//!
//! Stage 4 — Architecture. The exercise is `exercises/stage4/01-validating-builder`; this file
//! is tested with that exercise's own `src/tests.rs`.

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
        RoomBuilder {
            name: String::new(),
            max_members: 50,
            motd: None,
            private: false,
        }
    }

    /// Sets the name.
    pub fn name(mut self, name: &str) -> RoomBuilder {
        name.clone_into(&mut self.name);
        self
    }

    /// Sets the member limit.
    pub fn max_members(mut self, limit: u32) -> RoomBuilder {
        self.max_members = limit;
        self
    }

    /// Sets the message of the day.
    pub fn motd(mut self, motd: &str) -> RoomBuilder {
        self.motd = Some(motd.to_owned());
        self
    }

    /// Makes the room private.
    pub fn private(mut self) -> RoomBuilder {
        self.private = true;
        self
    }

    /// Checks the settings, in the order of the rules above.
    pub fn build(self) -> Result<RoomSettings, SettingsError> {
        let name = self.name.trim();
        if !(1..=24).contains(&name.chars().count()) {
            return Err(SettingsError::BadName);
        }
        if !(2..=10_000).contains(&self.max_members) {
            return Err(SettingsError::MemberLimit(self.max_members));
        }
        let motd = self
            .motd
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty());
        if let Some(len) = motd
            .as_ref()
            .map(|m| m.chars().count())
            .filter(|&len| len > 200)
        {
            return Err(SettingsError::MotdTooLong(len));
        }
        if self.private && self.max_members > 100 {
            return Err(SettingsError::PrivateTooBig);
        }
        Ok(RoomSettings {
            name: name.to_owned(),
            max_members: self.max_members,
            motd,
            private: self.private,
        })
    }
}

impl Default for RoomBuilder {
    fn default() -> RoomBuilder {
        RoomBuilder::new()
    }
}

#[cfg(test)]
#[path = "../../../../stage4/01-validating-builder/src/tests.rs"]
mod tests;

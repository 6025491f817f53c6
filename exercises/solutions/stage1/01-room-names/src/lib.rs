//! # Exercise 1.1 — Room names: reference solution
//!
//! Stage 1 — Foundations. The exercise is `exercises/stage1/01-room-names`; this file is tested
//! with that exercise's own `src/tests.rs`.

/// The longest room name, in characters.
pub const MAX_ROOM_CHARS: usize = 24;

/// A valid, canonical room name. The field is private: [`RoomName::parse`] is the only way in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoomName(String);

/// Why a room name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomNameError {
    /// Nothing left after trimming spaces and `#`.
    Empty,
    /// Longer than [`MAX_ROOM_CHARS`].
    TooLong {
        /// The length that was found, in characters.
        len: usize,
    },
    /// A character other than an ASCII letter, digit or `-`.
    ForbiddenChar(char),
    /// The name starts with a digit or `-`.
    MustStartWithLetter,
}

impl RoomName {
    /// Turns what a user typed into a canonical room name, or says why it cannot be one.
    pub fn parse(raw: &str) -> Result<RoomName, RoomNameError> {
        let trimmed = raw.trim();
        // Both are slices of `raw`: nothing is copied until `to_ascii_lowercase` below.
        let name = trimmed.strip_prefix('#').unwrap_or(trimmed);
        if name.is_empty() {
            return Err(RoomNameError::Empty);
        }
        let len = name.chars().count();
        if len > MAX_ROOM_CHARS {
            return Err(RoomNameError::TooLong { len });
        }
        if let Some(bad) = name
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(RoomNameError::ForbiddenChar(bad));
        }
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(RoomNameError::MustStartWithLetter);
        }
        Ok(RoomName(name.to_ascii_lowercase()))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
#[path = "../../../../stage1/01-room-names/src/tests.rs"]
mod tests;

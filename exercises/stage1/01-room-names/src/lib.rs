//! # Exercise 1.1 — Room names
//!
//! Stage 1 — Foundations. Book: chapter 1, "A newtype for usernames".
//! Check it with `cargo ex check 1.1`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 1.1`.
//!
//! ## Task
//!
//! Chat rooms have names like `rust` or `general-chat`. Users type them in many ways
//! (`#Rust`, ` rust `), so the server turns what they typed into one canonical `RoomName`, or
//! refuses it with a precise reason. Implement [`RoomName::parse`]:
//!
//! 1. ignore spaces around the name, then one leading `#` if there is one;
//! 2. lowercase it (ASCII is enough: only ASCII is allowed, see 4);
//! 3. nothing left → [`RoomNameError::Empty`]; more than [`MAX_ROOM_CHARS`] characters →
//!    [`RoomNameError::TooLong`] with the length;
//! 4. every character must be an ASCII letter, an ASCII digit or `-`, otherwise
//!    [`RoomNameError::ForbiddenChar`] with the first bad character;
//! 5. the first character must be a letter, otherwise [`RoomNameError::MustStartWithLetter`].
//!
//! Check the rules in that order (so `"#"` is `Empty` and `"9 lives"` is `ForbiddenChar(' ')`).
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

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
        todo!("trim, strip one '#', lowercase, then check the rules in order")
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests;

//! # Exercise 1.7 — Room configuration errors
//!
//! Stage 1 — Foundations. Book: chapter 1, "Errors are values".
//! Check it with `cargo ex check 1.7`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 1.7`.
//!
//! ## Task
//!
//! A server operator describes each room on one line: `name=rust capacity=20 private=true`
//! (`key=value` pairs separated by spaces, in any order; `name` and `capacity` are required,
//! `private` is optional and defaults to `false`). A typo must produce an error that says
//! exactly what is wrong, never a panic. Implement:
//!
//! 1. `Display` for [`ConfigError`], with exactly these texts:
//!
//!    | error                          | text                                           |
//!    |--------------------------------|------------------------------------------------|
//!    | `Malformed("oops")`            | `expected key=value, found "oops"`             |
//!    | `UnknownKey("colour")`         | `unknown key "colour"`                          |
//!    | `MissingKey("capacity")`       | `missing key "capacity"`                        |
//!    | `BadCapacity(_)`               | `capacity is not a valid number`               |
//!    | `BadPrivate("maybe")`          | `private must be true or false, not "maybe"`   |
//!
//! 2. `Error::source` for [`ConfigError`]: the `ParseIntError` inside `BadCapacity`, `None` for the
//!    others (so a caller can print the whole chain of causes).
//! 3. `From<ParseIntError> for ConfigError`, giving `BadCapacity`, so that `value.parse::<u32>()?`
//!    works inside [`parse_room_config`].
//! 4. [`parse_room_config`]. A part whose key is empty (`=5`) or that has no `=` is `Malformed`;
//!    a key other than the three is `UnknownKey`; when a key appears twice, the last wins. After
//!    all parts are read, check `name` first, then `capacity`. Use `?` for the number and for the
//!    missing keys (`Option::ok_or` turns a `None` into an error).
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use std::error::Error;
use std::fmt;
use std::num::ParseIntError;

/// One room, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomConfig {
    /// The room's name.
    pub name: String,
    /// How many members it may have.
    pub capacity: u32,
    /// Whether it is hidden from the room list.
    pub private: bool,
}

/// What can be wrong with a room configuration line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// A part without `=` (or with nothing before it).
    Malformed(String),
    /// A key other than `name`, `capacity` and `private`.
    UnknownKey(String),
    /// A required key that is not there.
    MissingKey(&'static str),
    /// `capacity` is not a whole number from 0 to 4294967295.
    BadCapacity(ParseIntError),
    /// `private` is neither `true` nor `false`.
    BadPrivate(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("one write!(f, ...) per variant")
    }
}

impl Error for ConfigError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        todo!()
    }
}

impl From<ParseIntError> for ConfigError {
    fn from(err: ParseIntError) -> Self {
        todo!()
    }
}

/// Parses one configuration line such as `name=rust capacity=20 private=true`.
pub fn parse_room_config(line: &str) -> Result<RoomConfig, ConfigError> {
    todo!("split on whitespace, split each part at '=', match the key, then check required keys")
}

#[cfg(test)]
mod tests;

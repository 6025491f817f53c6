//! # Exercise 1.7 — Room configuration errors: reference solution
//!
//! Stage 1 — Foundations. The exercise is `exercises/stage1/07-room-config-errors`; this file is
//! tested with that exercise's own `src/tests.rs`.

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
        match self {
            ConfigError::Malformed(part) => write!(f, "expected key=value, found {part:?}"),
            ConfigError::UnknownKey(key) => write!(f, "unknown key {key:?}"),
            ConfigError::MissingKey(key) => write!(f, "missing key {key:?}"),
            ConfigError::BadCapacity(_) => write!(f, "capacity is not a valid number"),
            ConfigError::BadPrivate(value) => {
                write!(f, "private must be true or false, not {value:?}")
            }
        }
    }
}

impl Error for ConfigError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ConfigError::BadCapacity(err) => Some(err),
            _ => None,
        }
    }
}

impl From<ParseIntError> for ConfigError {
    fn from(err: ParseIntError) -> Self {
        ConfigError::BadCapacity(err)
    }
}

/// Parses one configuration line such as `name=rust capacity=20 private=true`.
pub fn parse_room_config(line: &str) -> Result<RoomConfig, ConfigError> {
    let mut name = None;
    let mut capacity = None;
    let mut private = false;
    for part in line.split_whitespace() {
        let Some((key, value)) = part.split_once('=').filter(|(key, _)| !key.is_empty()) else {
            return Err(ConfigError::Malformed(part.to_owned()));
        };
        match key {
            "name" => name = Some(value.to_owned()),
            "capacity" => capacity = Some(value.parse::<u32>()?),
            "private" => private = parse_bool(value)?,
            other => return Err(ConfigError::UnknownKey(other.to_owned())),
        }
    }
    let name = name.ok_or(ConfigError::MissingKey("name"))?;
    let capacity = capacity.ok_or(ConfigError::MissingKey("capacity"))?;
    Ok(RoomConfig {
        name,
        capacity,
        private,
    })
}

fn parse_bool(value: &str) -> Result<bool, ConfigError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(ConfigError::BadPrivate(other.to_owned())),
    }
}

#[cfg(test)]
#[path = "../../../../stage1/07-room-config-errors/src/tests.rs"]
mod tests;

//! # Exercise 3.2 — Validate a frame: reference solution
//!
//! Stage 3 — WebSockets. The exercise is `exercises/stage3/02-validate-frames`; this file is
//! tested with that exercise's own `src/tests.rs`.

use serde_json::{Map, Value};

/// The longest username, in characters.
pub const MAX_USERNAME: usize = 32;
/// The longest text, in characters.
pub const MAX_TEXT: usize = 500;

/// A frame that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    /// Who, trimmed.
    pub username: String,
    /// What, trimmed.
    pub text: String,
}

/// The first thing wrong with a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The frame is not JSON.
    NotJson,
    /// The frame is JSON, but not an object.
    NotAnObject,
    /// A required field is missing.
    MissingField(&'static str),
    /// A field is there but is not a string.
    WrongType(&'static str),
    /// A field is only spaces (or empty).
    Blank(&'static str),
    /// A field is longer than allowed.
    TooLong {
        /// Which field.
        field: &'static str,
        /// The most characters allowed.
        max: usize,
    },
}

/// Checks a frame's text and returns what was said, or the first problem found.
pub fn check_frame(frame: &str) -> Result<Said, Rejection> {
    let value: Value = serde_json::from_str(frame).map_err(|_| Rejection::NotJson)?;
    let object = value.as_object().ok_or(Rejection::NotAnObject)?;
    let username = field(object, "username", MAX_USERNAME)?;
    let text = field(object, "text", MAX_TEXT)?;
    Ok(Said { username, text })
}

/// One required, trimmed, non-blank string field of at most `max` characters.
fn field(object: &Map<String, Value>, name: &'static str, max: usize) -> Result<String, Rejection> {
    let value = object.get(name).ok_or(Rejection::MissingField(name))?;
    let text = value.as_str().ok_or(Rejection::WrongType(name))?.trim();
    if text.is_empty() {
        return Err(Rejection::Blank(name));
    }
    if text.chars().count() > max {
        return Err(Rejection::TooLong { field: name, max });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
#[path = "../../../../stage3/02-validate-frames/src/tests.rs"]
mod tests;

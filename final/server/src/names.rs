//! The rules for usernames, room names and message text.
//!
//! Final server — book chapters "The protocol" (the rules) and "Running the server" (the limits).
//!
//! Names are shown to other people, so they are where impersonation happens: `alice` and
//! `аlice` (with a Cyrillic `а`) look the same on screen, as do `bob` and `bob\u{200B}` (with an
//! invisible space). Telling such look-alikes apart in all of Unicode needs the confusables
//! tables of Unicode TR 39; this server takes the simple and strict road instead and allows only
//! ASCII letters, digits, `_`, `-` and `.` in names. Usernames keep their case but compare
//! case-insensitively (`Alice` and `alice` cannot both be connected); room names are lowercase.
//!
//! Message text may be any Unicode, with newlines and tabs, but no other control characters:
//! those could rewrite a terminal client's screen (stage 3 showed the escape sequence attack).

/// The longest username or room name, in characters.
pub const MAX_NAME_CHARS: usize = 32;

fn name_problem(name: &str, allowed: impl Fn(char) -> bool, what: &str) -> Option<String> {
    if name.is_empty() {
        return Some(format!("the {what} is empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Some(format!(
            "the {what} is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    if name.starts_with(['.', '-']) {
        return Some(format!(
            "the {what} must start with a letter, a digit or '_'"
        ));
    }
    name.chars().find(|c| !allowed(*c)).map(|bad| {
        format!(
            "the {what} contains {bad:?}; allowed are {}",
            allowed_description(what)
        )
    })
}

fn allowed_description(what: &str) -> &'static str {
    if what == "room name" {
        "lowercase ASCII letters, digits, '_', '-' and '.'"
    } else {
        "ASCII letters, digits, '_', '-' and '.'"
    }
}

// ANCHOR: validate
/// Checks a username: 1–32 of `A-Z a-z 0-9 _ - .`, not starting with `.` or `-`.
/// Returns what is wrong, in words, or `None` when it is fine.
pub fn username_problem(name: &str) -> Option<String> {
    name_problem(
        name,
        |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'),
        "username",
    )
}

/// Checks a room name: like a username, but lowercase only (`Rust` and `rust` are not two rooms).
pub fn room_problem(name: &str) -> Option<String> {
    name_problem(
        name,
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'),
        "room name",
    )
}

/// The key under which a username is unique: its lowercase form.
pub fn username_key(name: &str) -> String {
    name.to_ascii_lowercase()
}
// ANCHOR_END: validate

/// What is wrong with a message text, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// Nothing but whitespace.
    Empty,
    /// More characters than allowed.
    TooLong,
    /// A control character other than newline or tab.
    ControlCharacter,
}

/// Checks a message text against the length limit (in characters, not bytes) and the character
/// rules.
pub fn text_problem(text: &str, max_chars: usize) -> Option<TextProblem> {
    if text.trim().is_empty() {
        return Some(TextProblem::Empty);
    }
    // `chars().nth` stops early, so a huge text is not counted to its end.
    if text.chars().nth(max_chars).is_some() {
        return Some(TextProblem::TooLong);
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Some(TextProblem::ControlCharacter);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        for good in ["alice", "Bob_2", "x", "a.b-c", "_under", &"a".repeat(32)] {
            assert_eq!(username_problem(good), None, "{good}");
        }
        for bad in [
            "",
            " ",
            "al ice",
            "-x",
            ".x",
            "аlice",
            "bob\u{200B}",
            "tab\t",
            "a\u{1b}[2J",
            &"a".repeat(33),
            "é",
        ] {
            assert!(username_problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(username_key("AliCe"), "alice");
        assert!(username_problem("a b").unwrap().contains("' '"));
    }

    #[test]
    fn rooms() {
        assert_eq!(room_problem("rust-lang.2"), None);
        for bad in ["", "Rust", "a b", "-x", "ру", &"r".repeat(33)] {
            assert!(room_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn texts() {
        assert_eq!(text_problem("hi\nthere\tyou ✓", 20), None);
        assert_eq!(text_problem("  \n", 20), Some(TextProblem::Empty));
        assert_eq!(text_problem("ééé", 3), None, "characters, not bytes");
        assert_eq!(text_problem("éééé", 3), Some(TextProblem::TooLong));
        assert_eq!(
            text_problem("a\u{1b}[2J", 20),
            Some(TextProblem::ControlCharacter)
        );
        assert_eq!(text_problem("a\r", 20), Some(TextProblem::ControlCharacter));
    }
}

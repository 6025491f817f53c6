//! Stage 5 — property-based tests of the message parsers, with proptest.
//!
//! Book: chapter 5, "Property-based tests". A unit test checks the cases someone thought of; a
//! property says what must hold for *every* input, and proptest tries hundreds of generated
//! inputs, shrinking any failure to the smallest input that still fails.

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use stage1_foundations::command::{self, Command};
use stage3_websockets::wire::{ChatMessage, encode_message, parse_incoming};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 12, 0, 0)
        .single()
        .expect("valid time")
}

/// True when `part` is a slice of `whole`'s memory.
fn borrows_from(part: &str, whole: &str) -> bool {
    let start = whole.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    p >= start && p + part.len() <= start + whole.len()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    // ANCHOR: never_panics
    /// Whatever a client sends, the parser answers Ok or Err: it never panics.
    #[test]
    fn any_text_frame_is_answered_without_a_panic(frame in any::<String>()) {
        let _ = parse_incoming(&frame, now());
    }

    /// The same for JSON of the right shape with arbitrary field contents.
    #[test]
    fn any_username_and_text_are_answered_without_a_panic(username in any::<String>(), text in any::<String>()) {
        let frame = serde_json::json!({ "username": username, "text": text }).to_string();
        if let Ok(message) = parse_incoming(&frame, now()) {
            prop_assert_eq!(message.text(), text.trim());
            prop_assert_eq!(message.username().as_str(), username.trim());
        }
    }
    // ANCHOR_END: never_panics

    // ANCHOR: round_trip
    /// A valid message survives the trip client → server → every client unchanged.
    #[test]
    fn valid_messages_round_trip(username in "[A-Za-z0-9_.-]{1,32}", text in "\\PC{1,300}") {
        prop_assume!(!text.trim().is_empty());
        let frame = serde_json::json!({ "username": username, "text": text }).to_string();
        let message = parse_incoming(&frame, now()).expect("a valid frame is accepted");
        let delivered: ChatMessage = serde_json::from_str(&encode_message(&message)).expect("valid JSON out");
        prop_assert_eq!(delivered.username, username);
        prop_assert_eq!(delivered.text, text.trim());
        prop_assert_eq!(delivered.timestamp, now());
    }
    // ANCHOR_END: round_trip

    // ANCHOR: control
    /// Whatever other people send, the terminal clients never print a control character. Found
    /// by proptest's first run of this property: the server accepts `ESC` in text, and `render`
    /// printed it raw, so one client could clear or recolour everyone's terminal.
    #[test]
    fn rendered_lines_have_no_control_characters(text in "[\\x00-\\x1f\\x7f-\\x9f a-z]{1,40}") {
        let frame = serde_json::json!({ "username": "eve", "text": text }).to_string();
        if let Ok(message) = parse_incoming(&frame, now()) {
            let line = stage3_websockets::client::render(&encode_message(&message));
            prop_assert!(!line.chars().any(char::is_control), "{:?}", line);
        }
    }
    // ANCHOR_END: control

    /// Stage 1's command parser never panics, and what it returns points into the line.
    #[test]
    fn commands_borrow_from_their_line(line in any::<String>()) {
        match command::parse(&line) {
            Ok(Command::Say(text)) => prop_assert!(borrows_from(text, &line)),
            Ok(Command::Join { room }) => prop_assert!(borrows_from(room, &line)),
            Ok(Command::Direct { to, text }) => {
                prop_assert!(borrows_from(to, &line) && borrows_from(text, &line));
            }
            Ok(Command::Leave | Command::Quit) | Err(_) => {}
        }
    }
}

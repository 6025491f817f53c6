//! Tests for exercise 1.1. Read them to see what is expected; do not edit them.

use super::*;

fn ok(raw: &str) -> String {
    match RoomName::parse(raw) {
        Ok(name) => name.as_str().to_owned(),
        Err(err) => panic!("{raw:?} is a valid room name, but parse refused it with {err:?}"),
    }
}

#[test]
fn a_plain_name_is_accepted_as_is() {
    assert_eq!(
        ok("rust"),
        "rust",
        "a plain lowercase name should come back unchanged"
    );
    assert_eq!(
        ok("general-chat"),
        "general-chat",
        "'-' is allowed inside a name"
    );
    assert_eq!(
        ok("r2d2"),
        "r2d2",
        "digits are allowed after the first letter"
    );
}

#[test]
fn spaces_hash_and_case_are_normalised() {
    assert_eq!(
        ok("  rust "),
        "rust",
        "spaces around the name should be ignored"
    );
    assert_eq!(ok("#rust"), "rust", "one leading '#' should be dropped");
    assert_eq!(
        ok(" #Rust-Lang "),
        "rust-lang",
        "the name should be lowercased"
    );
}

#[test]
fn empty_names_are_refused() {
    for raw in ["", "   ", "#", " # "] {
        assert_eq!(
            RoomName::parse(raw),
            Err(RoomNameError::Empty),
            "{raw:?} has no name in it"
        );
    }
}

#[test]
fn long_names_are_refused_with_their_length() {
    let longest = "a".repeat(MAX_ROOM_CHARS);
    assert_eq!(
        ok(&longest),
        longest,
        "exactly MAX_ROOM_CHARS characters is allowed"
    );
    assert_eq!(
        RoomName::parse(&"é".repeat(13)),
        Err(RoomNameError::ForbiddenChar('é')),
        "13 characters (26 bytes) is not too long: count characters with chars(), not bytes with len()"
    );
    let too_long = "a".repeat(MAX_ROOM_CHARS + 1);
    assert_eq!(
        RoomName::parse(&too_long),
        Err(RoomNameError::TooLong {
            len: MAX_ROOM_CHARS + 1
        }),
        "one character more than MAX_ROOM_CHARS must be refused"
    );
}

#[test]
fn forbidden_characters_are_named() {
    assert_eq!(
        RoomName::parse("rust lang"),
        Err(RoomNameError::ForbiddenChar(' '))
    );
    assert_eq!(
        RoomName::parse("rust_lang"),
        Err(RoomNameError::ForbiddenChar('_'))
    );
    assert_eq!(
        RoomName::parse("café"),
        Err(RoomNameError::ForbiddenChar('é')),
        "only ASCII letters are allowed"
    );
    assert_eq!(
        RoomName::parse("9 lives"),
        Err(RoomNameError::ForbiddenChar(' ')),
        "check characters before the first letter"
    );
}

#[test]
fn names_must_start_with_a_letter() {
    assert_eq!(
        RoomName::parse("42"),
        Err(RoomNameError::MustStartWithLetter)
    );
    assert_eq!(
        RoomName::parse("-rust"),
        Err(RoomNameError::MustStartWithLetter)
    );
    assert_eq!(
        RoomName::parse("##rust"),
        Err(RoomNameError::ForbiddenChar('#')),
        "only one '#' is dropped"
    );
    assert_eq!(
        RoomName::parse("# rust"),
        Err(RoomNameError::ForbiddenChar(' ')),
        "spaces are trimmed around the name before the '#' is dropped, not after"
    );
}

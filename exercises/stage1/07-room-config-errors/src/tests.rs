//! Tests for exercise 1.7. Read them to see what is expected; do not edit them.

use super::*;

fn bad_number() -> ParseIntError {
    "twenty".parse::<u32>().unwrap_err()
}

#[test]
fn display_texts() {
    assert_eq!(
        ConfigError::Malformed("oops".into()).to_string(),
        "expected key=value, found \"oops\""
    );
    assert_eq!(
        ConfigError::UnknownKey("colour".into()).to_string(),
        "unknown key \"colour\""
    );
    assert_eq!(
        ConfigError::MissingKey("capacity").to_string(),
        "missing key \"capacity\""
    );
    assert_eq!(
        ConfigError::BadCapacity(bad_number()).to_string(),
        "capacity is not a valid number"
    );
    assert_eq!(
        ConfigError::BadPrivate("maybe".into()).to_string(),
        "private must be true or false, not \"maybe\""
    );
}

#[test]
fn source_is_the_parse_error() {
    let err = ConfigError::BadCapacity(bad_number());
    let source = err
        .source()
        .expect("BadCapacity should have the ParseIntError as its source");
    assert_eq!(source.to_string(), bad_number().to_string());
    assert!(
        source.downcast_ref::<ParseIntError>().is_some(),
        "the source should be the ParseIntError itself"
    );
    assert!(
        ConfigError::MissingKey("name").source().is_none(),
        "other errors have no source"
    );
    assert!(ConfigError::Malformed("x".into()).source().is_none());
}

#[test]
fn from_turns_parse_errors_into_bad_capacity() {
    assert_eq!(
        ConfigError::from(bad_number()),
        ConfigError::BadCapacity(bad_number())
    );
}

#[test]
fn parses_a_full_line_in_any_order() {
    assert_eq!(
        parse_room_config("private=true capacity=20 name=rust"),
        Ok(RoomConfig {
            name: "rust".into(),
            capacity: 20,
            private: true
        })
    );
    assert_eq!(
        parse_room_config("  name=lobby   capacity=500 "),
        Ok(RoomConfig {
            name: "lobby".into(),
            capacity: 500,
            private: false
        }),
        "private is optional and defaults to false; extra spaces are fine"
    );
    assert_eq!(
        parse_room_config("name=a capacity=1 name=b"),
        Ok(RoomConfig {
            name: "b".into(),
            capacity: 1,
            private: false
        }),
        "when a key appears twice, the last one wins"
    );
}

#[test]
fn missing_keys() {
    assert_eq!(
        parse_room_config("capacity=5"),
        Err(ConfigError::MissingKey("name"))
    );
    assert_eq!(
        parse_room_config("name=rust"),
        Err(ConfigError::MissingKey("capacity"))
    );
    assert_eq!(
        parse_room_config(""),
        Err(ConfigError::MissingKey("name")),
        "name is checked before capacity"
    );
}

#[test]
fn bad_parts_and_values() {
    assert_eq!(
        parse_room_config("name=rust oops"),
        Err(ConfigError::Malformed("oops".into()))
    );
    assert_eq!(
        parse_room_config("=5 name=x"),
        Err(ConfigError::Malformed("=5".into())),
        "a key cannot be empty"
    );
    assert_eq!(
        parse_room_config("name=rust colour=red capacity=2"),
        Err(ConfigError::UnknownKey("colour".into()))
    );
    assert_eq!(
        parse_room_config("name=rust capacity=twenty"),
        Err(ConfigError::BadCapacity(bad_number()))
    );
    assert!(
        matches!(
            parse_room_config("name=rust capacity=-1"),
            Err(ConfigError::BadCapacity(_))
        ),
        "a negative capacity is not a valid u32"
    );
    assert_eq!(
        parse_room_config("name=x capacity=1 private=maybe"),
        Err(ConfigError::BadPrivate("maybe".into()))
    );
}

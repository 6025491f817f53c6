//! Tests for exercise 3.2. Read them to see what is expected; do not edit them.

use super::*;

#[test]
fn a_good_frame_is_trimmed() {
    assert_eq!(
        check_frame(r#"{"username":" alice ","text":"  hi there  ","colour":"red"}"#),
        Ok(Said {
            username: "alice".into(),
            text: "hi there".into()
        }),
        "values are trimmed, unknown fields ignored"
    );
}

#[test]
fn not_json_and_not_objects() {
    assert_eq!(check_frame("hello"), Err(Rejection::NotJson));
    assert_eq!(
        check_frame(r#"{"username": "alice""#),
        Err(Rejection::NotJson),
        "an unfinished object is not JSON"
    );
    assert_eq!(check_frame("[1, 2]"), Err(Rejection::NotAnObject));
    assert_eq!(check_frame(r#""hi""#), Err(Rejection::NotAnObject));
}

#[test]
fn missing_fields_are_named_username_first() {
    assert_eq!(
        check_frame("{}"),
        Err(Rejection::MissingField("username")),
        "username is checked before text"
    );
    assert_eq!(
        check_frame(r#"{"username":"alice"}"#),
        Err(Rejection::MissingField("text"))
    );
}

#[test]
fn fields_must_be_strings() {
    assert_eq!(
        check_frame(r#"{"username":42,"text":"hi"}"#),
        Err(Rejection::WrongType("username"))
    );
    assert_eq!(
        check_frame(r#"{"username":"alice","text":null}"#),
        Err(Rejection::WrongType("text")),
        "null is not a string"
    );
    assert_eq!(
        check_frame(r#"{"username":"alice","text":["hi"]}"#),
        Err(Rejection::WrongType("text"))
    );
}

#[test]
fn blank_fields_are_refused() {
    assert_eq!(
        check_frame(r#"{"username":"   ","text":"hi"}"#),
        Err(Rejection::Blank("username"))
    );
    assert_eq!(
        check_frame(r#"{"username":"alice","text":""}"#),
        Err(Rejection::Blank("text"))
    );
}

#[test]
fn limits_count_characters_after_trimming() {
    let name = "é".repeat(MAX_USERNAME);
    let frame = serde_json::json!({"username": format!("  {name}  "), "text": "hi"}).to_string();
    assert!(
        check_frame(&frame).is_ok(),
        "32 characters (64 bytes) is within the limit, spaces trimmed first"
    );
    let long_name = "a".repeat(MAX_USERNAME + 1);
    let frame = serde_json::json!({"username": long_name, "text": "hi"}).to_string();
    assert_eq!(
        check_frame(&frame),
        Err(Rejection::TooLong {
            field: "username",
            max: MAX_USERNAME
        })
    );
    let long_text = "b".repeat(MAX_TEXT + 1);
    let frame = serde_json::json!({"username": "alice", "text": long_text}).to_string();
    assert_eq!(
        check_frame(&frame),
        Err(Rejection::TooLong {
            field: "text",
            max: MAX_TEXT
        })
    );
}

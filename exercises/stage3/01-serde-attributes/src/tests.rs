//! Tests for exercise 3.1. Read them to see what is expected; do not edit them.

use super::*;
use chrono::TimeZone;
use serde_json::{Value, json};

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serialising cannot fail here")
}

fn from_json<T: for<'de> Deserialize<'de>>(value: Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|err| err.to_string())
}

#[test]
fn requests_are_tagged_with_a_snake_case_type() {
    let say = Request::Say {
        room: "rust".into(),
        text: "hi".into(),
    };
    assert_eq!(
        to_json(&say),
        json!({"type": "say", "room": "rust", "text": "hi"}),
        "the variant goes in a \"type\" field"
    );
    let nick = Request::SetNick { name: "bob".into() };
    assert_eq!(
        to_json(&nick),
        json!({"type": "set_nick", "name": "bob"}),
        "SetNick is spelled set_nick"
    );
    assert_eq!(to_json(&Request::ListRooms), json!({"type": "list_rooms"}));
}

#[test]
fn requests_read_back() {
    let parsed: Result<Request, _> =
        from_json(json!({"type": "say", "room": "rust", "text": "hi"}));
    assert_eq!(
        parsed,
        Ok(Request::Say {
            room: "rust".into(),
            text: "hi".into()
        })
    );
    let parsed: Result<Request, _> = from_json(json!({"type": "list_rooms"}));
    assert_eq!(parsed, Ok(Request::ListRooms));
}

#[test]
fn since_is_left_out_when_absent() {
    let fresh = Request::Join {
        room: "rust".into(),
        since: None,
    };
    assert_eq!(
        to_json(&fresh),
        json!({"type": "join", "room": "rust"}),
        "no \"since\": null, no \"since\" at all"
    );
    let resume = Request::Join {
        room: "rust".into(),
        since: Some(41),
    };
    assert_eq!(
        to_json(&resume),
        json!({"type": "join", "room": "rust", "since": 41})
    );
    let parsed: Result<Request, _> = from_json(json!({"type": "join", "room": "rust"}));
    assert_eq!(
        parsed,
        Ok(fresh),
        "a join without since reads as since: None"
    );
}

#[test]
fn presence_uses_lowercase_events_and_a_timestamp_field() {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 12, 0, 0).unwrap();
    let presence = Presence {
        username: "alice".into(),
        event: Event::Join,
        at,
    };
    let expected =
        json!({"username": "alice", "event": "join", "timestamp": "2026-01-02T12:00:00Z"});
    assert_eq!(
        to_json(&presence),
        expected,
        "Event::Join is \"join\", and `at` is called \"timestamp\""
    );
    let parsed: Result<Presence, _> =
        from_json(json!({"username": "bo", "event": "leave", "timestamp": "2026-01-02T12:00:00Z"}));
    assert_eq!(
        parsed,
        Ok(Presence {
            username: "bo".into(),
            event: Event::Leave,
            at
        })
    );
}

#[test]
fn room_summaries_say_members_and_refuse_unknown_fields() {
    let summary = RoomSummary {
        name: "rust".into(),
        member_count: 3,
    };
    assert_eq!(
        to_json(&summary),
        json!({"name": "rust", "members": 3}),
        "member_count is called \"members\""
    );
    let extra: Result<RoomSummary, _> =
        from_json(json!({"name": "rust", "members": 3, "admin": true}));
    let err = extra.expect_err("a field the type does not know must be refused");
    assert!(err.contains("unknown field `admin`"), "{err}");
}

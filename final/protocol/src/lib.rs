//! The wire protocol: what a client may send, what the server answers, and the codes of both.
//!
//! Final server — book chapter "The protocol" (every frame below has an example there).
//!
//! The protocol is a contract with clients written by other people, so this crate is the one
//! place that knows the JSON field names. Requests are decoded in two steps: first into a loose
//! `Envelope` whose every field is optional, then into a [`Request`] whose fields are all
//! present. The two steps let an error name the missing field *and* still echo the request's
//! `id`, which a single strict `#[serde(tag = "type")]` enum cannot do.
//!
//! Replies are encoded with `serde_json` from small borrowed structs, into [`Utf8Bytes`](tokio_tungstenite::tungstenite::Utf8Bytes): the
//! reference-counted text that tungstenite sends without copying, so one encoded message can be
//! queued for a thousand clients (stage 5, "serialise once").
//!
//! The parts: `request` decodes what clients send, `reply` encodes what the
//! server sends, `codes` holds the error and close codes both use. Dependency direction:
//! `request` and `reply` use `codes`, `reply` uses `request` (a reply echoes the request's
//! `id`); `codes` uses neither. This crate is shared by the server (`chat-server`) and the
//! terminal client (`chat-client`), and depends on neither.

mod codes;
mod reply;
mod request;

pub use codes::{CloseCode, ErrorCode};
pub use reply::{
    PresenceEvent, RoomInfo, encode_direct, encode_error, encode_gap, encode_history,
    encode_joined, encode_left, encode_message, encode_message_parts, encode_presence,
    encode_rooms, encode_welcome, is_presence, timestamp,
};
pub use request::{
    DecodeError, HISTORY_DEFAULT, HISTORY_LIMIT, Request, RequestId, Secret, decode,
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use tokio_tungstenite::tungstenite::Utf8Bytes;

    fn parse(bytes: &Utf8Bytes) -> Value {
        serde_json::from_str(bytes.as_str()).unwrap()
    }

    #[test]
    fn decodes_every_request_and_its_id() {
        let cases = [
            (
                r#"{"type":"hello","username":"alice","id":1}"#,
                Request::Hello {
                    username: "alice".into(),
                },
            ),
            (
                r#"{"type":"hello","token":"a.b.c","username":"ignored"}"#,
                Request::HelloToken {
                    token: Secret::new("a.b.c"),
                },
            ),
            (
                r#"{"type":"join","room":"rust"}"#,
                Request::Join {
                    room: "rust".into(),
                    since: None,
                },
            ),
            (
                r#"{"type":"join","room":"rust","since":7}"#,
                Request::Join {
                    room: "rust".into(),
                    since: Some(7),
                },
            ),
            (
                r#"{"type":"send","room":"r","text":"hi"}"#,
                Request::Send {
                    room: "r".into(),
                    text: "hi".into(),
                },
            ),
            (
                r#"{"type":"leave","room":"r"}"#,
                Request::Leave { room: "r".into() },
            ),
            (
                r#"{"type":"direct","to":"bob","text":"psst"}"#,
                Request::Direct {
                    to: "bob".into(),
                    text: "psst".into(),
                },
            ),
            (r#"{"type":"rooms","extra":"ignored"}"#, Request::Rooms),
            (
                r#"{"type":"history","room":"r","before":41,"limit":100}"#,
                Request::History {
                    room: "r".into(),
                    before: Some(41),
                    limit: 100,
                },
            ),
            (
                r#"{"type":"history","room":"r"}"#,
                Request::History {
                    room: "r".into(),
                    before: None,
                    limit: HISTORY_DEFAULT,
                },
            ),
        ];
        for (frame, expected) in cases {
            assert_eq!(decode(frame).1, Ok(expected), "{frame}");
        }
        let (_, hello) = decode(r#"{"type":"hello","token":"s3cr3t.t0k3n.x"}"#);
        assert!(
            !format!("{hello:?}").contains("s3cr3t"),
            "Debug hides the token"
        );
        assert_eq!(
            decode(r#"{"type":"rooms","id":"a"}"#).0,
            Some(RequestId::Text("a".into()))
        );
    }

    #[test]
    fn errors_keep_the_id_when_it_can_be_read() {
        let (id, result) = decode(r#"{"type":"send","room":"r","id":9}"#);
        assert_eq!(id, Some(RequestId::Number(9.into())));
        let err = result.unwrap_err();
        assert_eq!(err.code, ErrorCode::BadRequest);
        assert!(err.message.contains("`text`"), "{}", err.message);

        let (id, result) = decode(r#"{"type":"send","room":5,"id":"x"}"#);
        assert_eq!(id, Some(RequestId::Text("x".into())));
        assert_eq!(result.unwrap_err().code, ErrorCode::BadRequest);

        let (id, result) = decode(r#"{"type":"dance","id":1.5}"#);
        assert_eq!(
            id,
            Some(RequestId::Number(
                serde_json::Number::from_f64(1.5).unwrap()
            ))
        );
        assert_eq!(result.unwrap_err().code, ErrorCode::UnknownType);

        for frame in [
            "not json",
            "[1,2]",
            "42",
            r#"{"id":1}"#,
            r#"{"type":"join","since":1e400}"#,
            r#"{"type":"history","room":"r","limit":0}"#,
            r#"{"type":"history","room":"r","limit":101}"#,
            r#"{"type":"history","room":"r","before":-1}"#,
        ] {
            let (_, result) = decode(frame);
            assert_eq!(result.unwrap_err().code, ErrorCode::BadRequest, "{frame}");
        }
    }

    #[test]
    fn replies_have_the_documented_shape() {
        let message = encode_message(
            "rust",
            3,
            "alice",
            "hi \"there\"",
            "2026-01-01T00:00:00.000Z",
            false,
        );
        assert_eq!(
            parse(&message),
            json!({"type":"message","room":"rust","id":3,"username":"alice","text":"hi \"there\"","timestamp":"2026-01-01T00:00:00.000Z"})
        );
        let id = RequestId::Text("j".into());
        assert_eq!(
            parse(&encode_joined(
                Some(&id),
                "rust",
                &["alice", "bob"],
                &[&message],
                false
            )),
            json!({"type":"joined","id":"j","room":"rust","members":["alice","bob"],"history":[parse(&message)]})
        );
        assert_eq!(
            parse(&encode_joined(None, "r", &[], &[], true)),
            json!({"type":"joined","room":"r","members":[],"history":[],"truncated":true})
        );
        assert_eq!(
            parse(&encode_history(Some(&id), "rust", &[&message], true)),
            json!({"type":"history","id":"j","room":"rust","messages":[parse(&message)],"more":true})
        );
        assert_eq!(
            parse(&encode_error(None, ErrorCode::NotJoined, "no")),
            json!({"type":"error","code":"not_joined","message":"no"})
        );
        assert_eq!(
            parse(&encode_presence("r", "bob", PresenceEvent::Leave)),
            json!({"type":"presence","room":"r","username":"bob","event":"leave"})
        );
        assert!(is_presence(&encode_presence(
            "r",
            "bob",
            PresenceEvent::Join
        )));
        assert!(!is_presence(&encode_message(
            "r",
            1,
            "bob",
            "{\"type\":\"presence\",",
            "t",
            false
        )));
        assert!(!is_presence(&encode_error(
            None,
            ErrorCode::NotJoined,
            "presence"
        )));
        let rooms = [RoomInfo {
            name: "r".into(),
            members: 2,
        }];
        assert_eq!(
            parse(&encode_rooms(Some(&RequestId::Number(1.into())), &rooms)),
            json!({"type":"rooms","id":1,"rooms":[{"name":"r","members":2}]})
        );
    }

    #[test]
    fn a_signed_in_author_is_said_and_a_guest_is_not() {
        let verified = encode_message("r", 1, "ann", "hi", "2026-01-01T00:00:00.000Z", true);
        assert_eq!(parse(&verified)["verified"], true);
        let guest = encode_message("r", 1, "ann", "hi", "2026-01-01T00:00:00.000Z", false);
        assert_eq!(parse(&guest).get("verified"), None, "no field for guests");
        let direct = encode_direct(None, "ann", "bob", "psst", "2026-01-01T00:00:00.000Z", true);
        assert_eq!(parse(&direct)["verified"], true);
    }

    #[test]
    fn a_message_in_two_parts_is_the_message_with_its_id_between() {
        let (before, after) = encode_message_parts(
            "r-1",
            "ann",
            "\"id\":0, hi",
            "2026-01-01T00:00:00.000Z",
            true,
        );
        let whole = encode_message(
            "r-1",
            42,
            "ann",
            "\"id\":0, hi",
            "2026-01-01T00:00:00.000Z",
            true,
        );
        assert_eq!(format!("{before}42{after}"), whole.as_str());
    }

    #[test]
    fn close_codes_say_whether_to_reconnect() {
        for code in CloseCode::ALL {
            let expected = matches!(
                code,
                CloseCode::GoingAway | CloseCode::TooSlow | CloseCode::Idle | CloseCode::RateAbuse
            );
            assert_eq!(CloseCode::may_reconnect(code.code()), expected, "{code:?}");
            assert_eq!(code.code_str(), code.code().to_string());
        }
        assert_eq!(
            ErrorCode::ALL
                .iter()
                .map(|code| code.index())
                .collect::<Vec<_>>(),
            (0..ErrorCode::ALL.len()).collect::<Vec<_>>()
        );
    }
}

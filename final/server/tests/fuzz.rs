//! Fuzzing the protocol decoder and the per-connection state machine with proptest: thousands
//! of generated frame sequences, from three connections sharing one hub, with the invariants
//! checked after every frame. Book: "Security", section "Fuzzing".
//!
//! The session has no I/O (that is why it is a separate type), so this runs in-process and
//! fast: CI runs it like any test, for a bounded number of cases. A failing case is shrunk and
//! saved in `fuzz.proptest-regressions`, which is committed: proptest runs the saved cases
//! first, every time, so a crash found once stays a regression test for good.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions, in a test crate

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_server::hub::{Hub, Outbox, Peer};
use chat_server::protocol::{self, CloseCode, ErrorCode};
use chat_server::session::{Session, Verdict};
use chat_server::{Config, Stats};
use futures_util::FutureExt;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Without a broker a request never waits: its future is ready at the first poll.
fn ready<T>(future: impl Future<Output = T>) -> T {
    future.now_or_never().expect("no broker, so no waiting")
}

/// One step of one connection.
#[derive(Debug, Clone)]
enum Step {
    Text(usize, String),
    Binary(usize),
    /// Time passes (the rate limit refills).
    Wait(u64),
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("alice".to_owned()),
        Just("Bob".to_owned()),
        Just("BOB".to_owned()),
        "[a-z]{1,3}",
        any::<String>(),
        Just("а".to_owned()), // Cyrillic
        Just(String::new()),
    ]
}

fn room() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("r".to_owned()),
        Just("s".to_owned()),
        "[a-z.]{1,3}",
        any::<String>(),
        Just("R".to_owned())
    ]
}

fn id() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        "[a-z0-9]{0,4}".prop_map(Value::from),
        Just(json!(1.5)),
        Just(json!([1]))
    ]
}

/// A request that is valid often enough to reach deep states, and broken in every way too.
fn frame() -> impl Strategy<Value = String> {
    let request = prop_oneof![
        (name(), id()).prop_map(|(u, id)| json!({"type": "hello", "username": u, "id": id})),
        (room(), prop::option::of(0u64..u64::MAX), id()).prop_map(
            |(r, since, id)| json!({"type": "join", "room": r, "since": since, "id": id})
        ),
        (room(), any::<String>(), id())
            .prop_map(|(r, t, id)| json!({"type": "send", "room": r, "text": t, "id": id})),
        (room(), "[a-z ]{1,20}").prop_map(|(r, t)| json!({"type": "send", "room": r, "text": t})),
        // proptest's strings leave out control characters; these do not.
        (room(), "[\\x00-\\x1f\\x7f-\\x9fa-z ]{1,8}")
            .prop_map(|(r, t)| json!({"type": "send", "room": r, "text": t})),
        (room(), id()).prop_map(|(r, id)| json!({"type": "leave", "room": r, "id": id})),
        (name(), any::<String>())
            .prop_map(|(to, t)| json!({"type": "direct", "to": to, "text": t})),
        id().prop_map(|id| json!({"type": "rooms", "id": id})),
        any::<String>().prop_map(|t| json!({"type": t})),
        Just(json!({"type": "send"})),
    ]
    .prop_map(|v| v.to_string());
    prop_oneof![
        8 => request,
        1 => any::<String>(),
        1 => "[\\[\\]{}\":,0-9a-z ]{0,40}",
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        10 => (0..3usize, frame()).prop_map(|(c, f)| Step::Text(c, f)),
        1 => (0..3usize).prop_map(Step::Binary),
        1 => (0..3000u64).prop_map(Step::Wait),
    ]
}

const TYPES: [&str; 9] = [
    "welcome", "joined", "left", "message", "presence", "direct", "rooms", "error", "joined",
];

/// What the invariants remember about one connection.
#[derive(Default)]
struct Seen {
    last_id: HashMap<String, u64>,
}

fn check_queue(queue: &mut Outbox, seen: &mut Seen) {
    while let Some(text) = queue.try_recv() {
        let frame: Value = serde_json::from_str(text.as_str()).expect("every frame is JSON");
        let kind = frame["type"].as_str().expect("every frame has a type");
        assert!(TYPES.contains(&kind), "{frame}");
        match kind {
            "error" => {
                let code = frame["code"].as_str().unwrap();
                assert!(ErrorCode::ALL.iter().any(|c| c.as_str() == code), "{frame}");
                assert!(!frame["message"].as_str().unwrap().is_empty());
            }
            "message" => {
                // In each room, ids only increase.
                let room = frame["room"].as_str().unwrap().to_owned();
                let id = frame["id"].as_u64().unwrap();
                if let Some(last) = seen.last_id.insert(room, id) {
                    assert!(id > last, "ids increase: {last} then {frame}");
                }
                let text = frame["text"].as_str().unwrap();
                assert!(
                    !text.trim().is_empty()
                        && !text
                            .chars()
                            .any(|c| c.is_control() && c != '\n' && c != '\t')
                );
            }
            "left" => {
                // Joining again later, without `since`, may replay what was seen before.
                seen.last_id.remove(frame["room"].as_str().unwrap());
            }
            "joined" => {
                // The history is in order, and ends where live messages begin.
                let room = frame["room"].as_str().unwrap().to_owned();
                for message in frame["history"].as_array().unwrap() {
                    let id = message["id"].as_u64().unwrap();
                    if let Some(last) = seen.last_id.insert(room.clone(), id) {
                        assert!(id > last, "history ids increase");
                    }
                }
            }
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// Whatever arrives, the decoder answers: a request or an error with a code, never a panic.
    #[test]
    fn the_decoder_never_panics(frame in any::<String>()) {
        let (_, result) = protocol::decode(&frame);
        if let Err(err) = result {
            prop_assert!(matches!(err.code, ErrorCode::BadRequest | ErrorCode::UnknownType));
        }
    }

    /// Three connections, one hub, any sequence of frames: no panic, every reply well-formed,
    /// ids increasing per room, and a connection closed only for the documented reasons.
    #[test]
    fn sessions_keep_their_invariants(steps in prop::collection::vec(step(), 1..60)) {
        let config = Config { rate_burst: 30, rate_abuse_after: 20, invalid_in_a_row: 10, max_rooms_per_connection: 3, max_rooms: 4, history: 5, max_text_chars: 50, ..Config::default() };
        let stats = Arc::new(Stats::default());
        let hub = Hub::new(&config, Arc::clone(&stats));
        let start = Instant::now();
        let mut now = start;
        let mut connections: Vec<(Session, Outbox, Seen, bool)> = (0..3)
            .map(|id| {
                let (peer, queue) = Peer::new(id + 1, 10_000);
                (Session::new(peer, &config, start), queue, Seen::default(), false)
            })
            .collect();
        for step in steps {
            let (index, verdict) = match step {
                Step::Wait(ms) => {
                    now += Duration::from_millis(ms);
                    continue;
                }
                Step::Text(index, frame) => {
                    let (session, _, _, closed) = &mut connections[index];
                    if *closed { continue; }
                    (index, ready(session.on_text(&hub, &stats, &frame, now)))
                }
                Step::Binary(index) => {
                    let (session, _, _, closed) = &mut connections[index];
                    if *closed { continue; }
                    (index, ready(session.on_binary(&hub, &stats, now)))
                }
            };
            if let Verdict::Close(code) = verdict {
                prop_assert!(matches!(code, CloseCode::Policy | CloseCode::RateAbuse), "{code:?}");
                connections[index].3 = true;
                hub.disconnect(index as u64 + 1);
            }
            for (_, queue, seen, _) in &mut connections {
                check_queue(queue, seen);
            }
        }
        // The rooms list agrees with who is in them.
        let total: usize = hub.rooms().iter().map(|room| room.members).sum();
        prop_assert!(total <= 3 * config.max_rooms_per_connection);
    }
}

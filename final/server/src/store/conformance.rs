//! The test suite every [`Store`] backend must pass: call [`check`] on a new, empty store.
//!
//! Final server — book chapter "Persistence".
//!
//! It is public so that a backend written outside this crate can be held to the same rules:
//! messages come back in id order, room by room; a read never mixes rooms; limits are
//! respected at both ends; the rooms with the newest messages come first at start-up.
//! It panics, naming the rule, on the first one broken.

use std::ops::RangeInclusive;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::api::{Store, StoredMessage};

/// Messages `ids` of `room`, each with its own text, accepted one millisecond apart.
pub fn messages(room: &str, ids: RangeInclusive<u64>) -> Vec<StoredMessage> {
    ids.map(|id| StoredMessage {
        room: room.to_owned(),
        id,
        at_ms: 1_700_000_000_000 + i64::try_from(id).unwrap_or(0),
        frame: Utf8Bytes::from(format!(r#"{{"type":"message","room":"{room}","id":{id}}}"#)),
    })
    .collect()
}

fn ids(found: &[(u64, Utf8Bytes)]) -> Vec<u64> {
    found.iter().map(|(id, _)| *id).collect()
}

/// Runs every rule against `store`, which must be empty.
pub fn check(store: &dyn Store) {
    assert!(
        store.recent(10, 10).expect("recent").is_empty(),
        "a new store holds no room"
    );
    // Two rooms, written in several batches that interleave.
    store.append(&messages("rust", 1..=5)).expect("append");
    store.append(&messages("go", 3..=4)).expect("append");
    store.append(&messages("rust", 6..=8)).expect("append");
    store.append(&messages("go", 100..=100)).expect("append");
    store.append(&[]).expect("an empty batch is fine");
    assert_eq!(
        store.rows().expect("rows"),
        11,
        "rows: every message appended"
    );

    let after = store.after("rust", 2, 100).expect("after");
    assert_eq!(
        ids(&after),
        [3, 4, 5, 6, 7, 8],
        "after: oldest first, above `after`"
    );
    assert_eq!(
        after[0].1.as_str(),
        r#"{"type":"message","room":"rust","id":3}"#,
        "the frame comes back as it was stored"
    );
    assert_eq!(
        ids(&store.after("rust", 2, 2).expect("after")),
        [3, 4],
        "after: the limit keeps the oldest"
    );
    assert_eq!(
        ids(&store.after("rust", 8, 10).expect("after")),
        Vec::<u64>::new(),
        "after the newest: nothing"
    );
    assert_eq!(
        ids(&store.after("go", 0, 10).expect("after")),
        [3, 4, 100],
        "after: one room only"
    );
    assert!(
        store.after("nowhere", 0, 10).expect("after").is_empty(),
        "an unknown room has nothing"
    );

    let before = store.before("rust", 7, 3).expect("before");
    assert_eq!(
        ids(&before),
        [4, 5, 6],
        "before: the newest below `before`, oldest first"
    );
    assert_eq!(
        ids(&store.before("rust", 2, 10).expect("before")),
        [1],
        "before: stops at the oldest"
    );
    assert_eq!(
        ids(&store.before("go", u64::MAX, 2).expect("before")),
        [4, 100],
        "before: one room only"
    );

    let recent = store.recent(10, 3).expect("recent");
    let summary: Vec<(&str, u64, Vec<u64>)> = recent
        .iter()
        .map(|room| (room.room.as_str(), room.newest, ids(&room.messages)))
        .collect();
    assert_eq!(
        summary,
        [("go", 100, vec![3, 4, 100]), ("rust", 8, vec![6, 7, 8])],
        "recent: rooms with the newest message first, each with its last messages, oldest first"
    );
    assert_eq!(
        store.recent(1, 3).expect("recent").len(),
        1,
        "recent: at most `rooms` rooms"
    );

    // Retention: the newest `keep` of the rooms named, and nothing older than the cut-off.
    assert_eq!(
        store.prune(&["go"], 10, 0).expect("prune"),
        0,
        "prune: fewer than `keep` stay"
    );
    assert_eq!(
        ids(&store.after("go", 0, 100).expect("after")),
        [3, 4, 100],
        "prune: fewer than `keep` stay"
    );
    let deleted = store.prune(&["rust"], 3, 0).expect("prune");
    assert_eq!(deleted, 5, "prune: rust keeps its 3 newest of 8");
    assert_eq!(
        ids(&store.after("rust", 0, 100).expect("after")),
        [6, 7, 8],
        "prune: the newest stay"
    );
    assert_eq!(
        ids(&store.after("go", 0, 100).expect("after")),
        [3, 4, 100],
        "prune: rooms not named keep all"
    );
    // `messages` stamps id n at 1_700_000_000_000 + n ms: a cut-off at id 50 removes ids below it.
    let deleted = store.prune(&[], 1_000, 1_700_000_000_050).expect("prune");
    assert_eq!(deleted, 5, "prune by age: rust 6, 7, 8 and go 3, 4");
    assert_eq!(
        ids(&store.after("go", 0, 100).expect("after")),
        [100],
        "prune by age"
    );
    assert_eq!(
        ids(&store.after("rust", 0, 100).expect("after")),
        Vec::<u64>::new(),
        "prune by age"
    );
    let recent = store.recent(10, 10).expect("recent");
    assert_eq!(recent.len(), 1, "a room pruned empty is gone: {recent:?}");
    assert_eq!(store.rows().expect("rows"), 1, "rows: what pruning left");
}

//! Tests for exercise 6.8. Read them to see what is expected; do not edit them.

use super::*;
use chat_server::store::conformance::{self, messages};

/// A path for a new store file, in a folder of its own, empty.
fn fresh(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "{}-{name}-{}",
        env!("CARGO_PKG_NAME"),
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir.join("messages.jsonl")
}

fn ids(found: &[(u64, Utf8Bytes)]) -> Vec<u64> {
    found.iter().map(|(id, _)| *id).collect()
}

#[test]
fn it_passes_the_conformance_suite() {
    let store = FileStore::open(&fresh("conformance")).unwrap();
    conformance::check(&store);
}

#[test]
fn messages_survive_a_reopen() {
    let path = fresh("reopen");
    {
        let store = FileStore::open(&path).unwrap();
        store.append(&messages("rust", 1..=3)).unwrap();
        store.append(&messages("go", 7..=8)).unwrap();
        store.append(&messages("rust", 4..=5)).unwrap();
    }
    let store = FileStore::open(&path).unwrap();
    assert_eq!(ids(&store.after("rust", 0, 100).unwrap()), [1, 2, 3, 4, 5]);
    assert_eq!(ids(&store.after("go", 0, 100).unwrap()), [7, 8]);
    assert_eq!(store.rows().unwrap(), 7);
    let frame = &store.after("go", 7, 1).unwrap()[0].1;
    assert_eq!(frame.as_str(), r#"{"type":"message","room":"go","id":8}"#);
}

#[test]
fn a_torn_last_line_is_dropped_and_cut_off() {
    let path = fresh("torn");
    {
        let store = FileStore::open(&path).unwrap();
        store.append(&messages("rust", 1..=3)).unwrap();
    }
    // A write cut short by a crash: half a line, no newline.
    let mut file = OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(br#"{"room":"rust","id":4,"at_m"#).unwrap();
    drop(file);
    {
        let store = FileStore::open(&path).unwrap();
        assert_eq!(ids(&store.after("rust", 0, 100).unwrap()), [1, 2, 3]);
        store.append(&messages("rust", 4..=5)).unwrap();
    }
    let store = FileStore::open(&path).unwrap();
    assert_eq!(
        ids(&store.after("rust", 0, 100).unwrap()),
        [1, 2, 3, 4, 5],
        "the next write starts on a line of its own"
    );
}

#[test]
fn a_damaged_complete_line_is_refused_not_skipped() {
    let path = fresh("damaged");
    {
        let store = FileStore::open(&path).unwrap();
        store.append(&messages("rust", 1..=1)).unwrap();
    }
    let mut file = OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(b"this is not a message\n").unwrap();
    drop(file);
    match FileStore::open(&path) {
        Err(StoreError::Open(why)) => assert!(why.contains("line 2"), "names the line: {why}"),
        other => panic!("a damaged file must not open: {other:?}"),
    }
}

#[test]
fn pruning_rewrites_the_file_and_appends_go_on() {
    let path = fresh("prune");
    let store = FileStore::open(&path).unwrap();
    store.append(&messages("rust", 1..=10)).unwrap();
    let before = fs::metadata(&path).unwrap().len();
    assert_eq!(store.prune(&["rust"], 3, 0).unwrap(), 7);
    let after = fs::metadata(&path).unwrap().len();
    assert!(after < before, "the file shrank: {before} → {after} bytes");
    store.append(&messages("rust", 11..=11)).unwrap();
    drop(store);
    let store = FileStore::open(&path).unwrap();
    assert_eq!(ids(&store.after("rust", 0, 100).unwrap()), [8, 9, 10, 11]);
}

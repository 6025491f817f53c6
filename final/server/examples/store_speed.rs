//! How fast the SQLite store writes, on its own: messages per second for a number of rooms and a
//! batch size (one transaction per batch), without a server around it.
//!
//! Final server — book chapter "Persistence", section "Group commit".
//!
//! ```console
//! $ cargo run --release -p chat-server --example store_speed -- 1000 1000 300000
//! rooms 1000, batches of 1000, Batch: 14.3 µs per message, 69959 messages/s
//! ```
//!
//! The arguments: rooms (the messages go to them in turn, as when many rooms are busy at once),
//! messages per batch, messages in all, and `immediate` to flush every commit to the disk as
//! `--durability immediate` does. The file is written under `target/store-speed/` and
//! deleted first. A benchmark, not a test: its figures are for the book, with the machine's name.

use std::path::PathBuf;
use std::time::Instant;

use chat_server::store::{Durability, SqliteStore, Store, StoredMessage};
use tokio_tungstenite::tungstenite::Utf8Bytes;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let number = |index: usize, default: usize| -> Result<usize, Box<dyn std::error::Error>> {
        Ok(match std::env::args().nth(index) {
            Some(text) => text.parse()?,
            None => default,
        })
    };
    let (rooms, batch, total) = (number(1, 1_000)?, number(2, 1_000)?, number(3, 300_000)?);
    if rooms == 0 || batch == 0 {
        return Err("rooms and batch must be at least 1".into());
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/store-speed");
    let _ = std::fs::remove_dir_all(&dir);
    let durability = match std::env::args().nth(4).as_deref() {
        Some("immediate") => Durability::Immediate,
        _ => Durability::Batch,
    };
    let store = SqliteStore::open_for(&dir, durability)?;
    // A frame the size of a real one with a 100-byte text.
    let text = "x".repeat(100);
    let frame = Utf8Bytes::from(format!(
        r#"{{"type":"message","room":"room-0000","id":1796364070902030,"username":"user-1234","text":"{text}","timestamp":"2026-12-04T06:01:47.004Z"}}"#
    ));
    let mut next_id = vec![1_796_364_070_902_030_u64; rooms];
    let started = Instant::now();
    let mut written = 0;
    while written < total {
        let messages: Vec<StoredMessage> = (written..written + batch)
            .map(|n| {
                let room = n % rooms;
                next_id[room] += 1;
                StoredMessage {
                    room: format!("room-{room:04}"),
                    id: next_id[room],
                    at_ms: 1_796_364_070_902 + i64::try_from(n).unwrap_or(0),
                    frame: frame.clone(),
                }
            })
            .collect();
        store.append(&messages)?;
        written += batch;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "rooms {rooms}, batches of {batch}, {durability:?}: {:.1} µs per message, {:.0} messages/s",
        seconds * 1e6 / written as f64,
        written as f64 / seconds
    );
    Ok(())
}

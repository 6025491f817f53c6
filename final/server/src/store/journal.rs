//! The journal: hands room messages to a [`Store`] without making anyone wait for the disk.
//!
//! Final server — book chapter "Running the server", section "Keeping the history".
//!
//! The hub calls [`Journal::record`] under its lock, right after queueing a message for the
//! room's members: one `try_send` on a bounded queue, which never waits. One thread takes
//! messages off the queue and commits them in batches: it waits for a first message, gathers
//! what else arrives within `commit_interval` of it (or until a batch is full), and commits
//! them in one transaction. Under load a batch holds hundreds of messages and costs about what
//! one does ("group commit"); when the server is quiet, a message is committed within
//! `commit_interval` of being sent.
//!
//! After a commit, messages older than `--retain-days` are deleted (an index on their time makes
//! that a visit of the old rows only), and a room that has had a tenth of `--retain-messages`
//! more messages since it was last trimmed is trimmed to its newest `--retain-messages`; so
//! the file stops growing however long the server runs.
//!
//! What a crash of the process can lose is what was not committed yet: the messages of the
//! last `commit_interval`, any still waiting in the queue, and the commit under way. A full queue (the disk cannot
//! keep up) or a failed commit loses messages from the store, never from the conversation: they
//! were delivered already. Both are counted and logged, and a failed commit reports the store
//! as down (`/healthz` answers 503) until a commit succeeds again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::api::{Retention, Store, StoredMessage};
use crate::stats::Stats;

/// Messages waiting for the writer, at most. At 100 bytes a frame, about 6 MiB; at 50,000
/// messages a second, more than a second of traffic.
pub const QUEUE_CAPACITY: usize = 65_536;

/// Most messages in one transaction.
const MAX_BATCH: usize = 4_096;

enum Entry {
    Message(StoredMessage),
    /// Commit what came before, then answer and stop.
    Finish(mpsc::Sender<()>),
}

/// The sending side of the writer thread.
pub struct Journal {
    queue: SyncSender<Entry>,
    writer: Mutex<Option<JoinHandle<()>>>,
    stats: Arc<Stats>,
    /// Set at the first message dropped for a full queue, cleared by the next good commit: the
    /// warning is logged once per episode, not once per message under the hub's lock.
    dropping: Arc<AtomicBool>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").finish_non_exhaustive()
    }
}

impl Journal {
    /// Starts the writer thread for `store`.
    pub fn start(
        store: Arc<dyn Store>,
        commit_interval: Duration,
        retention: Retention,
        stats: Arc<Stats>,
    ) -> Journal {
        let (queue, entries) = mpsc::sync_channel(QUEUE_CAPACITY);
        let writer_stats = Arc::clone(&stats);
        let dropping = Arc::new(AtomicBool::new(false));
        let writer_dropping = Arc::clone(&dropping);
        let writer = std::thread::Builder::new()
            .name("chat-store".into())
            .spawn(move || {
                let mut writer = Writer {
                    store: &*store,
                    retention,
                    stats: &writer_stats,
                    since_trim: HashMap::new(),
                    dropping: &writer_dropping,
                };
                writer.run(&entries, commit_interval);
            })
            .ok();
        if writer.is_none() {
            tracing::error!("the store's writer thread could not start: nothing will be stored");
            stats.store_up(false);
        }
        Journal {
            queue,
            writer: Mutex::new(writer),
            stats,
            dropping,
        }
    }

    /// Hands a message over to the writer. Never waits: when the queue is full, the message is
    /// not stored (it was delivered), and that is counted and logged.
    pub fn record(&self, message: StoredMessage) {
        match self.queue.try_send(Entry::Message(message)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.stats.store_dropped();
                if !self.dropping.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        "the store cannot keep up: messages are not stored until it catches up (chat_store_dropped_total counts them)"
                    );
                }
            }
            Err(TrySendError::Disconnected(_)) => self.stats.store_dropped(),
        }
    }

    /// Commits everything recorded so far and stops the writer; waits at most `limit`.
    /// Blocking: call it from a thread that may block (`spawn_blocking`).
    pub fn finish(&self, limit: Duration) {
        let (done, finished) = mpsc::channel();
        let deadline = Instant::now() + limit;
        // The queue may be full: wait for room, but not past the deadline.
        let mut entry = Entry::Finish(done);
        loop {
            match self.queue.try_send(entry) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) if Instant::now() < deadline => {
                    entry = back;
                    std::thread::sleep(Duration::from_millis(1)); // a backoff, not a synchronisation
                }
                Err(_) => {
                    tracing::warn!(
                        "the store's writer did not finish: the last messages may not be stored"
                    );
                    return;
                }
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if finished.recv_timeout(left).is_err() {
            tracing::warn!(
                "the store's writer did not finish in time: the last messages may not be stored"
            );
            return;
        }
        let writer = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(writer) = writer {
            let _ = writer.join();
        }
    }
}

/// The writer thread's side: where to write, what to keep, what to count.
struct Writer<'a> {
    store: &'a dyn Store,
    retention: Retention,
    stats: &'a Stats,
    /// Messages written to each room since it was last trimmed.
    since_trim: HashMap<String, usize>,
    /// Shared with the [`Journal`]: cleared by a good commit.
    dropping: &'a AtomicBool,
}

impl Writer<'_> {
    /// Batches and commits until told to finish (or every sender is gone).
    fn run(&mut self, entries: &Receiver<Entry>, commit_interval: Duration) {
        let mut batch = Vec::new();
        while let Ok(first) = entries.recv() {
            let deadline = Instant::now() + commit_interval;
            let mut finish = None;
            match first {
                Entry::Message(message) => batch.push(message),
                Entry::Finish(done) => finish = Some(done),
            }
            while finish.is_none() && batch.len() < MAX_BATCH {
                let left = deadline.saturating_duration_since(Instant::now());
                match entries.recv_timeout(left) {
                    Ok(Entry::Message(message)) => batch.push(message),
                    Ok(Entry::Finish(done)) => finish = Some(done),
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                }
            }
            self.commit(&mut batch);
            if let Some(done) = finish {
                let _ = done.send(());
                return;
            }
        }
        self.commit(&mut batch);
    }

    /// One transaction for the whole batch, then the retention of the rooms it wrote to; the
    /// batch is emptied either way.
    fn commit(&mut self, batch: &mut Vec<StoredMessage>) {
        if batch.is_empty() {
            return;
        }
        match self.store.append(batch) {
            Ok(()) => {
                self.stats.store_committed(batch.len());
                self.stats.store_up(true);
                if self.dropping.swap(false, Ordering::Relaxed) {
                    tracing::info!("the store has caught up");
                }
                self.prune(batch);
            }
            Err(err) => {
                tracing::error!(%err, messages = batch.len(), "the store could not write: these messages are not stored");
                self.stats.store_failed(batch.len());
                self.stats.store_up(false);
            }
        }
        batch.clear();
    }

    /// Only rooms that were just written to can have grown past the count, and trimming one
    /// visits its `keep` newest rows: so a room is trimmed once a tenth of `keep` more messages
    /// were written to it, which keeps it under 1.1 × `keep` (a little more just after a restart,
    /// when what was written before is not counted) for about ten row visits per message (rather than `keep` per commit).
    /// Age applies to every room, and costs only the old rows, through an index.
    fn prune(&mut self, batch: &[StoredMessage]) {
        let every = (self.retention.messages / 10).max(1);
        for message in batch {
            *self.since_trim.entry(message.room.clone()).or_default() += 1;
        }
        let rooms: Vec<String> = self
            .since_trim
            .iter()
            .filter(|(_, written)| **written >= every)
            .map(|(room, _)| room.clone())
            .collect();
        let names: Vec<&str> = rooms.iter().map(String::as_str).collect();
        let before_ms = self.retention.max_age.map_or(i64::MIN, |age| {
            let age = i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
            batch
                .iter()
                .map(|m| m.at_ms)
                .max()
                .unwrap_or(0)
                .saturating_sub(age)
        });
        match self.store.prune(&names, self.retention.messages, before_ms) {
            Ok(deleted) => {
                self.stats.store_pruned(deleted);
                for room in &rooms {
                    self.since_trim.insert(room.clone(), 0);
                }
            }
            // The rooms keep their counts, so the next commit tries again.
            Err(err) => tracing::warn!(%err, "the store could not delete old messages"),
        }
        // Rooms quiet since their last trim need no entry (a busy server has many rooms).
        self.since_trim.retain(|_, written| *written > 0);
    }
}

#[cfg(test)]
mod tests {
    use super::super::MemoryStore;
    use super::super::conformance::messages;
    use super::*;

    const KEEP_ALL: Retention = Retention {
        messages: usize::MAX,
        max_age: None,
    };

    #[test]
    fn rooms_written_to_keep_their_newest_messages_only() {
        let store = Arc::new(MemoryStore::new());
        let stats = Arc::new(Stats::default());
        let retention = Retention {
            messages: 10,
            max_age: None,
        };
        let journal = Journal::start(store.clone(), Duration::ZERO, retention, Arc::clone(&stats));
        for message in messages("r", 1..=25) {
            journal.record(message);
        }
        journal.finish(Duration::from_secs(10));
        let ids: Vec<u64> = store
            .after("r", 0, 100)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, (16..=25).collect::<Vec<u64>>());
        assert_eq!(stats.snapshot().store_pruned, 15);
    }

    #[test]
    fn a_busy_room_is_trimmed_every_tenth_of_its_retention() {
        let store = Arc::new(MemoryStore::new());
        let stats = Arc::new(Stats::default());
        let retention = Retention {
            messages: 100,
            max_age: None,
        };
        let journal = Journal::start(store.clone(), Duration::ZERO, retention, Arc::clone(&stats));
        for message in messages("r", 1..=1_005) {
            journal.record(message);
        }
        journal.finish(Duration::from_secs(10));
        let ids: Vec<u64> = store
            .after("r", 0, 2_000)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert!(ids.len() <= 110, "at most 1.1 × 100 kept: {}", ids.len());
        assert!(ids.len() >= 100, "at least the newest 100: {}", ids.len());
        assert_eq!(ids.last(), Some(&1_005), "the newest stay");
        assert!(
            ids.windows(2).all(|w| w[1] == w[0] + 1),
            "the kept ones follow each other"
        );
    }

    /// A store whose disk fails until told otherwise.
    #[derive(Debug, Default)]
    struct Flaky {
        inner: MemoryStore,
        failing: std::sync::atomic::AtomicBool,
    }

    impl Store for Flaky {
        fn append(&self, batch: &[StoredMessage]) -> Result<(), super::super::StoreError> {
            if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(super::super::StoreError::Open("disk full".into()));
            }
            self.inner.append(batch)
        }
        fn recent(
            &self,
            rooms: usize,
            per_room: usize,
        ) -> Result<Vec<super::super::RoomHistory>, super::super::StoreError> {
            self.inner.recent(rooms, per_room)
        }
        fn after(
            &self,
            room: &str,
            after: u64,
            limit: usize,
        ) -> Result<Vec<(u64, tokio_tungstenite::tungstenite::Utf8Bytes)>, super::super::StoreError>
        {
            self.inner.after(room, after, limit)
        }
        fn before(
            &self,
            room: &str,
            before: u64,
            limit: usize,
        ) -> Result<Vec<(u64, tokio_tungstenite::tungstenite::Utf8Bytes)>, super::super::StoreError>
        {
            self.inner.before(room, before, limit)
        }
        fn prune(
            &self,
            rooms: &[&str],
            keep: usize,
            before_ms: i64,
        ) -> Result<u64, super::super::StoreError> {
            self.inner.prune(rooms, keep, before_ms)
        }
    }

    #[test]
    fn a_failed_commit_marks_the_store_down_until_one_succeeds() {
        let store = Arc::new(Flaky::default());
        store
            .failing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let stats = Arc::new(Stats::default());
        let journal = Journal::start(store.clone(), Duration::ZERO, KEEP_ALL, Arc::clone(&stats));
        for message in messages("r", 1..=3) {
            journal.record(message);
        }
        // Each commit is one round of the writer; wait for it through the counters.
        let deadline = Instant::now() + Duration::from_secs(10);
        while stats.snapshot().store_failed < 3 {
            assert!(Instant::now() < deadline, "the failures are counted");
            std::thread::yield_now();
        }
        assert!(!stats.store_is_up(), "down after a failed commit");
        store
            .failing
            .store(false, std::sync::atomic::Ordering::SeqCst);
        journal.record(messages("r", 4..=4).remove(0));
        journal.finish(Duration::from_secs(10));
        assert!(stats.store_is_up(), "up again after a commit that worked");
        let ids: Vec<u64> = store
            .after("r", 0, 10)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, [4], "the failed ones are not stored; the next one is");
    }

    #[test]
    fn finishing_commits_everything_recorded_in_order() {
        let store = Arc::new(MemoryStore::new());
        let stats = Arc::new(Stats::default());
        let journal = Journal::start(
            store.clone(),
            Duration::from_secs(60),
            KEEP_ALL,
            Arc::clone(&stats),
        );
        for message in messages("r", 1..=1000) {
            journal.record(message);
        }
        journal.finish(Duration::from_secs(10));
        let ids: Vec<u64> = store
            .after("r", 0, 2000)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, (1..=1000).collect::<Vec<u64>>());
        assert_eq!(stats.snapshot().stored, 1000);
    }
}

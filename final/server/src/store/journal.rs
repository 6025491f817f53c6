//! The journal: hands room messages to a [`Store`] without making anyone wait for the disk.
//!
//! Final server — book chapter "Persistence".
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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::api::{Durability, Retention, Store, StoredMessage};
use crate::stats::Stats;

/// Messages waiting for the writer, at most. At 100 bytes a frame, about 6 MiB; at 50,000
/// messages a second, more than a second of traffic.
pub const QUEUE_CAPACITY: usize = 65_536;

/// Most messages in one transaction.
const MAX_BATCH: usize = 4_096;

/// With [`Durability::Immediate`], who delivers messages once the journal is done with them:
/// the hub. Called on the writer thread, with each batch in the order it was recorded.
pub trait Publish: Send + Sync {
    /// `batch` was committed, or could not be (the store is down, which is counted and logged
    /// already): either way its messages are to be delivered now, in order.
    fn publish(&self, batch: &[StoredMessage]);
}

/// Why [`Journal::hold`] did not take a message.
#[derive(Debug)]
pub enum Held {
    /// The queue is full: the store cannot keep up. The message was not sent; the sender
    /// should be told to try again.
    Full,
    /// The writer has stopped (the server is stopping): here is the message back, to be
    /// delivered without being stored.
    Stopped(StoredMessage),
}

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
    durability: Durability,
    /// Set once the hub exists (see [`Journal::publish_through`]).
    publisher: Arc<OnceLock<Weak<dyn Publish>>>,
    /// What the writer writes to, for readers (scrollback).
    store: Arc<dyn Store>,
    /// Messages handed to the writer so far (counted under the hub's lock, where they are
    /// recorded), and below, how many of them the writer is done with (committed, or failed).
    recorded: Arc<AtomicU64>,
    done: Arc<watch::Sender<u64>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").finish_non_exhaustive()
    }
}

impl Journal {
    /// Starts the writer thread for `store`, committing within `commit_interval`
    /// ([`Durability::Batch`]).
    pub fn start(
        store: Arc<dyn Store>,
        commit_interval: Duration,
        retention: Retention,
        stats: Arc<Stats>,
    ) -> Journal {
        Journal::start_for(store, Durability::Batch, commit_interval, retention, stats)
    }

    /// Starts the writer thread for `store`. With [`Durability::Immediate`], the writer does
    /// not wait to gather a batch (it commits what is queued as soon as the last commit is
    /// done) and hands every batch to the [`Publish`] it is given, for delivery.
    pub fn start_for(
        store: Arc<dyn Store>,
        durability: Durability,
        commit_interval: Duration,
        retention: Retention,
        stats: Arc<Stats>,
    ) -> Journal {
        let (queue, entries) = mpsc::sync_channel(QUEUE_CAPACITY);
        let writer_stats = Arc::clone(&stats);
        let dropping = Arc::new(AtomicBool::new(false));
        let writer_dropping = Arc::clone(&dropping);
        let publisher: Arc<OnceLock<Weak<dyn Publish>>> = Arc::default();
        let writer_publisher = Arc::clone(&publisher);
        let readable = Arc::clone(&store);
        let done = Arc::new(watch::Sender::new(0));
        let writer_done = Arc::clone(&done);
        let recorded = Arc::new(AtomicU64::new(0));
        let writer_recorded = Arc::clone(&recorded);
        let window = match durability {
            Durability::Batch => commit_interval,
            Durability::Immediate => Duration::ZERO,
        };
        let writer = std::thread::Builder::new()
            .name("chat-store".into())
            .spawn(move || {
                let mut writer = Writer {
                    store: &*store,
                    retention,
                    stats: &writer_stats,
                    since_trim: HashMap::new(),
                    dropping: &writer_dropping,
                    publisher: (durability == Durability::Immediate).then_some(&*writer_publisher),
                    done: &writer_done,
                    recorded: &writer_recorded,
                    sized_at: None,
                };
                writer.count_rows();
                writer.run(&entries, window);
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
            durability,
            publisher,
            store: readable,
            recorded,
            done,
        }
    }

    /// How many messages were handed over so far: a mark to wait for with
    /// [`Journal::written`]. Read it under the hub's lock, where messages are recorded.
    pub fn mark(&self) -> u64 {
        self.recorded.load(Ordering::Acquire)
    }

    /// Messages handed over that the writer is not done with yet.
    fn waiting(&self) -> u64 {
        self.mark().saturating_sub(*self.done.borrow())
    }

    /// Waits until the writer is done with every message handed over before `mark`: they are
    /// then in the store (unless the store failed, which is counted and logged). What a reader
    /// of older messages needs, since the hub's memory may no longer hold them.
    pub async fn written(&self, mark: u64) {
        let mut done = self.done.subscribe();
        // An error means the writer is gone: nothing more will come.
        let _ = done.wait_for(|done| *done >= mark).await;
    }

    /// The store written to, for reading older messages (its reads block: call them from a
    /// thread that may block). It holds what was committed.
    pub fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.store)
    }

    /// When a message counts as kept: with [`Durability::Immediate`], messages are handed over
    /// with [`Journal::hold`] and delivered by the [`Publish`] after their commit.
    pub fn durability(&self) -> Durability {
        self.durability
    }

    /// Who delivers the messages held with [`Journal::hold`] once committed; only the first
    /// call counts. Weak, since the hub holds the journal.
    pub fn publish_through(&self, publisher: Weak<dyn Publish>) {
        let _ = self.publisher.set(publisher);
    }

    // ANCHOR: record
    /// With [`Durability::Immediate`]: hands over a message that nobody has received yet; it
    /// is delivered once committed. Never waits: when the queue is full, the message is
    /// refused (not counted as dropped: it was never sent).
    pub fn hold(&self, message: StoredMessage) -> Result<(), Held> {
        match self.queue.try_send(Entry::Message(message)) {
            Ok(()) => {
                self.recorded.fetch_add(1, Ordering::Release);
                Ok(())
            }
            Err(TrySendError::Full(_)) => Err(Held::Full),
            Err(TrySendError::Disconnected(Entry::Message(message))) => Err(Held::Stopped(message)),
            Err(TrySendError::Disconnected(Entry::Finish(_))) => Err(Held::Full),
        }
    }

    /// Hands a message over to the writer. Never waits: when the queue is full, the message is
    /// not stored (it was delivered), and that is counted and logged.
    pub fn record(&self, message: StoredMessage) {
        match self.queue.try_send(Entry::Message(message)) {
            Ok(()) => {
                self.recorded.fetch_add(1, Ordering::Release);
            }
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
    // ANCHOR_END: record

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
                    let waiting = self.waiting();
                    tracing::warn!(
                        waiting,
                        "the store's writer did not finish: the messages still waiting are not stored"
                    );
                    return;
                }
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if finished.recv_timeout(left).is_err() {
            let waiting = self.waiting();
            tracing::warn!(
                waiting,
                "the store's writer did not finish in time: the messages still waiting are not stored"
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
    /// With [`Durability::Immediate`]: who delivers each batch after its commit.
    publisher: Option<&'a OnceLock<Weak<dyn Publish>>>,
    /// How many messages the writer is done with, for [`Journal::written`].
    done: &'a watch::Sender<u64>,
    /// Shared with the [`Journal`]: how many were handed over (for the queue's depth).
    recorded: &'a AtomicU64,
    /// When the file's size was last read.
    sized_at: Option<Instant>,
}

/// How often the writer reads the file's size, at most.
const SIZE_EVERY: Duration = Duration::from_secs(1);

impl Writer<'_> {
    /// The rows and bytes the store holds at start, for `/metrics` (counted once: from there,
    /// commits and pruning keep the count).
    fn count_rows(&mut self) {
        match self.store.rows() {
            Ok(rows) => self.stats.store_sizes(rows, self.store.disk_bytes()),
            Err(err) => tracing::warn!(%err, "the store could not count its messages"),
        }
        self.sized_at = Some(Instant::now());
    }

    // ANCHOR: batch
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
    // ANCHOR_END: batch

    /// One transaction for the whole batch, then the retention of the rooms it wrote to; the
    /// batch is emptied either way.
    fn commit(&mut self, batch: &mut Vec<StoredMessage>) {
        if batch.is_empty() {
            return;
        }
        let started = Instant::now();
        let stored = self.store.append(batch);
        let took = started.elapsed();
        // Delivered whether or not the commit worked: with the store down, chat goes on from
        // memory (and `/healthz` says so).
        if let Some(publisher) = self
            .publisher
            .and_then(OnceLock::get)
            .and_then(Weak::upgrade)
        {
            publisher.publish(batch);
        }
        match stored {
            Ok(()) => {
                self.stats.store_committed(batch.len(), took);
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
        let count = batch.len() as u64;
        self.done.send_modify(|done| *done += count);
        let waiting = self
            .recorded
            .load(Ordering::Acquire)
            .saturating_sub(*self.done.borrow());
        self.stats.store_queue(waiting);
        if self.sized_at.is_none_or(|at| at.elapsed() >= SIZE_EVERY) {
            self.stats.store_file_bytes(self.store.disk_bytes());
            self.sized_at = Some(Instant::now());
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
        let newest = batch.iter().map(|m| m.at_ms).max().unwrap_or(0);
        let before_ms = self.retention.cut_off(newest).unwrap_or(i64::MIN);
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
        fn rows(&self) -> Result<u64, super::super::StoreError> {
            self.inner.rows()
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

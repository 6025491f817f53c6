//! The server: binds, accepts, hands each connection to HTTP, and shuts down in order.
//!
//! Final server — book chapter "The final server", sections "Starting and stopping".
//!
//! The library API is three steps, the same whether a binary, a test or another program embeds
//! the server: [`Server::bind`] (or [`Server::from_listener`]) to get a port, then
//! [`Server::run_until`] a shutdown signal, or [`Server::spawn`] to get a [`RunningServer`]
//! handle with its address, live counters and `shutdown()`.
//!
//! Shutdown is stage 4's, in order: stop accepting, tell every connection (one
//! `CancellationToken` they all watch), each closes with 1001, and wait for their tasks (one
//! `TaskTracker`) at most `shutdown_grace`.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::http;
use super::shared::Shared;
use crate::auth::Gate;
use crate::broker::{Broker, RedisBroker};
use crate::config::Config;
use crate::hook::Hook;
use crate::hub::{Departures, Hub};
use crate::stats::{Stats, StatsSnapshot};
use crate::store::{
    Accounts, Journal, MemoryStore, Publish, RedisStore, Retention, RoomHistory, SqliteStore,
    Store, StoreError, now_ms, what_to_do,
};

/// A bound server, not yet accepting.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
    /// The message store's writer, finished last at shutdown (`None`: no store).
    journal: Option<Arc<Journal>>,
}

/// How a shutdown went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownReport {
    /// WebSocket connections open when shutdown began (each was sent a 1001 close).
    pub connections: u64,
    /// Whether every connection's task ended within `shutdown_grace`.
    pub drained: bool,
}

impl Server {
    /// Binds to `addr` (port 0 picks a free port) with `config`; with `redis_url`, connects to
    /// Redis too.
    pub async fn bind(addr: impl ToSocketAddrs, config: Config) -> io::Result<Server> {
        Server::from_listener(TcpListener::bind(addr).await?, config).await
    }

    /// Serves on a listener that is already bound; with `redis_url`, connects to Redis first.
    pub async fn from_listener(listener: TcpListener, config: Config) -> io::Result<Server> {
        let stats = Arc::new(Stats::default());
        let mut redis_archive = None;
        let (mut hub, broker) = match &config.redis_url {
            None => (Hub::new(&config, Arc::clone(&stats)), Broker::Memory),
            Some(url) => {
                let redis = Arc::new(
                    RedisBroker::connect(url, config.history)
                        .await
                        .map_err(io::Error::other)?,
                );
                // The hub tells Redis who left; the broker drives the hub for everything else.
                let departures: Arc<dyn Departures> = redis.clone();
                // The rooms' streams, read for scrollback and pruned by age; and the accounts,
                // which every instance shares.
                let archive = open_redis_store(url.clone()).await?;
                let hub = Hub::reporting_to(&config, Arc::clone(&stats), departures)
                    .reading_from(archive.clone());
                redis_archive = Some(archive);
                (hub, Broker::Redis(redis))
            }
        };
        let (journal, accounts): (_, Arc<dyn Accounts>) = match (&redis_archive, &config.data_dir) {
            // With Redis, accounts live there, shared by every instance (and Redis keeps the
            // history: no message store here).
            (Some(archive), _) => (None, archive.clone()),
            (None, Some(dir)) => {
                let (journal, accounts, rooms) = open_store(dir.clone(), &config, &stats).await?;
                hub = hub.keeping(Arc::clone(&journal));
                hub.restore(rooms);
                (Some(journal), accounts)
            }
            // Without a store, accounts live in memory, as long as the process.
            (None, None) => (None, Arc::new(MemoryStore::new())),
        };
        let gate = open_gate(accounts, &config).await?;
        let gate = if redis_archive.is_some() {
            gate.shared()
        } else {
            gate
        };
        let hub = Arc::new(hub);
        if let Some(journal) = &journal {
            // With --durability immediate, the journal delivers each message after its commit.
            let publisher: Arc<dyn Publish> = hub.clone();
            journal.publish_through(Arc::downgrade(&publisher));
        }
        let shared = Arc::new(Shared::new(
            config,
            hub,
            broker,
            stats,
            Some(Arc::new(gate)),
        ));
        if let Some(archive) = redis_archive {
            let retention = retention(&shared.config);
            let stop = shared.shutdown.clone();
            let archive: Arc<dyn Store> = archive;
            shared.tracker.spawn(prune_by_age(archive, retention, stop));
        }
        if let Broker::Redis(redis) = &shared.broker {
            redis
                .start(
                    Arc::clone(&shared.hub),
                    Arc::clone(&shared.stats),
                    shared.shutdown.clone(),
                )
                .await;
        }
        Ok(Server {
            listener,
            shared,
            journal,
        })
    }

    // ANCHOR: with_hook
    /// The same server, running `hook` on every `send`, `direct` and `join` after the hooks
    /// given before it ([`crate::hook`]).
    pub fn with_hook(self, hook: impl Hook + 'static) -> Server {
        {
            let mut hooks = self
                .shared
                .hooks
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *hooks = hooks.and(Arc::new(hook));
        }
        self
    }
    // ANCHOR_END: with_hook

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The live counters.
    pub fn stats(&self) -> Arc<Stats> {
        Arc::clone(&self.shared.stats)
    }

    // ANCHOR: run_until
    /// Accepts connections until `signal` completes, then shuts down: stops accepting, closes
    /// every connection with 1001 and waits for them, at most `shutdown_grace`.
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> ShutdownReport {
        let Server {
            listener,
            shared,
            journal,
        } = self;
        tokio::pin!(signal);
        loop {
            tokio::select! {
                () = &mut signal => break,
                accepted = listener.accept() => match accepted {
                    Ok((socket, addr)) => {
                        // Small frames must leave at once, not wait for more data (Nagle).
                        let _ = socket.set_nodelay(true);
                        if shared.config.send_buffer_bytes > 0 {
                            let _ = socket2::SockRef::from(&socket)
                                .set_send_buffer_size(shared.config.send_buffer_bytes);
                        }
                        shared.tracker.spawn(http::serve(socket, addr, Arc::clone(&shared)));
                    }
                    Err(err) => {
                        // Usually "too many open files": wait for connections to end. Sleeping
                        // here is a backoff, not synchronisation.
                        tracing::warn!(%err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
        drop(listener);
        let connections = shared.stats.snapshot().open;
        tracing::info!(connections, "shutting down");
        shared.shutdown.cancel();
        shared.tracker.close();
        let drained = tokio::time::timeout(shared.config.shutdown_grace, shared.tracker.wait())
            .await
            .is_ok();
        if let Broker::Redis(redis) = &shared.broker {
            // The closed connections' leaves and names, to Redis, so other instances see them
            // go now rather than when their claims expire.
            redis.finish(shared.config.shutdown_grace).await;
        }
        if let Some(journal) = journal {
            // Last, once no connection can send anything more: everything accepted is stored.
            let grace = shared.config.shutdown_grace;
            let _ = tokio::task::spawn_blocking(move || journal.finish(grace)).await;
        }
        tracing::info!(drained, "stopped");
        ShutdownReport {
            connections,
            drained,
        }
    }
    // ANCHOR_END: run_until

    /// Runs the server on a task of its own and returns a handle to it.
    pub fn spawn(self) -> io::Result<RunningServer> {
        let addr = self.local_addr()?;
        let stats = self.stats();
        let stop = CancellationToken::new();
        let signal = stop.clone().cancelled_owned();
        let task = tokio::spawn(self.run_until(signal));
        Ok(RunningServer {
            addr,
            stats,
            stop,
            task,
        })
    }
}

/// A server running on its own task.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    stats: Arc<Stats>,
    stop: CancellationToken,
    task: JoinHandle<ShutdownReport>,
}

impl RunningServer {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The WebSocket URL clients connect to, e.g. `ws://127.0.0.1:8080/ws`.
    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The counters, now.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Shuts the server down and waits until it has stopped.
    pub async fn shutdown(self) -> ShutdownReport {
        self.stop.cancel();
        self.task.await.unwrap_or(ShutdownReport {
            connections: 0,
            drained: false,
        })
    }
}

/// Opens the SQLite store in `dir`, reads back each room's last messages, and starts the writer.
/// The file is opened and read on a blocking thread: SQLite does file I/O.
async fn open_store(
    dir: PathBuf,
    config: &Config,
    stats: &Arc<Stats>,
) -> io::Result<(Arc<Journal>, Arc<dyn Accounts>, Vec<RoomHistory>)> {
    let (rooms, history, durability) = (config.max_rooms, config.history, config.durability);
    let retention = retention(config);
    let opened = tokio::task::spawn_blocking(move || {
        let store = SqliteStore::open_for(&dir, durability)?;
        // Messages that aged out while the server was stopped are not read back.
        if let Some(before_ms) = retention.cut_off(now_ms()) {
            store.prune(&[], usize::MAX, before_ms)?;
        }
        let recent = store.recent(rooms, history)?;
        tracing::info!(file = %store.path().display(), rooms = recent.len(), "message store opened");
        Ok::<_, StoreError>((store, recent))
    })
    .await
    .map_err(io::Error::other)?;
    let (store, recent) = opened.map_err(|err| {
        // Opening says what to do itself; a read that fails (a damaged page) gets it here.
        let message = match &err {
            StoreError::Sqlite(sqlite) => format!("message store: {err} ({})", what_to_do(sqlite)),
            StoreError::Open(_) | StoreError::Redis(_) => format!("message store: {err}"),
        };
        io::Error::other(message)
    })?;
    let store = Arc::new(store);
    let accounts: Arc<dyn Accounts> = store.clone();
    let store: Arc<dyn Store> = store;
    let journal = Journal::start_for(
        store,
        durability,
        config.commit_interval,
        retention,
        Arc::clone(stats),
    );
    Ok((Arc::new(journal), accounts, recent))
}

/// Opens the gate to accounts: reads the token key (made and kept on the first start), or the
/// one in `--token-secret-file`, and the accounts' names. On a blocking thread: it reads the
/// store and the file.
async fn open_gate(accounts: Arc<dyn Accounts>, config: &Config) -> io::Result<Gate> {
    let (file, ttl, guests) = (
        config.token_secret_file.clone(),
        config.token_ttl,
        config.guests,
    );
    tokio::task::spawn_blocking(move || {
        let key = match file {
            Some(path) => Some(std::fs::read(&path).map_err(|err| {
                format!(
                    "cannot read the token secret file {}: {err}",
                    path.display()
                )
            })?),
            None => None,
        };
        Gate::open(accounts, key, ttl, guests)
    })
    .await
    .map_err(io::Error::other)?
    .map_err(|err| io::Error::other(format!("accounts: {err}")))
}

/// Connects the store that reads the rooms' streams in Redis (on a blocking thread: its
/// connection is a plain one).
async fn open_redis_store(url: String) -> io::Result<Arc<RedisStore>> {
    let store = tokio::task::spawn_blocking(move || RedisStore::connect(&url))
        .await
        .map_err(io::Error::other)?
        .map_err(|err| io::Error::other(format!("message store: {err}")))?;
    Ok(Arc::new(store))
}

/// With Redis, where no journal prunes after its commits: once a minute, the messages older
/// than `--retain-days` are deleted from the rooms' streams (the send script keeps each stream
/// to its last `--history` messages). Ends when the server shuts down.
async fn prune_by_age(store: Arc<dyn Store>, retention: Retention, stop: CancellationToken) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = every.tick() => {}
        }
        let Some(before_ms) = retention.cut_off(now_ms()) else {
            return; // --retain-days 0: age does not matter
        };
        let store = Arc::clone(&store);
        match tokio::task::spawn_blocking(move || store.prune(&[], usize::MAX, before_ms)).await {
            Ok(Ok(0)) | Err(_) => {}
            Ok(Ok(deleted)) => tracing::info!(deleted, "old messages deleted from Redis"),
            Ok(Err(err)) => tracing::warn!(%err, "could not delete old messages from Redis"),
        }
    }
}

/// What `--retain-messages` and `--retain-days` keep.
fn retention(config: &Config) -> Retention {
    Retention {
        messages: config.retain_messages,
        max_age: (config.retain_days > 0)
            .then(|| Duration::from_secs(u64::from(config.retain_days) * 24 * 3600)),
    }
}

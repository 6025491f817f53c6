//! Counters of what the server did: read by tests while it runs, and served as Prometheus
//! metrics on `GET /metrics`.
//!
//! Final server — book chapters "Running the server", section "Logs and counters", and
//! "Operating the server", section "Metrics".
//!
//! Stage 4 published events to observers; here the only observer the server needs on its hot
//! path is a set of counters, so they are atomics that every task bumps without a lock (two
//! exceptions: a labelled series is found under a read lock, for the rare errors and closes; and
//! the queue-depth histogram takes a short mutex once per writer wake-up). They are the metric
//! types of `prometheus-client`, the Prometheus project's own crate, so that the
//! `/metrics` page is written by code that knows the text format's rules (escaping, `_total`
//! suffixes, histogram buckets) rather than by hand. Every labelled series is created at
//! start-up, so a dashboard sees a 0 rather than a missing series.

use std::fmt;

use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use chat_protocol::{CloseCode, ErrorCode};

type Labels1 = [(&'static str, &'static str); 1];

/// The accounts API's endpoints, as the `endpoint` label of `chat_api_requests_total`.
const API_ENDPOINTS: [&str; 3] = ["register", "login", "logout"];

/// The outcomes, as its `outcome` label.
const API_OUTCOMES: [&str; 4] = ["ok", "refused", "limited", "error"];
type Labels2 = [(&'static str, &'static str); 2];

/// Why an upgrade was refused, as the `reason` label of `chat_connections_refused_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `max_connections` reached (HTTP 503).
    ServerFull,
    /// `max_connections_per_ip` reached (HTTP 429).
    PerAddress,
    /// The page that opened the socket is not an allowed origin (HTTP 403).
    Origin,
}

impl Refusal {
    const ALL: [Refusal; 3] = [Refusal::ServerFull, Refusal::PerAddress, Refusal::Origin];

    fn label(self) -> Labels1 {
        let reason = match self {
            Refusal::ServerFull => "server_full",
            Refusal::PerAddress => "per_address",
            Refusal::Origin => "origin",
        };
        [("reason", reason)]
    }
}

/// Live counters, shared by every task of one server.
pub struct Stats {
    registry: Registry,
    open: Gauge,
    accepted: Counter,
    refused: Family<Labels1, Counter>,
    rooms: Gauge,
    messages: Counter,
    directs: Counter,
    deliveries: Counter,
    errors: Family<Labels1, Counter>,
    closes: Family<Labels2, Counter>,
    api: Family<Labels2, Counter>,
    queue_depth: Histogram,
    broker_up: Gauge,
    gaps: Counter,
    subscriptions: Counter,
    store_up: Gauge,
    stored: Counter,
    store_commits: Counter,
    store_failed: Counter,
    store_dropped: Counter,
    store_pruned: Counter,
    store_commit_seconds: Histogram,
    store_batch: Histogram,
    hub_lock_wait: Histogram,
    hub_lock_hold: Histogram,
    store_queue: Gauge,
    store_rows: Gauge,
    store_file_bytes: Gauge,
}

/// The label pair of a close code: `code="4008",reason="too_slow"`.
fn close_labels(code: CloseCode) -> Labels2 {
    [("code", code.code_str()), ("reason", code.name())]
}

/// The labels of a connection that ended without a close frame (1006, "abnormal closure").
const VANISHED: Labels2 = [("code", "1006"), ("reason", "vanished")];

impl Default for Stats {
    fn default() -> Stats {
        let stats = Stats {
            registry: Registry::with_prefix("chat"),
            open: Gauge::default(),
            accepted: Counter::default(),
            refused: Family::default(),
            rooms: Gauge::default(),
            messages: Counter::default(),
            directs: Counter::default(),
            deliveries: Counter::default(),
            errors: Family::default(),
            closes: Family::default(),
            api: Family::default(),
            // 1, 2, 4, … 1,024 frames: up to the default queue capacity, where 4008 begins.
            queue_depth: Histogram::new(exponential_buckets(1.0, 2.0, 11)),
            broker_up: Gauge::default(),
            gaps: Counter::default(),
            subscriptions: Counter::default(),
            store_up: Gauge::default(),
            stored: Counter::default(),
            store_commits: Counter::default(),
            store_failed: Counter::default(),
            store_dropped: Counter::default(),
            store_pruned: Counter::default(),
            // 50 µs, 100 µs, … about 0.8 s: a commit to the log, or a flush to the disk.
            store_commit_seconds: Histogram::new(exponential_buckets(0.000_05, 2.0, 15)),
            // 1, 2, 4, … 4,096 messages: up to the largest batch.
            store_batch: Histogram::new(exponential_buckets(1.0, 2.0, 13)),
            // 250 ns, 500 ns, … about 8 ms: from an uncontended lock to a fan-out to thousands.
            hub_lock_wait: Histogram::new(exponential_buckets(0.000_000_25, 2.0, 16)),
            hub_lock_hold: Histogram::new(exponential_buckets(0.000_000_25, 2.0, 16)),
            store_queue: Gauge::default(),
            store_rows: Gauge::default(),
            store_file_bytes: Gauge::default(),
        };
        stats.broker_up.set(1);
        stats.store_up.set(1);
        for refusal in Refusal::ALL {
            let _ = stats.refused.get_or_create(&refusal.label());
        }
        for code in ErrorCode::ALL {
            let _ = stats.errors.get_or_create(&[("code", code.as_str())]);
        }
        for code in CloseCode::ALL {
            let _ = stats.closes.get_or_create(&close_labels(code));
        }
        let _ = stats.closes.get_or_create(&VANISHED);
        for endpoint in API_ENDPOINTS {
            for outcome in API_OUTCOMES {
                let _ = stats
                    .api
                    .get_or_create(&[("endpoint", endpoint), ("outcome", outcome)]);
            }
        }
        stats.register()
    }
}

impl Stats {
    // ANCHOR: register
    fn register(mut self) -> Stats {
        let r = &mut self.registry;
        r.register(
            "connections",
            "WebSocket connections open now",
            self.open.clone(),
        );
        r.register(
            "connections_accepted",
            "WebSocket connections accepted since start",
            self.accepted.clone(),
        );
        r.register(
            "connections_refused",
            "Upgrades refused, by reason",
            self.refused.clone(),
        );
        r.register(
            "rooms",
            "Rooms held (with members or history)",
            self.rooms.clone(),
        );
        r.register(
            "messages_received",
            "Room messages accepted",
            self.messages.clone(),
        );
        r.register(
            "direct_messages",
            "Direct messages delivered",
            self.directs.clone(),
        );
        r.register(
            "deliveries",
            "Room messages queued for recipients",
            self.deliveries.clone(),
        );
        r.register("errors", "Error replies sent, by code", self.errors.clone());
        r.register(
            "api_requests",
            "Requests to /api/register, /api/login and /api/logout, by outcome: ok, refused (a wrong password, a name taken, a bad request), limited (429), error (503)",
            self.api.clone(),
        );
        r.register(
            "disconnects",
            "Connections ended, by close code (1006: vanished)",
            self.closes.clone(),
        );
        r.register(
            "queue_depth_frames",
            "Frames waiting when a connection's writer wakes up",
            self.queue_depth.clone(),
        );
        r.register(
            "broker_up",
            "1 when the message broker (Redis) is reachable, or there is none; 0 when degraded",
            self.broker_up.clone(),
        );
        r.register(
            "broker_gaps",
            "Times members were told that messages were lost between Redis and this instance",
            self.gaps.clone(),
        );
        r.register(
            "broker_subscriptions",
            "Times the subscription to Redis was set up: 1, plus one per reconnection",
            self.subscriptions.clone(),
        );
        r.register(
            "store_up",
            "1 when the message store writes, or there is none; 0 after a failed write",
            self.store_up.clone(),
        );
        r.register(
            "store_messages",
            "Room messages committed to the store",
            self.stored.clone(),
        );
        r.register(
            "store_commits",
            "Transactions committed to the store (messages / commits: the batch size)",
            self.store_commits.clone(),
        );
        r.register(
            "store_write_failures",
            "Room messages lost to the store because a commit failed (they were delivered)",
            self.store_failed.clone(),
        );
        r.register(
            "store_dropped",
            "Room messages not stored because the store's queue was full (they were delivered)",
            self.store_dropped.clone(),
        );
        r.register(
            "store_pruned",
            "Room messages deleted from the store by retention (--retain-messages, --retain-days)",
            self.store_pruned.clone(),
        );
        r.register(
            "store_commit_seconds",
            "How long each commit to the store took (a flush to the disk included, with --durability immediate)",
            self.store_commit_seconds.clone(),
        );
        r.register(
            "store_batch_messages",
            "Room messages per commit (group commit: more under load)",
            self.store_batch.clone(),
        );
        r.register(
            "store_queue_messages",
            "Room messages waiting for the store's writer, after its last commit",
            self.store_queue.clone(),
        );
        r.register(
            "store_rows",
            "Room messages held in the store",
            self.store_rows.clone(),
        );
        r.register(
            "store_file_bytes",
            "Bytes the store takes on the disk (the file and its write-ahead log)",
            self.store_file_bytes.clone(),
        );
        r.register(
            "hub_lock_wait_seconds",
            "How long each taking of the hub's lock waited for it",
            self.hub_lock_wait.clone(),
        );
        r.register(
            "hub_lock_hold_seconds",
            "How long the hub's lock was held each time",
            self.hub_lock_hold.clone(),
        );
        self
    }
    // ANCHOR_END: register

    pub(crate) fn opened(&self) {
        self.open.inc();
        self.accepted.inc();
    }

    pub(crate) fn closed(&self) {
        self.open.dec();
    }

    pub(crate) fn refused(&self, why: Refusal) {
        self.refused.get_or_create(&why.label()).inc();
    }

    pub(crate) fn rooms(&self, count: usize) {
        self.rooms.set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    pub(crate) fn message(&self, recipients: usize) {
        self.messages.inc();
        self.deliveries.inc_by(recipients as u64);
    }

    pub(crate) fn direct(&self) {
        self.directs.inc();
    }

    pub(crate) fn error(&self, code: ErrorCode) {
        self.errors.get_or_create(&[("code", code.as_str())]).inc();
    }

    pub(crate) fn close(&self, code: CloseCode) {
        self.closes.get_or_create(&close_labels(code)).inc();
    }

    /// One answer of the accounts API: `endpoint` is `register`, `login` or `logout`, and the
    /// status says the outcome.
    pub(crate) fn api_answer(&self, endpoint: &'static str, status: u16) {
        let outcome = match status {
            200..=299 => "ok",
            429 => "limited",
            500..=599 => "error",
            _ => "refused",
        };
        self.api
            .get_or_create(&[("endpoint", endpoint), ("outcome", outcome)])
            .inc();
    }

    pub(crate) fn vanished(&self) {
        self.closes.get_or_create(&VANISHED).inc();
    }

    pub(crate) fn broker_up(&self, up: bool) {
        self.broker_up.set(i64::from(up));
    }

    pub(crate) fn gap(&self) {
        self.gaps.inc();
    }

    pub(crate) fn subscribed(&self) {
        self.subscriptions.inc();
    }

    pub(crate) fn store_up(&self, up: bool) {
        self.store_up.set(i64::from(up));
    }

    pub(crate) fn store_committed(&self, messages: usize, took: std::time::Duration) {
        self.stored.inc_by(messages as u64);
        self.store_commits.inc();
        self.store_rows
            .inc_by(i64::try_from(messages).unwrap_or(i64::MAX));
        self.store_commit_seconds.observe(took.as_secs_f64());
        self.store_batch.observe(messages as f64);
    }

    pub(crate) fn store_sizes(&self, rows: u64, file_bytes: u64) {
        self.store_rows.set(i64::try_from(rows).unwrap_or(i64::MAX));
        self.store_file_bytes
            .set(i64::try_from(file_bytes).unwrap_or(i64::MAX));
    }

    pub(crate) fn store_file_bytes(&self, bytes: u64) {
        self.store_file_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }

    pub(crate) fn store_queue(&self, waiting: u64) {
        self.store_queue
            .set(i64::try_from(waiting).unwrap_or(i64::MAX));
    }

    pub(crate) fn store_failed(&self, messages: usize) {
        self.store_failed.inc_by(messages as u64);
    }

    pub(crate) fn store_dropped(&self) {
        self.store_dropped.inc();
    }

    pub(crate) fn store_pruned(&self, messages: u64) {
        self.store_pruned.inc_by(messages);
        self.store_rows
            .dec_by(i64::try_from(messages).unwrap_or(i64::MAX));
    }

    /// Whether the message store's last write worked (always true without a store).
    pub fn store_is_up(&self) -> bool {
        self.store_up.get() == 1
    }

    /// Whether the message broker is reachable (always, without one).
    pub fn broker_is_up(&self) -> bool {
        self.broker_up.get() == 1
    }

    /// How many gap notices were sent.
    pub fn gaps(&self) -> u64 {
        self.gaps.get()
    }

    /// The hub's lock was waited for `waited`, then held `held`.
    pub(crate) fn hub_lock(&self, waited: std::time::Duration, held: std::time::Duration) {
        self.hub_lock_wait.observe(waited.as_secs_f64());
        self.hub_lock_hold.observe(held.as_secs_f64());
    }

    pub(crate) fn queue_depth(&self, frames: usize) {
        self.queue_depth.observe(frames as f64);
    }

    /// The metrics in the Prometheus text format (what `GET /metrics` answers).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_text::encode(&mut text, &self.registry);
        text
    }

    /// Reads every counter.
    pub fn snapshot(&self) -> StatsSnapshot {
        let count = |family: &Family<Labels1, Counter>, labels: Labels1| {
            family.get(&labels).map_or(0, |c| c.get())
        };
        StatsSnapshot {
            open: u64::try_from(self.open.get()).unwrap_or(0),
            accepted: self.accepted.get(),
            refused_full: count(&self.refused, Refusal::ServerFull.label()),
            refused_per_ip: count(&self.refused, Refusal::PerAddress.label()),
            refused_origin: count(&self.refused, Refusal::Origin.label()),
            rooms: u64::try_from(self.rooms.get()).unwrap_or(0),
            messages: self.messages.get(),
            directs: self.directs.get(),
            deliveries: self.deliveries.get(),
            errors: ErrorCode::ALL
                .iter()
                .map(|code| count(&self.errors, [("code", code.as_str())]))
                .collect(),
            closes: CloseCode::ALL
                .iter()
                .map(|code| self.closes.get(&close_labels(*code)).map_or(0, |c| c.get()))
                .collect(),
            vanished: self.closes.get(&VANISHED).map_or(0, |c| c.get()),
            broker_up: self.broker_is_up(),
            gaps: self.gaps(),
            subscriptions: self.subscriptions.get(),
            store_up: self.store_is_up(),
            stored: self.stored.get(),
            store_commits: self.store_commits.get(),
            store_failed: self.store_failed.get(),
            store_dropped: self.store_dropped.get(),
            store_pruned: self.store_pruned.get(),
        }
    }
}

impl fmt::Debug for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Stats").field(&self.snapshot()).finish()
    }
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// WebSocket connections open now.
    pub open: u64,
    /// WebSocket connections accepted since start.
    pub accepted: u64,
    /// Upgrades refused because the server was full (HTTP 503).
    pub refused_full: u64,
    /// Upgrades refused because one address had too many connections (HTTP 429).
    pub refused_per_ip: u64,
    /// Upgrades refused because of the page's origin (HTTP 403).
    pub refused_origin: u64,
    /// Rooms held.
    pub rooms: u64,
    /// Room messages accepted.
    pub messages: u64,
    /// Direct messages delivered.
    pub directs: u64,
    /// Room messages queued for recipients (one message to 10 members counts 10).
    pub deliveries: u64,
    /// Error replies sent, by code, in the order of [`ErrorCode::ALL`].
    pub errors: Vec<u64>,
    /// Close frames sent by the server, by code, in the order of [`CloseCode::ALL`].
    pub closes: Vec<u64>,
    /// Connections that ended without a close handshake (the client vanished).
    pub vanished: u64,
    /// Whether the message broker (Redis) is reachable; always true without one.
    pub broker_up: bool,
    /// Gap notices: times members were told that messages were lost to this instance.
    pub gaps: u64,
    /// Times the subscription to Redis was set up (0 without Redis).
    pub subscriptions: u64,
    /// Whether the message store's last write worked; always true without a store.
    pub store_up: bool,
    /// Room messages committed to the store.
    pub stored: u64,
    /// Transactions committed to the store.
    pub store_commits: u64,
    /// Room messages lost to the store by a failed commit.
    pub store_failed: u64,
    /// Room messages not stored because the store's queue was full.
    pub store_dropped: u64,
    /// Room messages deleted by retention.
    pub store_pruned: u64,
}

impl StatsSnapshot {
    /// Error replies sent with `code`.
    pub fn errors(&self, code: ErrorCode) -> u64 {
        self.errors.get(code.index()).copied().unwrap_or_default()
    }

    /// Connections the server closed with `code`.
    pub fn closes(&self, code: CloseCode) -> u64 {
        self.closes.get(code.index()).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_page_has_every_series_from_the_start() {
        let stats = Stats::default();
        stats.message(3);
        stats.close(CloseCode::TooSlow);
        stats.queue_depth(5);
        let text = stats.encode();
        for line in [
            "# TYPE chat_connections gauge",
            "chat_deliveries_total 3",
            "chat_messages_received_total 1",
            "chat_errors_total{code=\"rate_limited\"} 0",
            "chat_disconnects_total{code=\"4008\",reason=\"too_slow\"} 1",
            "chat_disconnects_total{code=\"1006\",reason=\"vanished\"} 0",
            "chat_connections_refused_total{reason=\"origin\"} 0",
            "chat_queue_depth_frames_bucket{le=\"8\"} 1",
            "chat_queue_depth_frames_count 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line:?} missing from:\n{text}"
            );
        }
    }
}

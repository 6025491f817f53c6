//! Every limit of the server, with its default, and the builder that checks them.
//!
//! Final server — book chapter "Running the server", section "Limits".
//!
//! A limit that is not written down is a limit an attacker finds first. Each field below bounds
//! one resource a client could otherwise grow without end: memory (frame size, queue, history,
//! rooms), file descriptors (connections), CPU (rate), or time (deadlines). The defaults suit a
//! public server with human users; the load tests raise the ones that would get in their way.

use std::path::PathBuf;
use std::time::Duration;

use crate::auth::Guests;
use crate::store::Durability;

/// The limits and timings of a server. Build one with [`ServerBuilder`].
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Most WebSocket connections at once; one more gets HTTP 503.
    pub max_connections: usize,
    /// Most WebSocket connections from one IP address; one more gets HTTP 429. 0 means no limit
    /// (behind a reverse proxy every client has the proxy's address).
    pub max_connections_per_ip: usize,
    /// Largest WebSocket frame and message, in bytes; a bigger one closes the connection (1009).
    pub max_message_bytes: usize,
    /// Longest message text, in characters (`text_too_long`).
    pub max_text_chars: usize,
    /// Messages each room keeps for `join` (and `since`).
    pub history: usize,
    /// Most rooms one connection may be in (`too_many_rooms`).
    pub max_rooms_per_connection: usize,
    /// Most rooms the server holds; empty rooms are forgotten first when it is reached.
    pub max_rooms: usize,
    /// Frames waiting for one client; when full, the client is too slow and is closed (4008).
    pub queue_capacity: usize,
    /// Requests per second a connection may make, on average (`rate_limited` beyond).
    pub rate_per_sec: f64,
    /// Requests a connection may make in a burst, above the average rate.
    pub rate_burst: u32,
    /// Requests refused in a row for the rate limit before the connection is closed (4013).
    pub rate_abuse_after: u32,
    /// Invalid requests (`bad_request`, `unknown_type`) in a row before the connection is closed (1008).
    pub invalid_in_a_row: u32,
    /// Time from the TCP connection to a complete HTTP request (slow clients are dropped).
    pub handshake_timeout: Duration,
    /// Time from the WebSocket upgrade to `hello` (4502 beyond).
    pub hello_timeout: Duration,
    /// How often the server pings every client.
    pub ping_interval: Duration,
    /// Silence (no frame, not even a pong) after which a client is closed (4012).
    pub idle_timeout: Duration,
    /// Longest time one write to a client may take before it counts as too slow (4008).
    pub write_timeout: Duration,
    /// How long a close frame and the client's answer may take before the socket is dropped.
    pub close_timeout: Duration,
    /// On shutdown, how long to wait for connections to close before giving up on them.
    pub shutdown_grace: Duration,
    /// Bytes of the per-connection read buffer, allocated for every connection: a tenth of an
    /// idle connection's memory. Requests are small; a bigger message just takes more reads.
    pub read_buffer_bytes: usize,
    /// Bytes buffered before a write goes to the socket (a flush writes sooner).
    pub write_buffer_bytes: usize,
    /// The kernel's send buffer for each connection (`SO_SNDBUF`; Linux reserves twice this for
    /// its bookkeeping). It bounds the kernel memory a client that stops reading can hold, and
    /// how long it takes to notice one: once it is full, frames wait in the queue, and a full
    /// queue closes the client with 4008. Zero: the system's default, which on Linux grows with
    /// the traffic up to `net.ipv4.tcp_wmem` (4 MiB by default), minutes of chat for a slow client.
    pub send_buffer_bytes: usize,
    /// Under steady traffic, the least time between two flushes to one client, so that one
    /// write carries several frames; a frame after a quiet spell goes out at once. Zero: flush
    /// every batch at once.
    pub coalesce: Duration,
    /// Web pages (origins such as `https://chat.example.com`, or `*` for any) whose scripts may
    /// open a WebSocket, besides the server's own pages. Empty: also pages on this machine
    /// (`localhost`, `127.0.0.1`, `[::1]`, any port). Clients that send no `Origin` (not
    /// browsers) are always allowed.
    pub allowed_origins: Vec<String>,
    /// Redis, such as `redis://127.0.0.1:6379`, through which several instances of the server
    /// share rooms, names and history (book: "Scaling out"). None: this instance is alone.
    pub redis_url: Option<String>,
    /// The folder of the message store (`chat.db`, SQLite): room messages written there are
    /// read back at the next start. None: messages live in memory only, as long as the process
    /// (the library's default; the `chat-server` program's is `./chat-data`). Ignored with
    /// `redis_url`, where Redis keeps the history.
    pub data_dir: Option<PathBuf>,
    /// How long the store may gather messages before committing them in one transaction: what a
    /// crash loses, besides messages still queued for the store (book chapter "Persistence").
    pub commit_interval: Duration,
    /// Messages the store keeps per room, the newest; older ones are deleted.
    pub retain_messages: usize,
    /// Days the store keeps a message; 0: whatever its age.
    pub retain_days: u32,
    /// When a message counts as kept: [`Durability::Batch`] delivers at once and commits within
    /// `commit_interval`; [`Durability::Immediate`] commits (and flushes to the disk) before
    /// anyone receives the message. Immediate needs a store (`data_dir`, no `redis_url`).
    pub durability: Durability,
    /// Whether people without an account may chat (book: "Accounts and tokens").
    pub guests: Guests,
    /// How long a token from `/api/login` is good for.
    pub token_ttl: Duration,
    /// A file holding the key tokens are signed with (at least 32 bytes), for applications that
    /// issue their own tokens; `None`: a random key, made on the first start and kept in the
    /// store.
    pub token_secret_file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_connections: 10_000,
            max_connections_per_ip: 256,
            max_message_bytes: 16 * 1024,
            max_text_chars: 2_000,
            history: 100,
            max_rooms_per_connection: 32,
            max_rooms: 1_000,
            queue_capacity: 1_024,
            rate_per_sec: 10.0,
            rate_burst: 20,
            rate_abuse_after: 50,
            invalid_in_a_row: 20,
            handshake_timeout: Duration::from_secs(10),
            hello_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            close_timeout: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(5),
            read_buffer_bytes: 512,
            write_buffer_bytes: 16 * 1024,
            send_buffer_bytes: 64 * 1024,
            coalesce: Duration::from_millis(25),
            allowed_origins: Vec::new(),
            redis_url: None,
            data_dir: None,
            commit_interval: Duration::from_millis(10),
            retain_messages: 10_000,
            retain_days: 30,
            durability: Durability::Batch,
            guests: Guests::Allow,
            token_ttl: Duration::from_secs(7 * 24 * 3600),
            token_secret_file: None,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

// ANCHOR: builder
/// Builds a checked [`Config`]: start from the defaults, change what you need, `build()`.
///
/// ```
/// use std::time::Duration;
/// let config = chat_server::ServerBuilder::new()
///     .max_connections(500)
///     .hello_timeout(Duration::from_secs(5))
///     .build()
///     .expect("valid limits");
/// assert_eq!(config.max_connections, 500);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ServerBuilder {
    config: Config,
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> ServerBuilder {
            self.config.$name = value;
            self
        }
    )*};
}

impl ServerBuilder {
    /// The defaults (see [`Config`] for each).
    pub fn new() -> ServerBuilder {
        ServerBuilder::default()
    }

    setters! {
        /// See [`Config::max_connections`].
        max_connections: usize;
        /// See [`Config::max_connections_per_ip`].
        max_connections_per_ip: usize;
        /// See [`Config::max_message_bytes`].
        max_message_bytes: usize;
        /// See [`Config::max_text_chars`].
        max_text_chars: usize;
        /// See [`Config::history`].
        history: usize;
        /// See [`Config::max_rooms_per_connection`].
        max_rooms_per_connection: usize;
        /// See [`Config::max_rooms`].
        max_rooms: usize;
        /// See [`Config::queue_capacity`].
        queue_capacity: usize;
        /// See [`Config::rate_per_sec`].
        rate_per_sec: f64;
        /// See [`Config::rate_burst`].
        rate_burst: u32;
        /// See [`Config::rate_abuse_after`].
        rate_abuse_after: u32;
        /// See [`Config::invalid_in_a_row`].
        invalid_in_a_row: u32;
        /// See [`Config::handshake_timeout`].
        handshake_timeout: Duration;
        /// See [`Config::hello_timeout`].
        hello_timeout: Duration;
        /// See [`Config::ping_interval`].
        ping_interval: Duration;
        /// See [`Config::idle_timeout`].
        idle_timeout: Duration;
        /// See [`Config::write_timeout`].
        write_timeout: Duration;
        /// See [`Config::close_timeout`].
        close_timeout: Duration;
        /// See [`Config::shutdown_grace`].
        shutdown_grace: Duration;
        /// See [`Config::read_buffer_bytes`].
        read_buffer_bytes: usize;
        /// See [`Config::write_buffer_bytes`].
        write_buffer_bytes: usize;
        /// See [`Config::send_buffer_bytes`].
        send_buffer_bytes: usize;
        /// See [`Config::coalesce`].
        coalesce: Duration;
        /// See [`Config::allowed_origins`].
        allowed_origins: Vec<String>;
        /// See [`Config::redis_url`].
        redis_url: Option<String>;
        /// See [`Config::data_dir`].
        data_dir: Option<PathBuf>;
        /// See [`Config::commit_interval`].
        commit_interval: Duration;
        /// See [`Config::retain_messages`].
        retain_messages: usize;
        /// See [`Config::retain_days`].
        retain_days: u32;
        /// See [`Config::durability`].
        durability: Durability;
        /// See [`Config::guests`].
        guests: Guests;
        /// See [`Config::token_ttl`].
        token_ttl: Duration;
        /// See [`Config::token_secret_file`].
        token_secret_file: Option<PathBuf>;
    }

    /// Checks that the limits make sense together.
    pub fn build(self) -> Result<Config, ConfigError> {
        let c = self.config;
        if let Some(bad) = c.allowed_origins.iter().find(|o| {
            !(*o == "*" || *o == "null" || o.starts_with("http://") || o.starts_with("https://"))
        }) {
            return Err(ConfigError(format!(
                "allowed origin {bad:?} must be *, null, or start with http:// or https://"
            )));
        }
        let positive = [
            ("max_connections", c.max_connections),
            ("max_message_bytes", c.max_message_bytes),
            ("max_text_chars", c.max_text_chars),
            ("max_rooms_per_connection", c.max_rooms_per_connection),
            ("max_rooms", c.max_rooms),
            ("queue_capacity", c.queue_capacity),
            ("rate_burst", c.rate_burst as usize),
            ("rate_abuse_after", c.rate_abuse_after as usize),
            ("invalid_in_a_row", c.invalid_in_a_row as usize),
            ("read_buffer_bytes", c.read_buffer_bytes),
            ("retain_messages", c.retain_messages),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, value)| *value == 0) {
            return Err(ConfigError(format!("{name} must be at least 1")));
        }
        if !(c.rate_per_sec.is_finite() && c.rate_per_sec > 0.0) {
            return Err(ConfigError("rate_per_sec must be a positive number".into()));
        }
        let timings = [
            ("handshake_timeout", c.handshake_timeout),
            ("hello_timeout", c.hello_timeout),
            ("ping_interval", c.ping_interval),
            ("idle_timeout", c.idle_timeout),
            ("write_timeout", c.write_timeout),
            ("close_timeout", c.close_timeout),
        ];
        if let Some((name, _)) = timings.iter().find(|(_, value)| value.is_zero()) {
            return Err(ConfigError(format!("{name} must be longer than zero")));
        }
        if c.idle_timeout <= c.ping_interval {
            return Err(ConfigError(
                "idle_timeout must be longer than ping_interval, or idle clients that answer pings would be closed".into(),
            ));
        }
        if c.coalesce > Duration::from_secs(1) {
            return Err(ConfigError(
                "coalesce must be at most 1s: it delays messages by up to that much".into(),
            ));
        }
        if c.commit_interval > Duration::from_secs(1) {
            return Err(ConfigError(
                "commit_interval must be at most 1s: a crash may lose up to that much".into(),
            ));
        }
        if c.durability == Durability::Immediate && (c.data_dir.is_none() || c.redis_url.is_some())
        {
            return Err(ConfigError(
                "durability immediate needs the message store: not with --store memory or --redis-url".into(),
            ));
        }
        if c.max_message_bytes < 256 {
            return Err(ConfigError("max_message_bytes must be at least 256".into()));
        }
        Ok(c)
    }
}
// ANCHOR_END: builder

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_limits_are_refused() {
        assert_eq!(ServerBuilder::new().build(), Ok(Config::default()));
        let err = ServerBuilder::new().queue_capacity(0).build().unwrap_err();
        assert!(err.to_string().contains("queue_capacity"), "{err}");
        let err = ServerBuilder::new()
            .ping_interval(Duration::from_secs(60))
            .idle_timeout(Duration::from_secs(30))
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("idle_timeout"), "{err}");
        assert!(ServerBuilder::new().rate_per_sec(f64::NAN).build().is_err());
        assert!(
            ServerBuilder::new()
                .hello_timeout(Duration::ZERO)
                .build()
                .is_err()
        );
        let too_long = ServerBuilder::new()
            .coalesce(Duration::from_secs(2))
            .build();
        assert!(too_long.unwrap_err().to_string().contains("coalesce"));
        assert!(
            ServerBuilder::new()
                .coalesce(Duration::ZERO)
                .build()
                .is_ok(),
            "0: no coalescing"
        );
    }
}

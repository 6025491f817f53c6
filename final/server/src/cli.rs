//! The `chat-server` command line: every limit of [`Config`] as a flag with an environment
//! variable, so a service manager or a container sets them without a wrapper script.
//!
//! Final server — book chapter "Running the server", section "Configuration".
//!
//! clap derives the parser and `--help` from this struct; each doc comment below is the help
//! text of its flag. The defaults are written here as strings (clap shows them in `--help`),
//! and a test checks that they are exactly [`Config::default`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::auth::Guests;
use crate::config::{Config, ConfigError, ServerBuilder};
use crate::store::Durability;

// ANCHOR: cli
/// The final chat server of the Rust Chat Roadmap. Clients connect to ws://ADDRESS/ws.
///
/// Every option can also be set with the environment variable shown; a flag wins over the
/// variable. Durations are written like 10s, 500ms or 2m.
#[derive(Debug, Clone, Parser)]
#[command(name = "chat-server", version)]
pub struct Cli {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "CHAT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Most WebSocket connections at once (more get HTTP 503).
    #[arg(long, env = "CHAT_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Most WebSocket connections from one IP address (more get HTTP 429); 0 = no limit.
    #[arg(long, env = "CHAT_MAX_CONNECTIONS_PER_IP", default_value_t = 256)]
    pub max_connections_per_ip: usize,
    /// Largest WebSocket frame or message in bytes (bigger closes the connection with 1009).
    #[arg(long, env = "CHAT_MAX_MESSAGE_BYTES", default_value_t = 16 * 1024)]
    pub max_message_bytes: usize,
    /// Longest message text in characters (longer gets `text_too_long`).
    #[arg(long, env = "CHAT_MAX_TEXT_CHARS", default_value_t = 2_000)]
    pub max_text_chars: usize,
    /// Messages each room keeps for newcomers and for resuming with `since`.
    #[arg(long, env = "CHAT_HISTORY", default_value_t = 100)]
    pub history: usize,
    /// Most rooms one connection may be in.
    #[arg(long, env = "CHAT_MAX_ROOMS_PER_CONNECTION", default_value_t = 32)]
    pub max_rooms_per_connection: usize,
    /// Most rooms the server keeps (empty rooms are forgotten first).
    #[arg(long, env = "CHAT_MAX_ROOMS", default_value_t = 1_000)]
    pub max_rooms: usize,
    /// Frames queued for one client before it counts as too slow (closed with 4008).
    #[arg(long, env = "CHAT_QUEUE_CAPACITY", default_value_t = 1_024)]
    pub queue_capacity: usize,
    /// Requests per second one connection may make on average (more get `rate_limited`).
    #[arg(long, env = "CHAT_RATE", default_value_t = 10.0)]
    pub rate: f64,
    /// Requests one connection may make in a burst.
    #[arg(long, env = "CHAT_RATE_BURST", default_value_t = 20)]
    pub rate_burst: u32,
    /// Requests refused in a row for the rate limit before closing with 4013.
    #[arg(long, env = "CHAT_RATE_ABUSE_AFTER", default_value_t = 50)]
    pub rate_abuse_after: u32,
    /// Invalid requests in a row before closing with 1008.
    #[arg(long, env = "CHAT_INVALID_IN_A_ROW", default_value_t = 20)]
    pub invalid_in_a_row: u32,
    /// Time allowed for the HTTP request that opens a connection.
    #[arg(long, env = "CHAT_HANDSHAKE_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub handshake_timeout: Duration,
    /// Time allowed between connecting and `hello` (closed with 4502 after).
    #[arg(long, env = "CHAT_HELLO_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub hello_timeout: Duration,
    /// How often to ping every client.
    #[arg(long, env = "CHAT_PING_INTERVAL", default_value = "20s", value_parser = parse_duration)]
    pub ping_interval: Duration,
    /// Silence after which a client is closed with 4012 (must exceed the ping interval).
    #[arg(long, env = "CHAT_IDLE_TIMEOUT", default_value = "60s", value_parser = parse_duration)]
    pub idle_timeout: Duration,
    /// Longest a write to one client may take (closed with 4008 after).
    #[arg(long, env = "CHAT_WRITE_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub write_timeout: Duration,
    /// Longest wait for a close handshake before dropping the socket.
    #[arg(long, env = "CHAT_CLOSE_TIMEOUT", default_value = "1s", value_parser = parse_duration)]
    pub close_timeout: Duration,
    /// Longest wait for connections to close on shutdown.
    #[arg(long, env = "CHAT_SHUTDOWN_GRACE", default_value = "5s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,
    /// Read buffer per connection, in bytes.
    #[arg(long, env = "CHAT_READ_BUFFER_BYTES", default_value_t = 512)]
    pub read_buffer_bytes: usize,
    /// Bytes gathered before a write goes to the socket (a flush writes sooner).
    #[arg(long, env = "CHAT_WRITE_BUFFER_BYTES", default_value_t = 16 * 1024)]
    pub write_buffer_bytes: usize,
    /// The kernel's send buffer per connection, in bytes (SO_SNDBUF); bounds what a client
    /// that stops reading holds in the kernel before its queue fills (0: the system's default).
    #[arg(long, env = "CHAT_SEND_BUFFER_BYTES", default_value_t = 64 * 1024)]
    pub send_buffer_bytes: usize,
    /// Under steady traffic, the least time between two writes to one client, so that one
    /// write carries several messages (0: write every message at once).
    #[arg(long, env = "CHAT_COALESCE", default_value = "25ms", value_parser = parse_duration)]
    pub coalesce: Duration,
    /// A web origin (e.g. `https://chat.example.com`, or * for any) whose pages may open a
    /// WebSocket, besides the server's own pages; repeat for more (comma-separated in the
    /// variable). Without any, pages on this machine (localhost) are allowed too.
    #[arg(
        long = "allowed-origin",
        env = "CHAT_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
    /// Share rooms, names and history with other instances through this Redis, e.g.
    /// redis://127.0.0.1:6379 (without it, this instance is alone).
    #[arg(long, env = "CHAT_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Where room messages are kept: `sqlite` (a file in --data-dir, read back at the next
    /// start) or `memory` (lost when the server stops). With --redis-url, Redis keeps them.
    #[arg(long, env = "CHAT_STORE", value_enum, default_value_t = StoreKind::Sqlite)]
    pub store: StoreKind,
    /// The folder of the message store (created if need be; one server per folder).
    #[arg(long, env = "CHAT_DATA_DIR", default_value = "chat-data")]
    pub data_dir: PathBuf,
    /// How long the store may gather messages before committing them together: what a crash
    /// of the server loses, besides messages still queued for the store (at most 1s).
    #[arg(long, env = "CHAT_COMMIT_INTERVAL", default_value = "10ms", value_parser = parse_duration)]
    pub commit_interval: Duration,
    /// Messages the store keeps per room, the newest (older ones are deleted).
    #[arg(long, env = "CHAT_RETAIN_MESSAGES", default_value_t = 10_000)]
    pub retain_messages: usize,
    /// Days the store keeps a message (0: whatever its age).
    #[arg(long, env = "CHAT_RETAIN_DAYS", default_value_t = 30)]
    pub retain_days: u32,
    /// When a message counts as kept: `batch` (delivered at once, committed within
    /// --commit-interval: a crash may lose that much) or `immediate` (committed and flushed to
    /// the disk before anyone receives it: slower, loses nothing anyone saw).
    #[arg(long, env = "CHAT_DURABILITY", value_enum, default_value_t = DurabilityKind::Batch)]
    pub durability: DurabilityKind,
    /// Whether people without an account may chat: `allow` (with any free name that is not an
    /// account's) or `deny` (only signed-in users).
    #[arg(long, env = "CHAT_GUESTS", value_enum, default_value_t = GuestsKind::Allow)]
    pub guests: GuestsKind,
    /// How long a token from /api/login is good for (e.g. 7d, 12h).
    #[arg(long, env = "CHAT_TOKEN_TTL", default_value = "7d", value_parser = parse_duration)]
    pub token_ttl: Duration,
    /// A file with the key tokens are signed with (at least 32 bytes), for applications that
    /// issue their own tokens; without it, a random key is made on the first start and kept in
    /// the store.
    #[arg(long, env = "CHAT_TOKEN_SECRET_FILE")]
    pub token_secret_file: Option<PathBuf>,
}

/// Whether people without an account may chat (`--guests`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GuestsKind {
    /// Anyone, with a free name that is not an account's.
    Allow,
    /// Only signed-in users.
    Deny,
}

/// When a message counts as kept (`--durability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DurabilityKind {
    /// Delivered at once, committed within --commit-interval.
    Batch,
    /// Committed, and flushed to the disk, before anyone receives it.
    Immediate,
}

/// Where room messages are kept (`--store`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    /// In a SQLite file in `--data-dir`: history survives a restart.
    Sqlite,
    /// In memory: history is lost when the server stops.
    Memory,
}
// ANCHOR_END: cli

impl Cli {
    /// The checked configuration these flags describe.
    pub fn config(&self) -> Result<Config, ConfigError> {
        ServerBuilder::new()
            .max_connections(self.max_connections)
            .max_connections_per_ip(self.max_connections_per_ip)
            .max_message_bytes(self.max_message_bytes)
            .max_text_chars(self.max_text_chars)
            .history(self.history)
            .max_rooms_per_connection(self.max_rooms_per_connection)
            .max_rooms(self.max_rooms)
            .queue_capacity(self.queue_capacity)
            .rate_per_sec(self.rate)
            .rate_burst(self.rate_burst)
            .rate_abuse_after(self.rate_abuse_after)
            .invalid_in_a_row(self.invalid_in_a_row)
            .handshake_timeout(self.handshake_timeout)
            .hello_timeout(self.hello_timeout)
            .ping_interval(self.ping_interval)
            .idle_timeout(self.idle_timeout)
            .write_timeout(self.write_timeout)
            .close_timeout(self.close_timeout)
            .shutdown_grace(self.shutdown_grace)
            .read_buffer_bytes(self.read_buffer_bytes)
            .write_buffer_bytes(self.write_buffer_bytes)
            .send_buffer_bytes(self.send_buffer_bytes)
            .coalesce(self.coalesce)
            .allowed_origins(self.allowed_origins.clone())
            .redis_url(self.redis_url.clone())
            .data_dir(
                (self.store == StoreKind::Sqlite && self.redis_url.is_none())
                    .then(|| self.data_dir.clone()),
            )
            .commit_interval(self.commit_interval)
            .retain_messages(self.retain_messages)
            .retain_days(self.retain_days)
            .durability(match self.durability {
                DurabilityKind::Batch => Durability::Batch,
                DurabilityKind::Immediate => Durability::Immediate,
            })
            .guests(match self.guests {
                GuestsKind::Allow => Guests::Allow,
                GuestsKind::Deny => Guests::Deny,
            })
            .token_ttl(self.token_ttl)
            .token_secret_file(self.token_secret_file.clone())
            .build()
    }
}

/// Reads a duration such as `10s`, `500ms`, `2m`, `1h`, `7d`, or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (try 10s, 500ms, 2m)"))?;
    let seconds = match unit.trim() {
        "" | "s" => number,
        "ms" => number / 1_000.0,
        "m" => number * 60.0,
        "h" => number * 3_600.0,
        "d" => number * 86_400.0,
        other => return Err(format!("unknown unit {other:?} (use ms, s, m, h or d)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|err| format!("{text:?}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_defaults_are_the_library_defaults() {
        let cli = Cli::try_parse_from(["chat-server"]).unwrap();
        // One difference, on purpose: the program keeps history in ./chat-data, while the
        // library (tests, embedding) keeps it in memory unless told where.
        let program = Config {
            data_dir: Some(PathBuf::from("chat-data")),
            ..Config::default()
        };
        assert_eq!(cli.config().unwrap(), program);
        assert_eq!(cli.listen, "127.0.0.1:8080".parse().unwrap());
    }

    #[test]
    fn the_store_is_a_file_unless_memory_or_redis_is_asked_for() {
        let data_dir = |args: &[&str]| {
            let mut all = vec!["chat-server"];
            all.extend_from_slice(args);
            Cli::try_parse_from(all).unwrap().config().unwrap().data_dir
        };
        assert_eq!(
            data_dir(&["--data-dir", "/srv/chat"]),
            Some(PathBuf::from("/srv/chat"))
        );
        assert_eq!(data_dir(&["--store", "memory"]), None);
        assert_eq!(data_dir(&["--redis-url", "redis://127.0.0.1:6379"]), None);
        let immediate = Cli::try_parse_from(["chat-server", "--durability", "immediate"]).unwrap();
        assert_eq!(
            immediate.config().unwrap().durability,
            Durability::Immediate
        );
        let err = Cli::try_parse_from([
            "chat-server",
            "--durability",
            "immediate",
            "--store",
            "memory",
        ])
        .unwrap()
        .config()
        .unwrap_err();
        assert!(err.to_string().contains("needs the message store"), "{err}");
    }

    #[test]
    fn flags_change_the_config() {
        let cli = Cli::try_parse_from([
            "chat-server",
            "--history",
            "5",
            "--hello-timeout",
            "250ms",
            "--rate",
            "100",
        ])
        .unwrap();
        let config = cli.config().unwrap();
        assert_eq!(
            (config.history, config.hello_timeout, config.rate_per_sec),
            (5, Duration::from_millis(250), 100.0)
        );
        assert!(
            Cli::try_parse_from(["chat-server", "--queue-capacity", "0"])
                .unwrap()
                .config()
                .is_err()
        );
    }

    #[test]
    fn allowed_origins_repeat_or_come_comma_separated() {
        let cli = Cli::try_parse_from([
            "chat-server",
            "--allowed-origin",
            "https://a.example",
            "--allowed-origin",
            "*",
        ])
        .unwrap();
        assert_eq!(
            cli.config().unwrap().allowed_origins,
            ["https://a.example", "*"]
        );
        let cli = Cli::try_parse_from(["chat-server", "--allowed-origin", "a.example"]).unwrap();
        assert!(
            cli.config().unwrap_err().to_string().contains("http://"),
            "an origin has a scheme"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5 days").is_err());
    }
}

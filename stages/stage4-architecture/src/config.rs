//! Settings, and the builder that checks them once.
//!
//! Stage 4 — Architecture, book chapter 4, section "The builder pattern".
//!
//! A server has many settings, most with sensible defaults. A constructor with eight arguments
//! is unreadable (`Server::new(addr, 1024, 65536, 10, 5, ...)`: which number is which?), and
//! setting public fields after construction lets invalid combinations through. A builder names
//! every setting, starts from defaults, and validates everything in one place, [`build`], so a
//! [`Config`] that exists is a valid one. Everything downstream can trust it.
//!
//! [`build`]: ServerBuilder::build

use std::net::SocketAddr;
use std::time::Duration;

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The address does not parse as `IP:PORT`.
    #[error("{0:?} is not an address like 127.0.0.1:8080")]
    BadAddress(String),
    /// A limit that must be at least 1 is 0.
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    /// A limit is out of its allowed range.
    #[error("{name} must be between {min} and {max}, not {value}")]
    OutOfRange {
        /// Which setting.
        name: &'static str,
        /// The value given.
        value: u64,
        /// The smallest allowed.
        min: u64,
        /// The largest allowed.
        max: u64,
    },
}

// ANCHOR: config
/// A checked server configuration, made by [`ServerBuilder::build`]. Its fields are public so
/// that the server's modules can read them; code that built one by hand, skipping `build`, would
/// skip the checks too, so don't.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where to listen.
    pub addr: SocketAddr,
    /// How many messages may wait for one client before it counts as too slow.
    pub queue_capacity: usize,
    /// The largest WebSocket message accepted, in bytes.
    pub max_message_bytes: usize,
    /// How long a connection may take to complete the WebSocket handshake.
    pub handshake_timeout: Duration,
    /// How long shutdown waits for connections to say goodbye before giving up on them.
    pub shutdown_grace: Duration,
    /// How long one write to a client may take before the client counts as too slow.
    pub write_timeout: Duration,
}
// ANCHOR_END: config

// ANCHOR: builder
/// Builds a [`Config`]: every setting has a default, and `build` checks them all.
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    addr: String,
    queue_capacity: usize,
    max_message_bytes: usize,
    handshake_timeout: Duration,
    shutdown_grace: Duration,
    write_timeout: Duration,
}

impl Default for ServerBuilder {
    fn default() -> ServerBuilder {
        ServerBuilder {
            addr: "127.0.0.1:8080".to_owned(),
            queue_capacity: 256,
            max_message_bytes: 64 * 1024,
            handshake_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(5),
            write_timeout: Duration::from_secs(5),
        }
    }
}

impl ServerBuilder {
    /// A builder with the defaults: 127.0.0.1:8080, 256 queued messages, 64 KiB messages,
    /// 10 s for the handshake, 5 s of grace at shutdown, 5 s for one write.
    pub fn new() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// Where to listen; port 0 picks a free port.
    pub fn addr(mut self, addr: impl Into<String>) -> ServerBuilder {
        self.addr = addr.into();
        self
    }

    /// How many messages may wait for one client (1 to 1,000,000).
    pub fn queue_capacity(mut self, messages: usize) -> ServerBuilder {
        self.queue_capacity = messages;
        self
    }

    /// The largest message accepted, in bytes (128 B to 16 MiB).
    pub fn max_message_bytes(mut self, bytes: usize) -> ServerBuilder {
        self.max_message_bytes = bytes;
        self
    }

    /// How long the WebSocket handshake may take (at least 1 ms).
    pub fn handshake_timeout(mut self, limit: Duration) -> ServerBuilder {
        self.handshake_timeout = limit;
        self
    }

    /// How long shutdown waits for connections to close (at most 5 minutes).
    pub fn shutdown_grace(mut self, grace: Duration) -> ServerBuilder {
        self.shutdown_grace = grace;
        self
    }

    /// How long one write to a client may take (at least 1 ms) before it counts as too slow.
    pub fn write_timeout(mut self, limit: Duration) -> ServerBuilder {
        self.write_timeout = limit;
        self
    }

    /// Checks every setting and returns the configuration, or the first problem found.
    pub fn build(self) -> Result<Config, ConfigError> {
        let addr = self
            .addr
            .parse()
            .map_err(|_| ConfigError::BadAddress(self.addr.clone()))?;
        if self.queue_capacity == 0 {
            return Err(ConfigError::Zero("queue_capacity"));
        }
        in_range("queue_capacity", self.queue_capacity as u64, 1, 1_000_000)?;
        in_range(
            "max_message_bytes",
            self.max_message_bytes as u64,
            128,
            16 * 1024 * 1024,
        )?;
        if self.handshake_timeout.is_zero() {
            return Err(ConfigError::Zero("handshake_timeout"));
        }
        let grace_ms = u64::try_from(self.shutdown_grace.as_millis()).unwrap_or(u64::MAX);
        in_range("shutdown_grace (ms)", grace_ms, 0, 300_000)?;
        if self.write_timeout.is_zero() {
            return Err(ConfigError::Zero("write_timeout"));
        }
        Ok(Config {
            addr,
            queue_capacity: self.queue_capacity,
            max_message_bytes: self.max_message_bytes,
            handshake_timeout: self.handshake_timeout,
            shutdown_grace: self.shutdown_grace,
            write_timeout: self.write_timeout,
        })
    }
}

fn in_range(name: &'static str, value: u64, min: u64, max: u64) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::OutOfRange {
            name,
            value,
            min,
            max,
        })
    }
}
// ANCHOR_END: builder

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        let config = ServerBuilder::new().build().unwrap();
        assert_eq!(config.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.queue_capacity, 256);
    }

    #[test]
    fn settings_are_named_and_checked_at_build() {
        let config = ServerBuilder::new()
            .addr("127.0.0.1:0")
            .queue_capacity(8)
            .max_message_bytes(1024)
            .handshake_timeout(Duration::from_secs(1))
            .shutdown_grace(Duration::from_millis(200))
            .build()
            .unwrap();
        assert_eq!((config.queue_capacity, config.max_message_bytes), (8, 1024));
        assert_eq!(config.addr.port(), 0);
    }

    #[test]
    fn bad_settings_are_refused_with_a_reason() {
        let err = ServerBuilder::new().addr("localhost").build().unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"localhost\" is not an address like 127.0.0.1:8080"
        );
        assert_eq!(
            ServerBuilder::new().queue_capacity(0).build(),
            Err(ConfigError::Zero("queue_capacity"))
        );
        let err = ServerBuilder::new()
            .max_message_bytes(10)
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "max_message_bytes must be between 128 and 16777216, not 10"
        );
        assert_eq!(
            ServerBuilder::new()
                .handshake_timeout(Duration::ZERO)
                .build(),
            Err(ConfigError::Zero("handshake_timeout"))
        );
        assert!(
            ServerBuilder::new()
                .shutdown_grace(Duration::from_secs(3600))
                .build()
                .is_err()
        );
    }
}

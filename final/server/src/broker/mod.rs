//! Where room traffic goes beyond this process: nowhere (one instance, the default), or through
//! Redis to every other instance of the server.
//!
//! Final server — book chapter "Scaling out".
//!
//! With [`Broker::Memory`] the [`Hub`](crate::hub::Hub) does everything itself, as it always
//! did. With [`Broker::Redis`], the things that must agree across instances go through Redis
//! first, and the hub only serves this instance's own connections:
//!
//! - **names**: `hello` claims `chat:name:<name>` with `SET NX` and an expiry, refreshed while
//!   the user is connected, so a name is unique across instances and an instance that dies
//!   frees its names within [`NAME_TTL`];
//! - **room messages**: one Lua script, run atomically by Redis, takes the room's next id
//!   (`INCR`), appends the message to the room's capped stream (`XADD … MAXLEN`) and publishes
//!   it (`PUBLISH chat:room:<room>`). Every instance, the sender's included, delivers it when
//!   it comes back from the subscription, so ids reach every client in order;
//! - **history**: `join` reads the stream (`XRANGE`), so `since` works whichever instance a
//!   client lands on;
//! - **presence** is published on the room's channel; **direct messages** to a user on another
//!   instance are published on that instance's channel.
//!
//! Pub/sub is at-most-once: a message published while an instance's subscription is down never
//! reaches it. The stream closes that gap: after a reconnection, each room is read from the
//! stream from the last id this instance delivered.
//!
//! The parts, and the direction of their dependencies: `redis` (the requests) uses `keys` (the
//! data layout and scripts) and `outbox` (what is published in the background); `tasks` (the
//! subscription, the publisher, the renewals) uses all three. `redis` and `tasks` use the
//! [`hub`](crate::hub); the hub uses none of these modules: it reports departures through the
//! [`Departures`](crate::hub::Departures) trait, which [`RedisBroker`] implements.

mod keys;
mod outbox;
mod redis;
mod tasks;

use std::sync::Arc;

pub use self::outbox::OUTBOX_CAPACITY;
pub use self::redis::{BrokerError, NAME_TTL, REDIS_TIMEOUT, RedisBroker};

/// The two implementations: one process, or many through Redis.
#[derive(Debug, Clone, Default)]
pub enum Broker {
    /// One instance: the hub is the whole truth.
    #[default]
    Memory,
    /// Several instances sharing rooms, names and history through Redis.
    Redis(Arc<RedisBroker>),
}

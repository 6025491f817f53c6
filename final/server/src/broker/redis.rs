//! The Redis side of a [`Broker`](super::Broker): the requests of clients that must agree
//! across instances (names, messages, history, members, rooms, direct messages to another
//! instance), each bounded by [`REDIS_TIMEOUT`].
//!
//! Final server — book chapter "Scaling out". The background tasks (the subscription, the
//! outbox's publisher, the renewal of names) are in the sibling module `tasks`; the data
//! layout and the scripts in `keys`.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_util::sync::CancellationToken;

use super::keys::{
    CLAIM_SCRIPT, FORGET_SCRIPT, Owner, PRESENCE_SCRIPT, RELEASE_SCRIPT, ROOMS_KEY, SEND_SCRIPT,
    account_owner, alive_key, alive_key_parts, counter_key, devices_key, instance_channel,
    members_key, name_key, owner, parse_owner, room_channel, stream_id, stream_key,
};
use super::outbox::{Outbox, Outgoing};
use crate::hub::{ConnId, Departures, History, Hub, Peer, Refusal, first_message_id};
use crate::names;
use crate::store::now_ms;
use chat_protocol::{self as protocol, ErrorCode, PresenceEvent, RequestId};

/// How long a name stays claimed in Redis without being refreshed.
pub const NAME_TTL: Duration = Duration::from_secs(30);

/// How long one Redis request may take before the client's request is refused as
/// `unavailable`.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// Why Redis could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The URL is not a Redis URL.
    #[error("bad Redis URL: {0}")]
    Url(redis::RedisError),
    /// Redis did not answer.
    #[error("cannot reach Redis: {0}")]
    Unreachable(String),
}

/// This instance's link to Redis, shared by its connections and its background tasks.
pub struct RedisBroker {
    pub(super) client: redis::Client,
    pub(super) conn: ConnectionManager,
    pub(super) instance: String,
    history: usize,
    pub(super) healthy: AtomicBool,
    /// Told when the first subscription is up.
    pub(super) ready: Notify,
    pub(super) outbox: Outbox,
    /// Stops the background tasks once the outbox is drained at shutdown.
    pub(super) stop: CancellationToken,
    send: Script,
    pub(super) claim: Script,
    pub(super) release: Script,
    forget: Script,
    pub(super) presence: Script,
}

impl std::fmt::Debug for RedisBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBroker")
            .field("instance", &self.instance)
            .field("healthy", &self.is_healthy())
            .finish_non_exhaustive()
    }
}

fn unavailable(what: &str) -> Refusal {
    (
        ErrorCode::Unavailable,
        format!("the server cannot reach its message broker ({what}); try again shortly"),
    )
}

impl RedisBroker {
    /// Connects to Redis at `url`. Rooms keep `history` messages in their stream.
    pub async fn connect(url: &str, history: usize) -> Result<RedisBroker, BrokerError> {
        let client = redis::Client::open(url).map_err(BrokerError::Url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1);
        let conn = tokio::time::timeout(
            REDIS_TIMEOUT,
            client.get_connection_manager_with_config(config),
        )
        .await
        .map_err(|_| BrokerError::Unreachable("no answer".into()))?
        .map_err(|err| BrokerError::Unreachable(err.to_string()))?;
        Ok(RedisBroker {
            client,
            conn,
            instance: format!("{:016x}", RandomState::new().build_hasher().finish()),
            history: history.max(1),
            healthy: AtomicBool::new(false),
            ready: tokio::sync::Notify::new(),
            outbox: Outbox::new(),
            stop: CancellationToken::new(),
            send: Script::new(SEND_SCRIPT),
            claim: Script::new(CLAIM_SCRIPT),
            release: Script::new(RELEASE_SCRIPT),
            forget: Script::new(FORGET_SCRIPT),
            presence: Script::new(PRESENCE_SCRIPT),
        })
    }

    /// This instance's name in Redis (random, new at every start).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Whether the subscription to Redis is up (false: degraded, see the module docs).
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Refuses at once while degraded: without the subscription, this instance would not even
    /// see the result of what it asks.
    /// Also refuses while the outbox is nearly full, so that what cannot be refused (the
    /// leaves of connections that end) always finds room in it.
    fn ready(&self) -> Result<(), Refusal> {
        if !self.is_healthy() {
            Err(unavailable("degraded"))
        } else if self.outbox.nearly_full() {
            Err(unavailable("busy"))
        } else {
            Ok(())
        }
    }

    async fn bounded<T>(
        &self,
        what: &str,
        request: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, Refusal> {
        match tokio::time::timeout(REDIS_TIMEOUT, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => {
                tracing::warn!(%err, what, "redis request failed");
                Err(unavailable(what))
            }
            Err(_) => {
                tracing::warn!(what, "redis request timed out");
                Err(unavailable(what))
            }
        }
    }

    // ANCHOR: hello
    /// `hello`: claims the name in Redis, then in the hub (which queues `welcome`). A signed-in
    /// user (`verified`, with its token's id) may be connected to any number of instances, from
    /// any number of devices; a guest's name is theirs alone.
    pub async fn hello(
        &self,
        hub: &Hub,
        peer: &Peer,
        username: &str,
        id: Option<&RequestId>,
        verified: bool,
        token_id: Option<&str>,
    ) -> Result<Arc<str>, Refusal> {
        if let Some(problem) = names::username_problem(username) {
            return Err((ErrorCode::InvalidUsername, problem));
        }
        let taken = || {
            (
                ErrorCode::UsernameTaken,
                format!("{username:?} is taken; choose another name"),
            )
        };
        if hub.has_user(username) {
            // On this instance, which holds the claim: another device of a signed-in user, or
            // taken (the hub tells which); no need to ask Redis.
            return if verified {
                hub.hello_signed_in(peer, username, id, token_id)
            } else {
                Err(taken())
            };
        }
        self.ready()?;
        let mut conn = self.conn.clone();
        let claimed = self
            .bounded("name", self.claim_name(&mut conn, username, verified))
            .await?;
        if claimed == 0 {
            return Err(taken());
        }
        if claimed == 2 {
            // Already this instance's: a release of it may still wait in the outbox (the last
            // connection with the name just ended). Claimed again behind it, it stays claimed.
            self.outbox.push(Outgoing::Claim {
                name: username.to_owned(),
                signed: verified,
            });
        }
        let greeted = if verified {
            hub.hello_signed_in(peer, username, id, token_id)
        } else {
            hub.hello(peer, username, id)
        };
        greeted.inspect_err(|_| {
            // Only a claim this hello made is given back: a claim this instance already had
            // (2) belongs to a connection that still uses it.
            if claimed == 1 {
                self.outbox.push(Outgoing::Release {
                    name: username.to_owned(),
                });
            }
        })
    }
    // ANCHOR_END: hello

    // ANCHOR: send
    /// `send`: the script gives the message its id, stores and publishes it; it reaches this
    /// instance's members, the sender included, from the subscription, like everyone else's.
    pub async fn send(
        &self,
        hub: &Hub,
        conn: ConnId,
        room: &str,
        text: &str,
    ) -> Result<(), Refusal> {
        let name = hub.member_name(conn, room)?;
        self.ready()?;
        let (before, after) = protocol::encode_message_parts(
            room,
            &name,
            text,
            &protocol::timestamp(),
            hub.is_verified(conn),
        );
        let mut redis = self.conn.clone();
        let mut send = self.send.key(counter_key(room));
        send.key(stream_key(room))
            .arg(first_message_id())
            .arg(self.history)
            .arg(room_channel(room))
            .arg(before)
            .arg(after)
            .arg(now_ms());
        let _id: String = self.bounded("send", send.invoke_async(&mut redis)).await?;
        Ok(())
    }
    // ANCHOR_END: send

    /// Reads a room's history after `since`, or its last messages.
    pub async fn history(&self, room: &str, since: Option<u64>) -> Result<History, Refusal> {
        let mut redis = self.conn.clone();
        let key = stream_key(room);
        // One round trip, and one snapshot (MULTI/EXEC): the messages wanted, the oldest one
        // held, and the room's counter.
        let mut pipe = redis::pipe();
        pipe.atomic();
        match since {
            Some(since) => pipe
                .cmd("XRANGE")
                .arg(&key)
                .arg(format!("{}-0", since.saturating_add(1)))
                .arg("+"),
            None => pipe.cmd("XREVRANGE").arg(&key).arg("+").arg("-"),
        };
        pipe.arg("COUNT").arg(self.history);
        pipe.cmd("XRANGE")
            .arg(&key)
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(1);
        pipe.get(counter_key(room));
        type Entries = Vec<(String, Vec<(String, String)>)>;
        let (mut entries, first, next): (Entries, Entries, Option<u64>) = self
            .bounded("history", pipe.query_async(&mut redis))
            .await?;
        if since.is_none() {
            entries.reverse(); // XREVRANGE gave the newest first
        }
        let messages: Vec<(u64, Utf8Bytes)> = entries
            .into_iter()
            .filter_map(|(id, fields)| {
                let id = stream_id(&id)?;
                let frame = fields.into_iter().find(|(f, _)| f == "f")?.1;
                Some((id, Utf8Bytes::from(frame)))
            })
            .collect();
        // Without the counter, Redis has no record of the room at all: a new room, or data
        // Redis lost. Either way it cannot vouch for anything, so the oldest is "after all".
        let oldest = first
            .first()
            .and_then(|(id, _)| stream_id(id))
            .unwrap_or_else(|| next.map_or(u64::MAX, |n| n + 1));
        Ok(History { messages, oldest })
    }

    // ANCHOR: join
    /// `join`: the history comes from Redis, then the hub adds the member, queues `joined`,
    /// tells this instance's members; the other instances hear of it from the room's channel.
    pub async fn join(
        &self,
        hub: &Hub,
        conn: ConnId,
        room: &str,
        since: Option<u64>,
        id: Option<&RequestId>,
    ) -> Result<(), Refusal> {
        hub.check_join(conn, room)?;
        self.ready()?;
        let history = self.history(room, since).await?;
        let members = self.members(room).await?;
        let (name, arriving, signed) =
            hub.join_with_history(conn, room, since, history, Some(members), id)?;
        // Listed in the room's members and announced by the outbox, in order with this
        // instance's other presence: a leave and a quick rejoin reach Redis in that order. A
        // signed-in user's second device here arrives nowhere new.
        if arriving {
            self.publish_presence(room, &name, PresenceEvent::Join, signed);
        }
        Ok(())
    }
    // ANCHOR_END: join

    /// A room's members on every live instance. Entries whose instances all died (their
    /// `alive` keys expired) are left out, and removed.
    pub async fn members(&self, room: &str) -> Result<Vec<String>, Refusal> {
        let mut redis = self.conn.clone();
        // name → the instances it is in the room from, separated by spaces
        let all: Vec<(String, String)> = self
            .bounded("members", redis.hgetall(members_key(room)))
            .await?;
        let mut instances: Vec<&str> = all
            .iter()
            .flat_map(|(_, list)| list.split_whitespace())
            .filter(|instance| *instance != self.instance)
            .collect();
        instances.sort_unstable();
        instances.dedup();
        let mut alive = vec![self.instance.clone()];
        for instance in instances {
            let up: bool = self
                .bounded("members", redis.exists(alive_key(instance)))
                .await?;
            if up {
                alive.push(instance.to_owned());
            }
        }
        let (members, gone): (Vec<_>, Vec<_>) = all.into_iter().partition(|(_, list)| {
            list.split_whitespace()
                .any(|instance| alive.iter().any(|up| up == instance))
        });
        for (name, list) in gone {
            // Only if unchanged: the user may have joined again since.
            let mut forget = self.forget.key(members_key(room));
            forget.arg(&name).arg(&list);
            let _: redis::RedisResult<i64> = forget.invoke_async(&mut redis).await;
        }
        Ok(members.into_iter().map(|(name, _)| name).collect())
    }

    /// `rooms`: every room with members on any instance.
    pub async fn rooms(&self) -> Result<Vec<protocol::RoomInfo>, Refusal> {
        self.ready()?;
        let mut redis = self.conn.clone();
        let mut names: Vec<String> = self.bounded("rooms", redis.smembers(ROOMS_KEY)).await?;
        names.sort_unstable();
        let mut rooms = Vec::new();
        for name in names {
            let members = self.members(&name).await?.len();
            if members > 0 {
                rooms.push(protocol::RoomInfo { name, members });
            }
        }
        Ok(rooms)
    }

    /// Tells the other instances that `name` (`signed`: a signed-in user) joined or left `room`.
    fn publish_presence(&self, room: &str, name: &str, event: PresenceEvent, signed: bool) {
        self.outbox.push(Outgoing::Presence {
            room: room.to_owned(),
            name: name.to_owned(),
            event,
            signed,
        });
    }

    /// A token was signed out here: every instance closes the connections that use it.
    pub fn sign_out(&self, token_id: &str) {
        self.outbox.push(Outgoing::SignOut {
            token_id: token_id.to_owned(),
        });
    }

    // ANCHOR: direct
    /// `direct`: to the recipient's connections, here through the hub and on other instances
    /// through their channels; a signed-in sender's devices on other instances get a copy the
    /// same way.
    pub async fn direct(
        &self,
        hub: &Hub,
        conn: ConnId,
        to: &str,
        text: &str,
        id: Option<&RequestId>,
    ) -> Result<(), Refusal> {
        let here = hub.holder_of(to);
        let signed = hub.is_verified(conn);
        if here == Some(false) && !signed {
            return hub.direct(conn, to, text, id).map(|_| ()); // two guests of this instance
        }
        self.ready()?;
        let nobody = || {
            (
                ErrorCode::UnknownUser,
                format!("nobody called {to:?} is connected"),
            )
        };
        let mut redis = self.conn.clone();
        let (to, mut recipients) = match self.whereabouts(&mut redis, to).await? {
            Some(found) => found,
            None if here.is_some() => (to.to_owned(), Vec::new()),
            None => return Err(nobody()),
        };
        recipients.retain(|instance| *instance != self.instance);
        let from = hub.user_name(conn)?;
        let mut copies = Vec::new();
        if signed {
            if let Some((_, instances)) = self.whereabouts(&mut redis, &from).await? {
                copies = instances;
            }
            copies.retain(|instance| *instance != self.instance && !recipients.contains(instance));
        }
        if here.is_none() {
            // Nobody here: the recipient's instances first; if none takes it, nothing happened.
            let stamp = protocol::timestamp();
            let frame = protocol::encode_direct(None, &from, &to, text, &stamp, signed);
            if self.publish_direct(&mut redis, &recipients, &frame).await? == 0 {
                return Err(nobody()); // those instances are gone (their claims not expired yet)
            }
            hub.direct_copy(conn, &to, text, &stamp, id)?;
            self.publish_copies(&mut redis, &copies, &frame).await;
            return Ok(());
        }
        // Delivered here first; from then on, the message was sent: what the other instances
        // could not be told is logged, not refused (a refusal would have the client send it
        // again, to the ones who already have it).
        let frame = hub.direct(conn, &to, text, id)?;
        let others: Vec<String> = recipients.into_iter().chain(copies).collect();
        self.publish_copies(&mut redis, &others, &frame).await;
        Ok(())
    }

    /// Publishes a direct message that was already delivered somewhere to `instances`, logging
    /// what fails.
    async fn publish_copies(
        &self,
        redis: &mut ConnectionManager,
        instances: &[String],
        frame: &str,
    ) {
        if let Err((_, why)) = self.publish_direct(redis, instances, frame).await {
            tracing::warn!(%why, "a direct message did not reach every instance");
        }
    }
    // ANCHOR_END: direct

    /// Publishes a direct message's `frame` on each of `instances`' channels: how many
    /// subscribers received it (0: none of those instances is listening).
    async fn publish_direct(
        &self,
        redis: &mut ConnectionManager,
        instances: &[String],
        frame: &str,
    ) -> Result<i64, Refusal> {
        let mut received = 0;
        for instance in instances {
            let receivers: i64 = self
                .bounded("direct", redis.publish(instance_channel(instance), frame))
                .await?;
            received += receivers;
        }
        Ok(received)
    }

    /// Who has the name `name` in Redis, and on which instances: the name as its user wrote it
    /// and the instances (one for a guest); `None` when nobody has it.
    async fn whereabouts(
        &self,
        redis: &mut ConnectionManager,
        name: &str,
    ) -> Result<Option<(String, Vec<String>)>, Refusal> {
        let (value, devices): (Option<String>, Vec<String>) = self
            .bounded(
                "direct",
                redis::pipe()
                    .get(name_key(name))
                    .smembers(devices_key(name))
                    .query_async(redis),
            )
            .await?;
        Ok(match value.as_deref().and_then(parse_owner) {
            Some(Owner::Guest(instance, name)) => {
                Some((name.to_owned(), vec![instance.to_owned()]))
            }
            Some(Owner::Account(name)) => Some((name.to_owned(), devices)),
            None => None,
        })
    }

    /// Runs the claim script for `name` (`signed`: a signed-in user's): 1 newly claimed,
    /// 2 already this instance's, 0 taken.
    pub(super) async fn claim_name(
        &self,
        redis: &mut ConnectionManager,
        name: &str,
        signed: bool,
    ) -> redis::RedisResult<i64> {
        self.claim_invocation(name, signed)
            .invoke_async(redis)
            .await
    }

    /// The claim script for `name` (see [`RedisBroker::claim_name`]), ready to run or to put in
    /// a pipeline.
    pub(super) fn claim_invocation(&self, name: &str, signed: bool) -> redis::ScriptInvocation<'_> {
        let (alive_prefix, alive_suffix) = alive_key_parts();
        let mut claim = self.claim.key(name_key(name));
        claim.key(devices_key(name));
        if signed {
            claim
                .arg(account_owner(name))
                .arg(NAME_TTL.as_secs())
                .arg(&self.instance);
        } else {
            claim
                .arg(owner(&self.instance, name))
                .arg(NAME_TTL.as_secs())
                .arg("");
        }
        claim.arg(alive_prefix).arg(alive_suffix);
        claim
    }
}

/// The hub tells Redis (through the outbox, in order) who left, so other instances' member
/// lists and presence follow.
impl Departures for RedisBroker {
    fn left(&self, room: &str, name: &str, signed: bool) {
        self.publish_presence(room, name, PresenceEvent::Leave, signed);
    }

    /// The connection is gone: its name is freed (here) and its rooms told.
    fn gone(&self, name: &str, rooms: &[String], signed: bool) {
        for room in rooms {
            self.publish_presence(room, name, PresenceEvent::Leave, signed);
        }
        self.outbox.push(Outgoing::Release {
            name: name.to_owned(),
        });
    }
}

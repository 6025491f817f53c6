//! Where room traffic goes beyond this process: nowhere (one instance, the default), or through
//! Redis to every other instance of the server.
//!
//! Final server — book chapter "Scaling out".
//!
//! With [`Broker::Memory`] the [`Hub`] does everything itself, as it always did. With
//! [`Broker::Redis`], the things that must agree across instances go through Redis first, and
//! the hub only serves this instance's own connections:
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

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::hub::{ConnId, Hub, Peer, Refusal};
use crate::names;
use crate::protocol::{self, ErrorCode, PresenceEvent, RequestId};
use crate::stats::Stats;
use stage4_architecture::backoff::{Backoff, random_u64};
use tokio_util::sync::CancellationToken;

/// How long a name stays claimed in Redis without being refreshed.
pub const NAME_TTL: Duration = Duration::from_secs(30);

/// Most items waiting in the outbox (presence and names to publish): memory for them is
/// bounded even while Redis is away.
pub const OUTBOX_CAPACITY: usize = 65_536;

/// Requests that would add to the outbox are refused when fewer slots than this are free.
const OUTBOX_HEADROOM: usize = 4_096;

/// How often the subscription is pinged, to notice a connection that died without a word.
const PING_EVERY: Duration = Duration::from_secs(5);

/// How long one Redis request may take before the client's request is refused as
/// `unavailable`.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// The two implementations: one process, or many through Redis.
#[derive(Debug, Clone, Default)]
pub enum Broker {
    /// One instance: the hub is the whole truth.
    #[default]
    Memory,
    /// Several instances sharing rooms, names and history through Redis.
    Redis(Arc<RedisBroker>),
}

/// The Redis side of a [`Broker`].
pub struct RedisBroker {
    client: redis::Client,
    conn: ConnectionManager,
    instance: String,
    history: usize,
    healthy: AtomicBool,
    /// Told when the first subscription is up.
    ready: tokio::sync::Notify,
    outbox: mpsc::Sender<Outgoing>,
    /// Items in the outbox not yet published, and a wake-up when it is empty (for shutdown).
    pending: std::sync::atomic::AtomicUsize,
    drained: tokio::sync::Notify,
    /// Stops the background tasks once the outbox is drained at shutdown.
    stop: tokio_util::sync::CancellationToken,
    outbox_rx: std::sync::Mutex<Option<mpsc::Receiver<Outgoing>>>,
    send: Script,
    claim: Script,
    release: Script,
    forget: Script,
}

impl std::fmt::Debug for RedisBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBroker")
            .field("instance", &self.instance)
            .field("healthy", &self.is_healthy())
            .finish_non_exhaustive()
    }
}

/// What is published without the client waiting for it, in order.
#[derive(Debug)]
enum Outgoing {
    /// A presence frame for a room's other instances, with the member added to (join) or
    /// removed from (leave) the room's member list first.
    Presence {
        room: String,
        name: String,
        event: PresenceEvent,
    },
    /// A name this instance no longer uses.
    Release { name: String },
}

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

// ANCHOR: send_script
/// Gives a room message its id, keeps it in the room's stream and publishes it: atomically, so
/// the order of ids, of the stream and of the publications is one order.
/// KEYS: the room's counter, the room's stream. ARGV: the first id for a new room, the stream's
/// length, the channel, the frame's text before the id and after it.
const SEND_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
local id = string.format('%d', redis.call('INCR', KEYS[1]))
local frame = ARGV[4] .. id .. ARGV[5]
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], id .. '-1', 'f', frame)
redis.call('PUBLISH', ARGV[3], '-\n' .. frame)
return id
";
// ANCHOR_END: send_script

/// Claims a name for this instance, or renews its claim. KEYS: the name's key. ARGV: the
/// owner (`<instance> <name as written>`), the expiry in seconds. Returns 1 when the name was
/// free and is now claimed, 2 when this owner already had it, 0 when someone else has it.
const CLAIM_SCRIPT: &str = r"
local owner = redis.call('GET', KEYS[1])
if owner == false or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  if owner == false then return 1 end
  return 2
end
return 0
";

/// Frees a name, if this owner holds it. KEYS: the name's key. ARGV: the owner.
const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Removes a member from a room's list, if this instance added it. KEYS: the room's members.
/// ARGV: the name, the instance.
const FORGET_SCRIPT: &str = r"
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
";

/// The set of every room's name.
const ROOMS_KEY: &str = "chat:rooms";

fn name_key(name: &str) -> String {
    format!("chat:name:{}", names::username_key(name))
}

fn counter_key(room: &str) -> String {
    format!("chat:room:{room}:next")
}

fn stream_key(room: &str) -> String {
    format!("chat:room:{room}:log")
}

fn members_key(room: &str) -> String {
    format!("chat:room:{room}:members")
}

fn alive_key(instance: &str) -> String {
    format!("chat:instance:{instance}:alive")
}

fn room_channel(room: &str) -> String {
    format!("chat:room:{room}")
}

fn instance_channel(instance: &str) -> String {
    format!("chat:instance:{instance}")
}

/// Where a new room's ids start, as in the hub: the clock, in microseconds.
fn first_id() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| u64::try_from(d.as_micros()).unwrap_or(1))
}

/// The value of a name's key: which instance has it, and the name as its user wrote it.
fn owner(instance: &str, name: &str) -> String {
    format!("{instance} {name}")
}

fn unavailable(what: &str) -> Refusal {
    (
        ErrorCode::Unavailable,
        format!("the server cannot reach its message broker ({what}); try again shortly"),
    )
}

/// A room's history as read from Redis.
#[derive(Debug, Default)]
pub struct History {
    /// Messages after `since` (or the last ones), oldest first: (id, encoded frame).
    pub messages: Vec<(u64, Utf8Bytes)>,
    /// The oldest id Redis still holds for the room: the next id when it holds none, and
    /// `u64::MAX` when it has no record of the room (a new room, or lost data).
    pub oldest: u64,
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
        let (outbox, outbox_rx) = mpsc::channel(OUTBOX_CAPACITY);
        Ok(RedisBroker {
            client,
            conn,
            instance: format!("{:016x}", RandomState::new().build_hasher().finish()),
            history: history.max(1),
            healthy: AtomicBool::new(false),
            ready: tokio::sync::Notify::new(),
            outbox,
            pending: std::sync::atomic::AtomicUsize::new(0),
            drained: tokio::sync::Notify::new(),
            stop: tokio_util::sync::CancellationToken::new(),
            outbox_rx: std::sync::Mutex::new(Some(outbox_rx)),
            send: Script::new(SEND_SCRIPT),
            claim: Script::new(CLAIM_SCRIPT),
            release: Script::new(RELEASE_SCRIPT),
            forget: Script::new(FORGET_SCRIPT),
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
        } else if self.outbox.capacity() < OUTBOX_HEADROOM {
            Err(unavailable("busy"))
        } else {
            Ok(())
        }
    }

    /// Queues an item for the outbox task (bounded: see [`OUTBOX_CAPACITY`]).
    fn enqueue(&self, item: Outgoing) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        if let Err(err) = self.outbox.try_send(item) {
            self.pending.fetch_sub(1, Ordering::SeqCst);
            // Only if connections end by the tens of thousands while Redis is away: a member
            // stays listed until this instance restarts, a name until its claim expires.
            tracing::warn!(%err, "redis outbox full: an item was dropped");
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
    /// `hello`: claims the name in Redis, then in the hub (which queues `welcome`).
    pub async fn hello(
        &self,
        hub: &Hub,
        peer: &Peer,
        username: &str,
        id: Option<&RequestId>,
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
            return Err(taken()); // on this instance: no need to ask Redis
        }
        self.ready()?;
        let mut conn = self.conn.clone();
        let claimed = self
            .bounded("name", self.claim_name(&mut conn, username))
            .await?;
        if claimed == 0 {
            return Err(taken());
        }
        hub.hello(peer, username, id).inspect_err(|_| {
            // Only a claim this hello made is given back: a claim this instance already had
            // (2) belongs to a connection that still uses it.
            if claimed == 1 {
                self.enqueue(Outgoing::Release {
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
        let (before, after) =
            protocol::encode_message_parts(room, &name, text, &protocol::timestamp());
        let mut redis = self.conn.clone();
        let mut send = self.send.key(counter_key(room));
        send.key(stream_key(room))
            .arg(first_id())
            .arg(self.history)
            .arg(room_channel(room))
            .arg(before)
            .arg(after);
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
        let name = hub.join_with_history(conn, room, since, history, Some(members), id)?;
        // Listed in the room's members and announced by the outbox, in order with this
        // instance's other presence: a leave and a quick rejoin reach Redis in that order.
        self.publish_presence(room, &name, PresenceEvent::Join);
        Ok(())
    }
    // ANCHOR_END: join

    /// A room's members on every live instance. Entries left by an instance that died (its
    /// `alive` key expired) are left out, and removed.
    pub async fn members(&self, room: &str) -> Result<Vec<String>, Refusal> {
        let mut redis = self.conn.clone();
        let all: Vec<(String, String)> = self
            .bounded("members", redis.hgetall(members_key(room)))
            .await?;
        let mut instances: Vec<&str> = all.iter().map(|(_, instance)| instance.as_str()).collect();
        instances.sort_unstable();
        instances.dedup();
        let mut dead = Vec::new();
        for instance in instances {
            if instance == self.instance {
                continue;
            }
            let alive: bool = self
                .bounded("members", redis.exists(alive_key(instance)))
                .await?;
            if !alive {
                dead.push(instance.to_owned());
            }
        }
        let (gone, members): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|(_, instance)| dead.contains(instance));
        for (name, instance) in gone {
            // Only if still the dead instance's: the user may have joined again elsewhere.
            let mut forget = self.forget.key(members_key(room));
            forget.arg(&name).arg(&instance);
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

    /// Tells the other instances that `name` joined or left `room`.
    pub fn publish_presence(&self, room: &str, name: &str, event: PresenceEvent) {
        self.enqueue(Outgoing::Presence {
            room: room.to_owned(),
            name: name.to_owned(),
            event,
        });
    }

    /// The connection is gone: its name is freed and its rooms told.
    pub fn gone(&self, name: &str, rooms: &[String]) {
        for room in rooms {
            self.publish_presence(room, name, PresenceEvent::Leave);
        }
        self.enqueue(Outgoing::Release {
            name: name.to_owned(),
        });
    }

    /// `direct`: to a user of this instance through the hub, to one of another instance
    /// through that instance's channel.
    pub async fn direct(
        &self,
        hub: &Hub,
        conn: ConnId,
        to: &str,
        text: &str,
        id: Option<&RequestId>,
    ) -> Result<(), Refusal> {
        if hub.has_user(to) {
            return hub.direct(conn, to, text, id);
        }
        self.ready()?;
        let nobody = || {
            (
                ErrorCode::UnknownUser,
                format!("nobody called {to:?} is connected"),
            )
        };
        let mut redis = self.conn.clone();
        let owner: Option<String> = self.bounded("direct", redis.get(name_key(to))).await?;
        // The owner is `<instance> <name as its user wrote it>`.
        let Some((instance, to)) = owner.as_deref().and_then(|o| o.split_once(' ')) else {
            return Err(nobody());
        };
        let from = hub.user_name(conn)?;
        let stamp = protocol::timestamp();
        let frame = protocol::encode_direct(None, &from, to, text, &stamp);
        let receivers: i64 = self
            .bounded(
                "direct",
                redis.publish(instance_channel(instance), frame.as_str()),
            )
            .await?;
        if receivers == 0 {
            return Err(nobody()); // that instance is gone (its claims not expired yet)
        }
        hub.direct_copy(conn, to, text, &stamp, id)
    }

    /// One item of the outbox, to Redis.
    async fn publish(
        &self,
        redis: &mut ConnectionManager,
        item: &Outgoing,
    ) -> redis::RedisResult<()> {
        match item {
            Outgoing::Presence { room, name, event } => {
                if *event == PresenceEvent::Leave {
                    let mut forget = self.forget.key(members_key(room));
                    forget.arg(name).arg(&self.instance);
                    let _: i64 = forget.invoke_async(redis).await?;
                } else {
                    let _: () = redis::pipe()
                        .hset(members_key(room), name, &self.instance)
                        .ignore()
                        .sadd(ROOMS_KEY, room)
                        .ignore()
                        .query_async(redis)
                        .await?;
                }
                let frame = protocol::encode_presence(room, name, *event);
                let payload = format!("{}\n{}", self.instance, frame.as_str());
                let _: i64 = redis.publish(room_channel(room), payload).await?;
            }
            Outgoing::Release { name } => {
                let mut release = self.release.key(name_key(name));
                release.arg(owner(&self.instance, name));
                let _: i64 = release.invoke_async(redis).await?;
            }
        }
        Ok(())
    }

    /// Publishes what waits in the outbox, in order, until [`RedisBroker::finish`].
    async fn publish_outbox(self: Arc<Self>) {
        let Some(mut outbox) = self
            .outbox_rx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        else {
            return;
        };
        let mut redis = self.conn.clone();
        loop {
            let item = tokio::select! {
                () = self.stop.cancelled() => return,
                next = outbox.recv() => match next {
                    Some(item) => item,
                    None => return,
                },
            };
            // In order, and again after a failure (Redis away), until it is done: a leave that
            // never reached Redis would leave a member listed for good.
            let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
            while let Err(err) = self.publish(&mut redis, &item).await {
                tracing::warn!(%err, ?item, "not published yet; trying again");
                tokio::select! {
                    () = self.stop.cancelled() => return,
                    () = tokio::time::sleep(backoff.next_delay(random_u64())) => {}
                }
            }
            if self.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
                self.drained.notify_waiters();
            }
        }
    }

    /// Every 10 s: this instance is alive, and its users' names are still theirs.
    async fn renew(self: Arc<Self>, hub: Arc<Hub>) {
        let mut redis = self.conn.clone();
        let mut tick = tokio::time::interval(NAME_TTL / 3);
        loop {
            tokio::select! {
                () = self.stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            let alive: redis::RedisResult<()> = redis
                .set_ex(alive_key(&self.instance), 1, NAME_TTL.as_secs())
                .await;
            if let Err(err) = alive {
                tracing::warn!(%err, "instance not marked alive");
                continue;
            }
            if let Err(err) = self.claim_local_names(&mut redis, &hub).await {
                tracing::warn!(%err, "names not renewed");
            }
        }
    }

    /// Runs the claim script for `name`: 1 newly claimed, 2 already this instance's, 0 taken.
    async fn claim_name(
        &self,
        redis: &mut ConnectionManager,
        name: &str,
    ) -> redis::RedisResult<i64> {
        let mut claim = self.claim.key(name_key(name));
        claim
            .arg(owner(&self.instance, name))
            .arg(NAME_TTL.as_secs());
        claim.invoke_async(redis).await
    }

    /// Claims again the names of this instance's users (renewing their expiry); stops at the
    /// first Redis error.
    async fn claim_local_names(
        &self,
        redis: &mut ConnectionManager,
        hub: &Hub,
    ) -> redis::RedisResult<()> {
        for name in hub.local_names() {
            if self.claim_name(redis, &name).await? == 0 {
                tracing::warn!(%name, "another instance took this name while Redis was away");
            }
        }
        Ok(())
    }

    // ANCHOR: listen
    /// Receives what other instances (and this one) publish, and hands it to the hub. Each
    /// (re)subscription first tells Redis again who is here (Redis may have restarted empty),
    /// then reads each room's stream from the last id this instance delivered or vouched for.
    /// A ping every few seconds notices a subscription that died without a word.
    async fn listen(
        self: Arc<Self>,
        hub: Arc<Hub>,
        stats: Arc<Stats>,
        shutdown: CancellationToken,
    ) {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        loop {
            let subscribed = async {
                let mut pubsub = self.client.get_async_pubsub().await?;
                pubsub.psubscribe("chat:room:*").await?;
                pubsub.subscribe(instance_channel(&self.instance)).await?;
                self.restore(&hub).await?;
                redis::RedisResult::Ok(pubsub)
            };
            let pubsub = tokio::select! {
                () = shutdown.cancelled() => return,
                result = tokio::time::timeout(REDIS_TIMEOUT, subscribed) => match result {
                    Ok(Ok(pubsub)) => pubsub,
                    failed => {
                        let why = match failed {
                            Ok(Err(err)) => err.to_string(),
                            _ => "no answer".to_owned(),
                        };
                        self.degraded(&stats, &why);
                        tokio::select! {
                            () = shutdown.cancelled() => return,
                            () = tokio::time::sleep(backoff.next_delay(random_u64())) => continue,
                        }
                    }
                },
            };
            self.catch_up(&hub, &stats).await;
            backoff.reset();
            self.healthy.store(true, Ordering::Relaxed);
            stats.broker_up(true);
            stats.subscribed();
            self.ready.notify_waiters();
            tracing::info!("subscribed to redis");
            let (mut sink, mut messages) = pubsub.split();
            let mut ping =
                tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    message = messages.next() => {
                        let Some(message) = message else { break };
                        let channel = message.get_channel_name().to_owned();
                        if let Ok(payload) = message.get_payload::<String>() {
                            self.deliver(&hub, &channel, &payload);
                        }
                    }
                    _ = ping.tick() => {
                        let pong = tokio::time::timeout(REDIS_TIMEOUT, sink.ping::<redis::Value>()).await;
                        if !matches!(pong, Ok(Ok(_))) {
                            break;
                        }
                    }
                }
            }
            self.degraded(&stats, "subscription lost");
        }
    }
    // ANCHOR_END: listen

    /// Tells Redis again that this instance is alive and who its members are, and renews its
    /// users' names: after a restart without data, Redis knows none of it.
    async fn restore(&self, hub: &Hub) -> redis::RedisResult<()> {
        let mut redis = self.conn.clone();
        let mut pipe = redis::pipe();
        pipe.set_ex(alive_key(&self.instance), 1, NAME_TTL.as_secs())
            .ignore();
        for (room, names) in hub.local_members() {
            for name in names {
                pipe.hset(members_key(&room), name, &self.instance).ignore();
            }
            pipe.sadd(ROOMS_KEY, &room).ignore();
        }
        let () = pipe.query_async(&mut redis).await?;
        self.claim_local_names(&mut redis, hub).await
    }

    fn degraded(&self, stats: &Stats, why: &str) {
        stats.broker_up(false);
        if self.healthy.swap(false, Ordering::Relaxed) {
            tracing::warn!(why, "redis unreachable: degraded");
        }
    }

    /// One publication: a room's message or presence, or a direct message for this instance.
    fn deliver(&self, hub: &Hub, channel: &str, payload: &str) {
        if let Some(room) = channel.strip_prefix("chat:room:") {
            let Some((origin, frame)) = payload.split_once('\n') else {
                return;
            };
            if origin == self.instance {
                return; // presence this instance already told its own members
            }
            let frame = Utf8Bytes::from(frame);
            match message_id(&frame) {
                Some(id) => hub.deliver_room_message(room, id, frame),
                None => hub.deliver_room_event(room, frame),
            }
        } else if channel == instance_channel(&self.instance) {
            hub.deliver_direct(Utf8Bytes::from(payload));
        }
    }

    /// After a (re)subscription: every room this instance serves, from the stream, after the
    /// last id delivered (or given in a `joined`) here. What the stream no longer holds, the
    /// members are told they missed.
    async fn catch_up(&self, hub: &Hub, stats: &Stats) {
        for (room, last) in hub.rooms_with_members() {
            if last == 0 {
                continue; // nothing delivered or vouched for here yet: nothing to miss
            }
            match self.history(&room, Some(last)).await {
                Ok(history) => {
                    if last.saturating_add(1) < history.oldest {
                        // Redis no longer holds (or never held: it lost its data) what came
                        // after `last`: say so, rather than skip it silently.
                        let resumed = if history.oldest == u64::MAX {
                            0
                        } else {
                            history.oldest
                        };
                        stats.gap();
                        hub.deliver_room_event(&room, protocol::encode_gap(&room, last, resumed));
                    }
                    for (id, frame) in history.messages {
                        hub.deliver_room_message(&room, id, frame);
                    }
                }
                Err(_) => {
                    stats.gap();
                    hub.deliver_room_event(&room, protocol::encode_gap(&room, last, 0));
                }
            }
        }
    }

    /// Starts the tasks that publish the outbox, renew the names and listen to Redis, and
    /// waits (at most [`REDIS_TIMEOUT`]) for the first subscription.
    pub async fn start(
        self: &Arc<Self>,
        hub: Arc<Hub>,
        stats: Arc<Stats>,
        shutdown: CancellationToken,
    ) {
        stats.broker_up(false);
        let ready = self.ready.notified();
        tokio::spawn(Arc::clone(self).publish_outbox());
        tokio::spawn(Arc::clone(self).renew(Arc::clone(&hub)));
        tokio::spawn(Arc::clone(self).listen(hub, stats, shutdown));
        let _ = tokio::time::timeout(REDIS_TIMEOUT, ready).await;
    }

    /// At shutdown, once the connections are closed: publishes what is left in the outbox
    /// (their leaves and names), says this instance is gone, and stops the background tasks.
    /// Bounded by `limit`.
    pub async fn finish(&self, limit: Duration) {
        let drained = async {
            loop {
                let empty = self.drained.notified();
                if self.pending.load(Ordering::SeqCst) == 0 {
                    break;
                }
                empty.await;
            }
            let mut redis = self.conn.clone();
            let _: redis::RedisResult<i64> = redis.del(alive_key(&self.instance)).await;
        };
        if tokio::time::timeout(limit, drained).await.is_err() {
            tracing::warn!("redis: not every leave was published before shutdown");
        }
        self.stop.cancel();
    }
}

/// The id of a `message` frame (stream entry ids are `<id>-1`).
fn stream_id(entry: &str) -> Option<u64> {
    entry.split_once('-')?.0.parse().ok()
}

/// The `id` of a `message` frame; `None` for any other frame.
fn message_id(frame: &str) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct Head<'a> {
        #[serde(rename = "type", borrow)]
        kind: &'a str,
        id: Option<u64>,
    }
    let head: Head<'_> = serde_json::from_str(frame).ok()?;
    (head.kind == "message").then_some(head.id).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_read_from_message_frames_only() {
        let frame = protocol::encode_message("r", 42, "ann", "hi", "2026-01-01T00:00:00.000Z");
        assert_eq!(message_id(&frame), Some(42));
        let presence = protocol::encode_presence("r", "ann", PresenceEvent::Join);
        assert_eq!(message_id(&presence), None);
        assert_eq!(stream_id("17-1"), Some(17));
    }
}

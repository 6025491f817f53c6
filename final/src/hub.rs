//! The shared state: who is connected, which rooms exist, what each room remembers, and the
//! fan-out of a message to every member.
//!
//! Final server — book chapter "The final server", sections "Shared state" and "Fan-out".
//!
//! Stage 2's registry (`Arc<Mutex<HashMap<…>>>`, `try_send` under a short lock) grown up: one
//! mutex guards users and rooms together, and every reply whose *order* matters is queued while
//! that lock is held. That one rule gives the protocol its guarantees without any other
//! synchronisation:
//! - a `joined` reply is queued before any message that follows the join, and its history ends
//!   exactly where live messages begin (no gap, no duplicate: what `since` relies on);
//! - every member of a room receives its messages in id order;
//! - `welcome` is queued before any direct message to the new name.
//!
//! Nothing inside the lock waits: queues are bounded and written with `try_send`. A full queue
//! means its client is not reading; the client is *kicked* (closed with 4008 by its own task)
//! instead of slowing anyone else down. A message is encoded to JSON once, and every queue gets
//! a clone of the same reference-counted bytes (stage 5's "serialise once").

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_util::sync::CancellationToken;

use crate::broker::{Broker, History};
use crate::config::Config;
use crate::names;
use crate::protocol::{self, CloseCode, ErrorCode, PresenceEvent, RequestId, RoomInfo};
use crate::stats::Stats;

/// A connection's number, unique for the life of the server.
pub type ConnId = u64;

/// Why the hub turned a request down: the error code and a sentence for the user.
pub type Refusal = (ErrorCode, String);

// ANCHOR: peer
/// How the rest of the server reaches one connection: its bounded queue of encoded frames, and a
/// way to ask its task to close it.
#[derive(Debug, Clone)]
pub struct Peer {
    id: ConnId,
    queue: mpsc::Sender<Utf8Bytes>,
    signals: Arc<Signals>,
}

#[derive(Debug, Default)]
struct Signals {
    /// Cancelled when the connection is kicked.
    kick: CancellationToken,
    /// Why it was kicked; the first reason given wins.
    code: OnceLock<CloseCode>,
    /// Notified when a frame leaves the queue more than half full, so that a task holding its
    /// writes back (coalescing) drains the queue before it fills.
    half_full: Notify,
}

impl Peer {
    /// A new peer with a queue of `capacity` frames, and the receiving end for its task.
    pub fn new(id: ConnId, capacity: usize) -> (Peer, mpsc::Receiver<Utf8Bytes>) {
        let (queue, receiver) = mpsc::channel(capacity);
        let peer = Peer {
            id,
            queue,
            signals: Arc::default(),
        };
        (peer, receiver)
    }

    /// This connection's number.
    pub fn id(&self) -> ConnId {
        self.id
    }

    /// Queues a frame without waiting. A full queue kicks the connection as too slow.
    /// Returns whether the frame was queued.
    pub fn deliver(&self, frame: Utf8Bytes) -> bool {
        match self.queue.try_send(frame) {
            Ok(()) => {
                if self.queue.capacity() * 2 < self.queue.max_capacity() {
                    self.signals.half_full.notify_one();
                }
                true
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.kick(CloseCode::TooSlow);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Asks the connection's task to close with `code`. The first reason given wins.
    pub fn kick(&self, code: CloseCode) {
        if self.signals.code.set(code).is_ok() {
            self.signals.kick.cancel();
        }
    }

    /// Completes once the connection was kicked; then [`Peer::kick_code`] says why.
    pub fn kicked(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.signals.kick.cancelled()
    }

    /// Completes once a frame was queued while the queue was more than half full (or at once,
    /// if that happened since the last call).
    pub fn half_full(&self) -> tokio::sync::futures::Notified<'_> {
        self.signals.half_full.notified()
    }

    /// Why the connection was kicked, if it was.
    pub fn kick_code(&self) -> Option<CloseCode> {
        self.signals.code.get().copied()
    }
}
// ANCHOR_END: peer

/// Users and rooms, behind one lock.
#[derive(Debug)]
pub struct Hub {
    state: Mutex<State>,
    history: usize,
    max_rooms: usize,
    max_rooms_per_connection: usize,
    stats: Arc<Stats>,
    broker: Broker,
}

#[derive(Debug, Default)]
struct State {
    /// Lowercase username → the connection that has it.
    names: HashMap<String, ConnId>,
    /// Connections that said hello.
    users: HashMap<ConnId, User>,
    rooms: HashMap<String, Room>,
}

#[derive(Debug)]
struct User {
    name: Arc<str>,
    peer: Peer,
    rooms: BTreeSet<String>,
}

#[derive(Debug)]
struct Room {
    members: Vec<Member>,
    /// The id the next message gets (with a Redis broker, Redis gives the ids).
    next_id: u64,
    /// With a Redis broker: the last message id delivered here, to drop repeats.
    last_delivered: u64,
    /// With a Redis broker: the newest id a `joined` here included (from Redis's history),
    /// where a catch-up must start even if nothing was delivered here since.
    vouched: u64,
    /// The last messages, oldest first, already encoded.
    history: VecDeque<(u64, Utf8Bytes)>,
    last_active: Instant,
}

#[derive(Debug)]
struct Member {
    name: Arc<str>,
    peer: Peer,
    /// Messages up to this id were in the member's `joined` (with a Redis broker, they may
    /// still come from the subscription afterwards, and are not sent twice).
    skip_through: u64,
}

impl Room {
    fn new() -> Room {
        Room {
            members: Vec::new(),
            next_id: first_message_id(),
            last_delivered: 0,
            vouched: 0,
            history: VecDeque::new(),
            last_active: Instant::now(),
        }
    }

    /// Queues `frame` for every member but `except`; returns how many queues took it.
    fn fan_out(&self, frame: &Utf8Bytes, except: Option<ConnId>) -> usize {
        self.members
            .iter()
            .filter(|member| Some(member.peer.id) != except)
            .filter(|member| member.peer.deliver(frame.clone()))
            .count()
    }
}

// ANCHOR: first_id
/// Where a new room's message ids start: the microseconds since 1970. Ids only have to increase,
/// and starting from the clock makes them keep increasing across restarts of the server (and
/// when a forgotten room is created again), so a client resuming with an old `since` is never
/// confused by a new message that reuses an old id. JavaScript clients read ids as doubles, and
/// these stay below 2^53 until the year 2255.
fn first_message_id() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |since| {
            u64::try_from(since.as_micros()).unwrap_or(u64::MAX / 2)
        })
}
// ANCHOR_END: first_id

impl Hub {
    /// An empty hub with the limits of `config`, on its own (no broker).
    pub fn new(config: &Config, stats: Arc<Stats>) -> Hub {
        Hub::with_broker(config, stats, Broker::Memory)
    }

    /// An empty hub that shares rooms with other instances through `broker`.
    pub fn with_broker(config: &Config, stats: Arc<Stats>, broker: Broker) -> Hub {
        Hub {
            state: Mutex::default(),
            history: config.history,
            max_rooms: config.max_rooms,
            max_rooms_per_connection: config.max_rooms_per_connection,
            stats,
            broker,
        }
    }

    /// How this hub reaches other instances, if it does.
    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters more than losing the whole server would, so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `hello`: takes the name for `peer` and queues `welcome`.
    pub fn hello(
        &self,
        peer: &Peer,
        username: &str,
        id: Option<&RequestId>,
    ) -> Result<Arc<str>, Refusal> {
        if let Some(problem) = names::username_problem(username) {
            return Err((ErrorCode::InvalidUsername, problem));
        }
        let key = names::username_key(username);
        let mut state = self.lock();
        if state.users.contains_key(&peer.id) {
            return Err((
                ErrorCode::AlreadyWelcomed,
                "this connection already has a name".into(),
            ));
        }
        if state.names.contains_key(&key) {
            return Err((
                ErrorCode::UsernameTaken,
                format!("{username:?} is taken; choose another name"),
            ));
        }
        let name: Arc<str> = Arc::from(username);
        state.names.insert(key, peer.id);
        state.users.insert(
            peer.id,
            User {
                name: Arc::clone(&name),
                peer: peer.clone(),
                rooms: BTreeSet::new(),
            },
        );
        peer.deliver(protocol::encode_welcome(id, username));
        Ok(name)
    }

    // ANCHOR: join
    /// `join`: adds the connection to the room (creating it), queues `joined` with the history
    /// after `since`, and tells the other members.
    pub fn join(
        &self,
        conn: ConnId,
        room: &str,
        since: Option<u64>,
        id: Option<&RequestId>,
    ) -> Result<(), Refusal> {
        if let Some(problem) = names::room_problem(room) {
            return Err((ErrorCode::InvalidRoom, problem));
        }
        let mut state = self.lock();
        let state = &mut *state;
        let user = state.users.get_mut(&conn).ok_or_else(not_welcomed)?;
        self.may_join(user, room)?;
        let entry = self.room_for(&mut state.rooms, room)?;
        user.rooms.insert(room.to_owned());
        entry.members.push(Member {
            name: Arc::clone(&user.name),
            peer: user.peer.clone(),
            skip_through: 0,
        });
        entry.last_active = Instant::now();

        // The history the client has not seen, and whether some of it is no longer held.
        let oldest = entry.history.front().map_or(entry.next_id, |(id, _)| *id);
        let truncated = since.is_some_and(|since| since.saturating_add(1) < oldest);
        let after = since.unwrap_or(0);
        let history: Vec<&Utf8Bytes> = entry
            .history
            .iter()
            .filter(|(id, _)| *id > after)
            .map(|(_, json)| json)
            .collect();
        let mut members: Vec<&str> = entry.members.iter().map(|member| &*member.name).collect();
        members.sort_unstable();
        user.peer.deliver(protocol::encode_joined(
            id, room, &members, &history, truncated,
        ));
        entry.fan_out(
            &protocol::encode_presence(room, &user.name, PresenceEvent::Join),
            Some(conn),
        );
        Ok(())
    }
    // ANCHOR_END: join

    // ANCHOR: send
    /// `send`: gives the message the room's next id, encodes it once, keeps it in the history,
    /// and queues it for every member, the sender included.
    pub fn send(&self, conn: ConnId, room: &str, text: &str) -> Result<(), Refusal> {
        let mut state = self.lock();
        let state = &mut *state;
        let user = state.users.get(&conn).ok_or_else(not_welcomed)?;
        let entry = match state.rooms.get_mut(room) {
            Some(entry) if user.rooms.contains(room) => entry,
            _ => {
                return Err((
                    ErrorCode::NotJoined,
                    format!("join {room:?} before sending to it"),
                ));
            }
        };
        let id = entry.next_id;
        entry.next_id += 1;
        entry.last_active = Instant::now();
        let json = protocol::encode_message(room, id, &user.name, text, &protocol::timestamp());
        if self.history > 0 {
            if entry.history.len() == self.history {
                entry.history.pop_front();
            }
            entry.history.push_back((id, json.clone()));
        }
        let delivered = entry.fan_out(&json, None);
        self.stats.message(delivered);
        Ok(())
    }
    // ANCHOR_END: send

    /// `leave`: removes the connection from the room, queues `left`, tells the others.
    pub fn leave(&self, conn: ConnId, room: &str, id: Option<&RequestId>) -> Result<(), Refusal> {
        let mut state = self.lock();
        let state = &mut *state;
        let user = state.users.get_mut(&conn).ok_or_else(not_welcomed)?;
        if !user.rooms.remove(room) {
            return Err((ErrorCode::NotJoined, format!("you are not in {room:?}")));
        }
        user.peer.deliver(protocol::encode_left(id, room));
        let name = Arc::clone(&user.name);
        remove_member(&mut state.rooms, room, conn, &name);
        if let Broker::Redis(redis) = &self.broker {
            redis.publish_presence(room, &name, PresenceEvent::Leave);
        }
        Ok(())
    }

    /// `direct`: queues the message for the named user and a copy for the sender.
    pub fn direct(
        &self,
        conn: ConnId,
        to: &str,
        text: &str,
        id: Option<&RequestId>,
    ) -> Result<(), Refusal> {
        let state = self.lock();
        let user = state.users.get(&conn).ok_or_else(not_welcomed)?;
        let recipient = state
            .names
            .get(&names::username_key(to))
            .and_then(|conn| state.users.get(conn))
            .ok_or_else(|| {
                (
                    ErrorCode::UnknownUser,
                    format!("nobody called {to:?} is connected"),
                )
            })?;
        let stamp = protocol::timestamp();
        if recipient.peer.id != conn {
            recipient.peer.deliver(protocol::encode_direct(
                None,
                &user.name,
                &recipient.name,
                text,
                &stamp,
            ));
        }
        user.peer.deliver(protocol::encode_direct(
            id,
            &user.name,
            &recipient.name,
            text,
            &stamp,
        ));
        self.stats.direct();
        Ok(())
    }

    /// `rooms`: every room with members, by name.
    pub fn rooms(&self) -> Vec<RoomInfo> {
        let state = self.lock();
        let mut rooms: Vec<RoomInfo> = state
            .rooms
            .iter()
            .filter(|(_, room)| !room.members.is_empty())
            .map(|(name, room)| RoomInfo {
                name: name.clone(),
                members: room.members.len(),
            })
            .collect();
        rooms.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        rooms
    }

    /// Whether `conn` said hello.
    pub fn is_welcomed(&self, conn: ConnId) -> bool {
        self.lock().users.contains_key(&conn)
    }

    /// The connection is gone: frees its name and leaves its rooms (the others see `presence`).
    pub fn disconnect(&self, conn: ConnId) {
        let mut state = self.lock();
        let Some(user) = state.users.remove(&conn) else {
            return;
        };
        state.names.remove(&names::username_key(&user.name));
        for room in &user.rooms {
            remove_member(&mut state.rooms, room, conn, &user.name);
        }
        if let Broker::Redis(redis) = &self.broker {
            let rooms: Vec<String> = user.rooms.iter().cloned().collect();
            redis.gone(&user.name, &rooms);
        }
    }
}

/// What a broker needs from the hub: checks before a request goes to Redis, and delivery of
/// what comes back from it. With [`Broker::Memory`] none of this is used.
impl Hub {
    /// The name of `conn`, which must be a member of `room` (for `send`).
    pub fn member_name(&self, conn: ConnId, room: &str) -> Result<Arc<str>, Refusal> {
        let state = self.lock();
        let user = state.users.get(&conn).ok_or_else(not_welcomed)?;
        if !user.rooms.contains(room) {
            return Err((
                ErrorCode::NotJoined,
                format!("join {room:?} before sending to it"),
            ));
        }
        Ok(Arc::clone(&user.name))
    }

    /// The name of `conn`, once it said hello.
    pub fn user_name(&self, conn: ConnId) -> Result<Arc<str>, Refusal> {
        let state = self.lock();
        let user = state.users.get(&conn).ok_or_else(not_welcomed)?;
        Ok(Arc::clone(&user.name))
    }

    /// Whether a user of this instance has the name `name`.
    pub fn has_user(&self, name: &str) -> bool {
        self.lock().names.contains_key(&names::username_key(name))
    }

    /// The names of this instance's users, for renewing their claims.
    pub fn local_names(&self) -> Vec<String> {
        let state = self.lock();
        state
            .users
            .values()
            .map(|user| user.name.to_string())
            .collect()
    }

    /// Rooms with members here, and the last message id delivered in each.
    pub fn rooms_with_members(&self) -> Vec<(String, u64)> {
        let state = self.lock();
        state
            .rooms
            .iter()
            .filter(|(_, room)| !room.members.is_empty())
            .map(|(name, room)| (name.clone(), room.last_delivered.max(room.vouched)))
            .collect()
    }

    /// Rooms with members here, and their names.
    pub fn local_members(&self) -> Vec<(String, Vec<String>)> {
        let state = self.lock();
        state
            .rooms
            .iter()
            .filter(|(_, room)| !room.members.is_empty())
            .map(|(name, room)| {
                let names = room.members.iter().map(|m| m.name.to_string()).collect();
                (name.clone(), names)
            })
            .collect()
    }

    /// The checks of `join` that need no history: run before asking Redis for it.
    pub fn check_join(&self, conn: ConnId, room: &str) -> Result<(), Refusal> {
        if let Some(problem) = names::room_problem(room) {
            return Err((ErrorCode::InvalidRoom, problem));
        }
        let state = self.lock();
        let user = state.users.get(&conn).ok_or_else(not_welcomed)?;
        self.may_join(user, room)
    }

    /// Whether `user` may join one more room, `room`.
    fn may_join(&self, user: &User, room: &str) -> Result<(), Refusal> {
        if user.rooms.contains(room) {
            return Err((
                ErrorCode::AlreadyJoined,
                format!("you are already in {room:?}"),
            ));
        }
        if user.rooms.len() >= self.max_rooms_per_connection {
            let most = self.max_rooms_per_connection;
            return Err((
                ErrorCode::TooManyRooms,
                format!("a connection may be in at most {most} rooms"),
            ));
        }
        Ok(())
    }

    /// The room called `name`, created if need be: when the server holds `max_rooms`, the
    /// quietest empty one is forgotten to make space, and if none is empty, it is refused.
    fn room_for<'a>(
        &self,
        rooms: &'a mut HashMap<String, Room>,
        name: &str,
    ) -> Result<&'a mut Room, Refusal> {
        let new = !rooms.contains_key(name);
        if new && rooms.len() >= self.max_rooms && !forget_an_empty_room(rooms) {
            return Err((
                ErrorCode::TooManyRooms,
                "the server holds as many rooms as it may; join an existing one".into(),
            ));
        }
        if new {
            // The only place the number of rooms changes (forgetting one makes room for this).
            self.stats.rooms(rooms.len() + 1);
        }
        Ok(rooms.entry(name.to_owned()).or_insert_with(Room::new))
    }

    // ANCHOR: join_with_history
    /// `join` with a history read from Redis: adds the member, queues `joined` with that
    /// history and whatever reached this instance since it was read, and tells the members
    /// here. Returns the member's name.
    pub fn join_with_history(
        &self,
        conn: ConnId,
        room: &str,
        since: Option<u64>,
        history: History,
        everywhere: Option<Vec<String>>,
        id: Option<&RequestId>,
    ) -> Result<Arc<str>, Refusal> {
        if let Some(problem) = names::room_problem(room) {
            return Err((ErrorCode::InvalidRoom, problem));
        }
        let mut state = self.lock();
        let state = &mut *state;
        let user = state.users.get_mut(&conn).ok_or_else(not_welcomed)?;
        self.may_join(user, room)?; // again: the lock was let go while Redis was asked
        let entry = self.room_for(&mut state.rooms, room)?;
        // Redis's history, then what the subscription brought here after it was read.
        let mut messages = history.messages;
        let newest = messages.last().map_or(since.unwrap_or(0), |(id, _)| *id);
        messages.extend(entry.history.iter().filter(|(id, _)| *id > newest).cloned());
        let skip = messages.len().saturating_sub(self.history);
        let messages = &messages[skip..];
        let skip_through = messages.last().map_or(entry.last_delivered, |(id, _)| {
            (*id).max(entry.last_delivered)
        });
        let truncated = since.is_some_and(|since| since.saturating_add(1) < history.oldest);
        entry.vouched = entry.vouched.max(newest);
        user.rooms.insert(room.to_owned());
        entry.members.push(Member {
            name: Arc::clone(&user.name),
            peer: user.peer.clone(),
            skip_through,
        });
        entry.last_active = Instant::now();
        let frames: Vec<&Utf8Bytes> = messages.iter().map(|(_, frame)| frame).collect();
        let mut members: Vec<&str> = entry.members.iter().map(|member| &*member.name).collect();
        // The members on other instances too, as Redis lists them.
        members.extend(everywhere.iter().flatten().map(String::as_str));
        members.sort_unstable();
        members.dedup();
        user.peer.deliver(protocol::encode_joined(
            id, room, &members, &frames, truncated,
        ));
        entry.fan_out(
            &protocol::encode_presence(room, &user.name, PresenceEvent::Join),
            Some(conn),
        );
        Ok(Arc::clone(&user.name))
    }
    // ANCHOR_END: join_with_history

    // ANCHOR: deliver_room_message
    /// A room message from the broker (any instance's, this one's included): delivered to the
    /// members here, once, in the order of ids.
    pub fn deliver_room_message(&self, room: &str, id: u64, frame: Utf8Bytes) {
        let mut state = self.lock();
        let state = &mut *state;
        let Ok(entry) = self.room_for(&mut state.rooms, room) else {
            return; // no room for it here, and nobody here to read it
        };
        if id <= entry.last_delivered {
            return; // already delivered (a catch-up overlapping the subscription)
        }
        entry.last_delivered = id;
        entry.last_active = Instant::now();
        if self.history > 0 {
            if entry.history.len() == self.history {
                entry.history.pop_front();
            }
            entry.history.push_back((id, frame.clone()));
        }
        let delivered = entry
            .members
            .iter()
            .filter(|member| member.skip_through < id)
            .filter(|member| member.peer.deliver(frame.clone()))
            .count();
        self.stats.message(delivered);
    }
    // ANCHOR_END: deliver_room_message

    /// Any other room frame from the broker (presence, a gap): to every member here.
    pub fn deliver_room_event(&self, room: &str, frame: Utf8Bytes) {
        let state = self.lock();
        if let Some(entry) = state.rooms.get(room) {
            entry.fan_out(&frame, None);
        }
    }

    /// A direct message from another instance, for a user of this one.
    pub fn deliver_direct(&self, frame: Utf8Bytes) {
        #[derive(serde::Deserialize)]
        struct To<'a> {
            #[serde(borrow)]
            to: &'a str,
        }
        let Ok(To { to }) = serde_json::from_str::<To<'_>>(&frame) else {
            return;
        };
        let state = self.lock();
        if let Some(user) = state
            .names
            .get(&names::username_key(to))
            .and_then(|conn| state.users.get(conn))
        {
            user.peer.deliver(frame.clone());
            self.stats.direct();
        }
    }

    /// The sender's copy of a direct message that went to another instance.
    pub fn direct_copy(
        &self,
        conn: ConnId,
        to: &str,
        text: &str,
        stamp: &str,
        id: Option<&RequestId>,
    ) -> Result<(), Refusal> {
        let state = self.lock();
        let user = state.users.get(&conn).ok_or_else(not_welcomed)?;
        user.peer
            .deliver(protocol::encode_direct(id, &user.name, to, text, stamp));
        Ok(())
    }
}

fn not_welcomed() -> Refusal {
    (
        ErrorCode::NotWelcomed,
        "say hello first: {\"type\":\"hello\",\"username\":\"…\"}".into(),
    )
}

fn remove_member(rooms: &mut HashMap<String, Room>, room: &str, conn: ConnId, name: &str) {
    if let Some(entry) = rooms.get_mut(room) {
        entry.members.retain(|member| member.peer.id != conn);
        entry.last_active = Instant::now();
        entry.fan_out(
            &protocol::encode_presence(room, name, PresenceEvent::Leave),
            None,
        );
    }
}

/// Makes space for a new room by forgetting the empty room that was quiet longest (its history
/// goes with it). Returns false when every room has members.
fn forget_an_empty_room(rooms: &mut HashMap<String, Room>) -> bool {
    let quietest = rooms
        .iter()
        .filter(|(_, room)| room.members.is_empty())
        .min_by_key(|(_, room)| room.last_active)
        .map(|(name, _)| name.clone());
    quietest.is_some_and(|name| rooms.remove(&name).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn hub(config: Config) -> Hub {
        Hub::new(&config, Arc::default())
    }

    fn user(hub: &Hub, id: ConnId, name: &str) -> (Peer, mpsc::Receiver<Utf8Bytes>) {
        let (peer, mut queue) = Peer::new(id, 64);
        hub.hello(&peer, name, None).unwrap();
        assert_eq!(next(&mut queue)["type"], "welcome");
        (peer, queue)
    }

    fn next(queue: &mut mpsc::Receiver<Utf8Bytes>) -> Value {
        serde_json::from_str(queue.try_recv().expect("a queued frame").as_str()).unwrap()
    }

    #[test]
    fn a_join_sees_exactly_the_history_after_since() {
        let hub = hub(Config {
            history: 3,
            ..Config::default()
        });
        let (_alice, mut a) = user(&hub, 1, "alice");
        hub.join(1, "rust", None, None).unwrap();
        assert_eq!(next(&mut a)["members"], serde_json::json!(["alice"]));
        let mut ids = Vec::new();
        for text in ["1", "2", "3", "4"] {
            hub.send(1, "rust", text).unwrap();
            ids.push(next(&mut a)["id"].as_u64().unwrap());
        }
        assert!(ids.windows(2).all(|pair| pair[1] == pair[0] + 1), "{ids:?}");

        let (_bob, mut b) = user(&hub, 2, "bob");
        hub.join(2, "rust", Some(ids[1]), None).unwrap();
        let joined = next(&mut b);
        let texts: Vec<&str> = joined["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts, ["3", "4"]);
        assert_eq!(
            joined.get("truncated"),
            None,
            "nothing after `since` was lost"
        );
        assert_eq!(next(&mut a)["event"], "join");

        hub.leave(2, "rust", None).unwrap();
        hub.join(2, "rust", Some(ids[0] - 1), None).unwrap();
        assert_eq!(next(&mut b)["type"], "left");
        let joined = next(&mut b);
        assert_eq!(joined["truncated"], true, "message 1 is no longer held");
        assert_eq!(joined["history"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn names_are_unique_case_insensitively_and_freed_on_disconnect() {
        let hub = hub(Config::default());
        let (_alice, _a) = user(&hub, 1, "Alice");
        let (other, _) = Peer::new(2, 4);
        assert_eq!(
            hub.hello(&other, "aLICE", None).unwrap_err().0,
            ErrorCode::UsernameTaken
        );
        hub.disconnect(1);
        assert!(hub.hello(&other, "aLICE", None).is_ok());
    }

    #[test]
    fn a_full_queue_kicks_its_connection_and_nobody_else() {
        let hub = hub(Config::default());
        let (slow, _never_read) = Peer::new(1, 2);
        hub.hello(&slow, "slow", None).unwrap();
        hub.join(1, "r", None, None).unwrap();
        let (_fast, mut f) = user(&hub, 2, "fast");
        hub.join(2, "r", None, None).unwrap();
        next(&mut f);
        for _ in 0..5 {
            hub.send(2, "r", "x").unwrap();
            assert_eq!(next(&mut f)["type"], "message");
        }
        assert_eq!(slow.kick_code(), Some(CloseCode::TooSlow));
    }

    #[test]
    fn the_quietest_empty_room_is_forgotten_when_the_room_limit_is_reached() {
        let hub = hub(Config {
            max_rooms: 2,
            ..Config::default()
        });
        let (_a, _qa) = user(&hub, 1, "a");
        hub.join(1, "one", None, None).unwrap();
        hub.join(1, "two", None, None).unwrap();
        assert_eq!(
            hub.join(1, "three", None, None).unwrap_err().0,
            ErrorCode::TooManyRooms
        );
        hub.leave(1, "one", None).unwrap();
        hub.join(1, "three", None, None).unwrap();
        let names: Vec<String> = hub.rooms().into_iter().map(|room| room.name).collect();
        assert_eq!(names, ["three", "two"]);
    }
}

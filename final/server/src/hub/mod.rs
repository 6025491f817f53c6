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
//! Nothing inside the lock waits: queues are bounded and never wait to take a frame. A full queue
//! means its client is not reading; the client is *kicked* (closed with 4008 by its own task)
//! instead of slowing anyone else down. A message is encoded to JSON once, and every queue gets
//! a clone of the same reference-counted bytes (stage 5's "serialise once").
//!
//! The parts: `peer` (how a connection is reached), `queue` (a connection's frames), `room` (a room's members and history),
//! and `remote` (what a broker asks of the hub when several instances share rooms). Dependency
//! direction: this module uses its children; `peer` uses only `queue`, `room` uses
//! `peer`, and `remote` adds methods to [`Hub`] for the broker. The hub knows nothing of
//! brokers: when members leave, it tells whoever it was given as [`Departures`].

mod peer;
mod queue;
mod remote;
mod room;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::config::Config;
use crate::names;
use crate::stats::Stats;
use crate::store::{Durability, Held, Journal, Publish, RoomHistory, Store, StoredMessage, now_ms};
use chat_protocol::{self as protocol, CloseCode, ErrorCode, PresenceEvent, RequestId, RoomInfo};

pub use peer::{ConnId, Outbox, Peer};
pub use room::{History, first_message_id};
use room::{Member, Room, forget_an_empty_room, is_in, remove_member};

/// Why the hub turned a request down: the error code and a sentence for the user.
pub type Refusal = (ErrorCode, String);

/// Told when members leave, while the hub's lock is held, so that whatever lies beyond this
/// process hears of departures in the order they happened. The Redis broker implements it
/// (book: "Scaling out"); a hub on its own has none.
///
/// `signed` says whether `name` is a signed-in user's: such a user may be in a room from
/// several instances at once, and only Redis can tell when the last of them left. So the hub
/// does not tell its own members of a signed-in user's comings and goings when it reports
/// them: the broker does, to every instance alike (book: "Accounts and tokens").
pub trait Departures: Send + Sync + fmt::Debug {
    /// `name` left `room` with a `leave` request (no device of theirs is in it here).
    fn left(&self, room: &str, name: &str, signed: bool);
    /// The last connection of `name` here ended while it was in `rooms`.
    fn gone(&self, name: &str, rooms: &[String], signed: bool);
}

/// What the hub has for a `history` request (scrollback): the older messages it holds in
/// memory, and the store that holds the rest (see [`Hub::older`]).
#[derive(Debug)]
pub struct Older {
    /// Only messages with an id below this one were asked for (and only delivered ones).
    pub before: u64,
    /// The newest `limit + 1` messages before `before` that the hub holds, oldest first.
    pub cached: Vec<(u64, Utf8Bytes)>,
    /// Where older messages are written, if anywhere but here, and the journal's
    /// [`mark`](Journal::mark) when the request came: the store has the messages the memory
    /// no longer holds once the journal has [`written`](Journal::written) up to it.
    pub journal: Option<(Arc<Journal>, u64)>,
    /// Without a journal, a store written by someone else, read as it is (with Redis, where
    /// the broker's send script stores each message before anyone receives it).
    pub archive: Option<Arc<dyn Store>>,
}

impl Older {
    /// The answer: the newest `limit` messages of what is held here and `stored` (the store's
    /// newest `limit + 1` before [`Older::before`]), oldest first, each once; and whether
    /// there are older ones still.
    pub fn answer(self, stored: Vec<(u64, Utf8Bytes)>, limit: usize) -> (Vec<Utf8Bytes>, bool) {
        // The two overlap (the memory holds the newest messages, the store what was
        // committed): by id, each once.
        let mut all: std::collections::BTreeMap<u64, Utf8Bytes> = stored.into_iter().collect();
        all.extend(self.cached);
        let more = all.len() > limit;
        let skip = all.len().saturating_sub(limit);
        (all.into_values().skip(skip).collect(), more)
    }
}

/// The hub's state while its lock is held. When it is dropped, the time the lock was waited for
/// and held goes to the `chat_hub_lock_*_seconds` histograms, from inside the lock (about a
/// tenth of a microsecond: three readings of the clock and two histograms), then the lock is
/// released. On a machine with many cores, these say whether the one lock is what limits the
/// server (book: "Performance", section "Multi-core").
struct Locked<'a> {
    guard: MutexGuard<'a, State>,
    stats: &'a Stats,
    asked: Instant,
    taken: Instant,
}

impl std::ops::Deref for Locked<'_> {
    type Target = State;

    fn deref(&self) -> &State {
        &self.guard
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.guard
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let waited = self.taken.saturating_duration_since(self.asked);
        self.stats.hub_lock(waited, self.taken.elapsed());
    }
}

/// Users and rooms, behind one lock.
#[derive(Debug)]
pub struct Hub {
    state: Mutex<State>,
    history: usize,
    max_rooms: usize,
    max_rooms_per_connection: usize,
    stats: Arc<Stats>,
    /// Told of departures (with several instances, the Redis broker); `None` on its own.
    departures: Option<Arc<dyn Departures>>,
    /// Where accepted room messages are written down (`None`: memory only).
    journal: Option<Arc<Journal>>,
    /// A store that others write to, read for scrollback (with Redis: the rooms' streams).
    archive: Option<Arc<dyn Store>>,
}

#[derive(Debug, Default)]
struct State {
    /// Lowercase username → the connections that have it: one for a guest; one or more for a
    /// signed-in user, one per device.
    names: HashMap<String, Holder>,
    /// Connections that said hello.
    users: HashMap<ConnId, User>,
    rooms: HashMap<String, Room>,
}

#[derive(Debug)]
struct User {
    name: Arc<str>,
    peer: Peer,
    rooms: BTreeSet<String>,
    /// Signed in with a token (book: "Accounts and tokens"); its messages say so.
    verified: bool,
    /// The token's id (`jti`), so that signing it out closes this connection.
    token_id: Option<String>,
}

/// Who has a name: its connections, whether they are a signed-in user's, and the name as the
/// first of them wrote it (every device shows that one).
#[derive(Debug)]
struct Holder {
    conns: Vec<ConnId>,
    verified: bool,
    name: Arc<str>,
}

impl Hub {
    /// An empty hub with the limits of `config`, on its own (no other instance to tell).
    pub fn new(config: &Config, stats: Arc<Stats>) -> Hub {
        Hub::build(config, stats, None)
    }

    /// An empty hub that tells `departures` whenever a member leaves a room or a user goes.
    pub fn reporting_to(
        config: &Config,
        stats: Arc<Stats>,
        departures: Arc<dyn Departures>,
    ) -> Hub {
        Hub::build(config, stats, Some(departures))
    }

    fn build(config: &Config, stats: Arc<Stats>, departures: Option<Arc<dyn Departures>>) -> Hub {
        Hub {
            state: Mutex::default(),
            history: config.history,
            max_rooms: config.max_rooms,
            max_rooms_per_connection: config.max_rooms_per_connection,
            stats,
            departures,
            journal: None,
            archive: None,
        }
    }

    /// The same hub, handing every room message it accepts to `journal` as well, to be stored.
    pub fn keeping(mut self, journal: Arc<Journal>) -> Hub {
        self.journal = Some(journal);
        self
    }

    /// The same hub, reading older messages (scrollback) from `store`, which something else
    /// writes to: with Redis, the broker.
    pub fn reading_from(mut self, store: Arc<dyn Store>) -> Hub {
        self.archive = Some(store);
        self
    }

    // ANCHOR: restore
    /// Rooms read back from a store at start-up: each gets its last messages (at most
    /// `history`) and ids that carry on after the newest one stored. At most `max_rooms`.
    pub fn restore(&self, rooms: Vec<RoomHistory>) {
        let mut state = self.lock();
        for saved in rooms {
            if state.rooms.len() >= self.max_rooms {
                break;
            }
            let mut room = Room::new();
            // The clock says where ids start; the store says where they got to. Never reuse one.
            room.next_id = room.next_id.max(saved.newest.saturating_add(1));
            room.published = room.next_id;
            let skip = saved.messages.len().saturating_sub(self.history);
            room.history.extend(saved.messages.into_iter().skip(skip));
            state.rooms.insert(saved.room, room);
        }
        self.stats.rooms(state.rooms.len());
    }
    // ANCHOR_END: restore

    fn lock(&self) -> Locked<'_> {
        let asked = Instant::now();
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters more than losing the whole server would, so a poisoned lock is used as is.
        let guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        Locked {
            guard,
            stats: &self.stats,
            asked,
            taken: Instant::now(),
        }
    }

    /// `hello` from a guest: takes the name for `peer` and queues `welcome`.
    pub fn hello(
        &self,
        peer: &Peer,
        username: &str,
        id: Option<&RequestId>,
    ) -> Result<Arc<str>, Refusal> {
        self.greet(peer, username, id, None)
    }

    /// `hello` from a signed-in user (the name is the token's): like [`Hub::hello`], except
    /// that the user may already be connected from other devices; each connection gets what
    /// the user's rooms and direct messages bring. `token_id` is the token's `jti`, if it has
    /// one: signing that token out closes this connection ([`Hub::sign_out`]).
    pub fn hello_signed_in(
        &self,
        peer: &Peer,
        username: &str,
        id: Option<&RequestId>,
        token_id: Option<&str>,
    ) -> Result<Arc<str>, Refusal> {
        self.greet(peer, username, id, Some(token_id))
    }

    /// The connections that said `hello` with the token `token_id` are closed with 4501: the
    /// token was signed out. Returns how many.
    pub fn sign_out(&self, token_id: &str) -> usize {
        let state = self.lock();
        let signed_out = state
            .users
            .values()
            .filter(|user| user.token_id.as_deref() == Some(token_id));
        let mut closed = 0;
        for user in signed_out {
            user.peer.kick(CloseCode::SignedOut);
            closed += 1;
        }
        closed
    }

    /// `signed_in`: `None` for a guest; for a signed-in user, the token's id if it has one.
    fn greet(
        &self,
        peer: &Peer,
        username: &str,
        id: Option<&RequestId>,
        signed_in: Option<Option<&str>>,
    ) -> Result<Arc<str>, Refusal> {
        let verified = signed_in.is_some();
        if let Some(problem) = names::username_problem(username) {
            return Err((ErrorCode::InvalidUsername, problem));
        }
        let key = names::username_key(username);
        let mut state = self.lock();
        if state.users.contains_key(&peer.id()) {
            return Err((
                ErrorCode::AlreadyWelcomed,
                "this connection already has a name".into(),
            ));
        }
        let name: Arc<str> = match state.names.get_mut(&key) {
            // Another device of the same signed-in user: the name as it is already shown.
            Some(holder) if verified && holder.verified => {
                holder.conns.push(peer.id());
                Arc::clone(&holder.name)
            }
            Some(_) => {
                return Err((
                    ErrorCode::UsernameTaken,
                    format!("{username:?} is taken; choose another name"),
                ));
            }
            None => {
                let name: Arc<str> = Arc::from(username);
                let holder = Holder {
                    conns: vec![peer.id()],
                    verified,
                    name: Arc::clone(&name),
                };
                state.names.insert(key, holder);
                name
            }
        };
        state.users.insert(
            peer.id(),
            User {
                name: Arc::clone(&name),
                peer: peer.clone(),
                rooms: BTreeSet::new(),
                verified,
                token_id: signed_in.flatten().map(str::to_owned),
            },
        );
        peer.deliver(protocol::encode_welcome(id, &name));
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
        // Another device of a user already in the room: the others saw them arrive already.
        let arriving = !entry.has_member_named(&user.name);
        entry.members.push(Member {
            name: Arc::clone(&user.name),
            peer: user.peer.clone(),
            skip_through: 0,
        });
        entry.last_active = Instant::now();

        // The history the client has not seen, and whether some of it is no longer held.
        let oldest = entry.history.front().map_or(entry.published, |(id, _)| *id);
        let truncated = since.is_some_and(|since| since.saturating_add(1) < oldest);
        let after = since.unwrap_or(0);
        let history: Vec<&Utf8Bytes> = entry
            .history
            .iter()
            .filter(|(id, _)| *id > after)
            .map(|(_, json)| json)
            .collect();
        let members = entry.member_names();
        user.peer.deliver(protocol::encode_joined(
            id, room, &members, &history, truncated,
        ));
        if arriving {
            entry.fan_out(
                &protocol::encode_presence(room, &user.name, PresenceEvent::Join),
                Some(conn),
            );
        }
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
        let json = protocol::encode_message(
            room,
            id,
            &user.name,
            text,
            &protocol::timestamp(),
            user.verified,
        );
        let Some(journal) = &self.journal else {
            let delivered = entry.publish(id, &json, self.history);
            self.stats.message(delivered);
            return Ok(());
        };
        // Under the lock, so the journal gets each room's messages in the order of ids.
        let message = StoredMessage {
            room: room.to_owned(),
            id,
            at_ms: now_ms(),
            frame: json,
        };
        if journal.durability() == Durability::Immediate {
            // Delivered by `publish`, once committed.
            return match journal.hold(message) {
                Ok(()) => Ok(()),
                Err(Held::Stopped(message)) => {
                    let delivered = entry.publish(id, &message.frame, self.history);
                    self.stats.message(delivered);
                    Ok(())
                }
                Err(Held::Full) => {
                    entry.next_id -= 1; // nobody else took an id: the lock is held
                    Err((
                        ErrorCode::Unavailable,
                        "the server cannot store messages as fast as they come; try again shortly"
                            .into(),
                    ))
                }
            };
        }
        let delivered = entry.publish(id, &message.frame, self.history);
        self.stats.message(delivered);
        journal.record(message);
        Ok(())
    }
    // ANCHOR_END: send

    // ANCHOR: older
    /// `history`, the part done under the lock: checks that `conn` is in `room`, and returns
    /// the `limit + 1` newest messages before `before` held in memory (one more than asked
    /// for, to tell whether there are more), with the store that holds older ones. Reading the
    /// store (a disk read) is left to the caller, outside the lock.
    pub fn older(
        &self,
        conn: ConnId,
        room: &str,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Older, Refusal> {
        let state = self.lock();
        let user = state.users.get(&conn).ok_or_else(not_welcomed)?;
        let entry = match state.rooms.get(room) {
            Some(entry) if user.rooms.contains(room) => entry,
            _ => {
                return Err((
                    ErrorCode::NotJoined,
                    format!("join {room:?} to read its history"),
                ));
            }
        };
        // Never past what members were given: with --durability immediate, a message may be
        // stored a moment before it is delivered.
        let before = before.map_or(entry.published, |before| before.min(entry.published));
        let held = entry.history.iter().filter(|(id, _)| *id < before).count();
        let cached = entry
            .history
            .iter()
            .filter(|(id, _)| *id < before)
            .skip(held.saturating_sub(limit + 1))
            .cloned()
            .collect();
        Ok(Older {
            before,
            cached,
            journal: self
                .journal
                .as_ref()
                .map(|journal| (Arc::clone(journal), journal.mark())),
            archive: self.archive.clone(),
        })
    }
    // ANCHOR_END: older

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
        let signed = user.verified;
        remove_member(&mut state.rooms, room, conn, &name, self.announces(signed));
        // The user's other devices may still be in the room: then the user has not left it.
        if let (Some(departures), false) = (&self.departures, is_in(&state.rooms, room, &name)) {
            departures.left(room, &name, signed);
        }
        Ok(())
    }

    /// `direct`: queues the message for every connection of the named user, and a copy for
    /// every connection of the sender (the one that sent it gets the request's `id`). Returns
    /// the frame the others got, for a broker to take to the users' devices on other instances.
    pub fn direct(
        &self,
        conn: ConnId,
        to: &str,
        text: &str,
        id: Option<&RequestId>,
    ) -> Result<Utf8Bytes, Refusal> {
        let state = self.lock();
        let user = state.users.get(&conn).ok_or_else(not_welcomed)?;
        let holder = state.names.get(&names::username_key(to)).ok_or_else(|| {
            (
                ErrorCode::UnknownUser,
                format!("nobody called {to:?} is connected"),
            )
        })?;
        let stamp = protocol::timestamp();
        let frame =
            |id| protocol::encode_direct(id, &user.name, &holder.name, text, &stamp, user.verified);
        // Every connection of the recipient, and the sender's other devices, each once (a
        // message to oneself has the same connections on both sides).
        let mut others: BTreeSet<ConnId> = holder.conns.iter().copied().collect();
        if let Some(senders) = state.names.get(&names::username_key(&user.name)) {
            others.extend(senders.conns.iter().copied());
        }
        others.remove(&conn);
        let delivered = frame(None);
        for other in others.iter().filter_map(|other| state.users.get(other)) {
            other.peer.deliver(delivered.clone());
        }
        user.peer.deliver(frame(id));
        self.stats.direct();
        Ok(delivered)
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
                members: room.member_names().len(),
            })
            .collect();
        rooms.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        rooms
    }

    /// Whether `conn` said hello.
    pub fn is_welcomed(&self, conn: ConnId) -> bool {
        self.lock().users.contains_key(&conn)
    }

    /// The connection is gone: leaves its rooms (the others see `presence` when it was the
    /// user's last connection in the room), and frees its name with its last connection.
    pub fn disconnect(&self, conn: ConnId) {
        let mut state = self.lock();
        let Some(user) = state.users.remove(&conn) else {
            return;
        };
        let key = names::username_key(&user.name);
        let last = match state.names.get_mut(&key) {
            Some(holder) => {
                holder.conns.retain(|other| *other != conn);
                holder.conns.is_empty()
            }
            None => true,
        };
        if last {
            state.names.remove(&key);
        }
        let announce = self.announces(user.verified);
        for room in &user.rooms {
            remove_member(&mut state.rooms, room, conn, &user.name, announce);
        }
        if let (Some(departures), true) = (&self.departures, last) {
            let rooms: Vec<String> = user.rooms.iter().cloned().collect();
            departures.gone(&user.name, &rooms, user.verified);
        } else if let Some(departures) = &self.departures {
            // Other devices remain: the rooms none of them is in are left.
            let left = user
                .rooms
                .iter()
                .filter(|room| !is_in(&state.rooms, room, &user.name));
            for room in left {
                departures.left(room, &user.name, user.verified);
            }
        }
    }

    /// Whether this hub tells its members itself when a user (`signed`: a signed-in one)
    /// arrives in or leaves a room: always on its own; with a broker, for guests only (see
    /// [`Departures`]).
    fn announces(&self, signed: bool) -> bool {
        self.departures.is_none() || !signed
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
}

// ANCHOR: after_commit
/// With `--durability immediate`, messages reach their rooms here, once committed: under the
/// lock, in the order they were sent (the journal keeps it), like [`Hub::send`] would have.
impl Publish for Hub {
    fn publish(&self, batch: &[StoredMessage]) {
        let mut state = self.lock();
        for message in batch {
            // A room forgotten since (every member left, and --max-rooms needed the space)
            // has nobody to deliver to; the message is stored all the same.
            if let Some(room) = state.rooms.get_mut(&message.room) {
                let delivered = room.publish(message.id, &message.frame, self.history);
                self.stats.message(delivered);
            }
        }
    }
}
// ANCHOR_END: after_commit

fn not_welcomed() -> Refusal {
    (
        ErrorCode::NotWelcomed,
        "say hello first: {\"type\":\"hello\",\"username\":\"…\"}".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_protocol::CloseCode;
    use serde_json::Value;
    use tokio_tungstenite::tungstenite::Utf8Bytes;

    fn hub(config: Config) -> Hub {
        Hub::new(&config, Arc::default())
    }

    fn user(hub: &Hub, id: ConnId, name: &str) -> (Peer, Outbox) {
        let (peer, mut queue) = Peer::new(id, 64);
        hub.hello(&peer, name, None).unwrap();
        assert_eq!(next(&mut queue)["type"], "welcome");
        (peer, queue)
    }

    fn next(queue: &mut Outbox) -> Value {
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
    fn a_restored_room_serves_its_last_messages_and_never_reuses_a_stored_id() {
        let hub = hub(Config {
            history: 2,
            ..Config::default()
        });
        // A newest id far beyond the clock: the next id must still be above it.
        let newest = u64::MAX / 4;
        let frames: Vec<(u64, Utf8Bytes)> = (newest - 2..=newest)
            .map(|id| {
                (
                    id,
                    Utf8Bytes::from(format!(r#"{{"type":"message","id":{id},"text":"{id}"}}"#)),
                )
            })
            .collect();
        hub.restore(vec![RoomHistory {
            room: "r".into(),
            messages: frames,
            newest,
        }]);
        let (_alice, mut a) = user(&hub, 1, "alice");
        hub.join(1, "r", None, None).unwrap();
        let joined = next(&mut a);
        let ids: Vec<u64> = joined["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_u64().unwrap())
            .collect();
        assert_eq!(ids, [newest - 1, newest], "the last --history of them");
        hub.send(1, "r", "new").unwrap();
        assert_eq!(next(&mut a)["id"].as_u64(), Some(newest + 1));
    }

    #[test]
    fn with_durability_immediate_members_get_a_message_only_once_it_is_stored() {
        use crate::store::{MemoryStore, Retention, Store};
        use std::time::Duration;
        let store = Arc::new(MemoryStore::new());
        let retention = Retention {
            messages: usize::MAX,
            max_age: None,
        };
        let journal = Arc::new(Journal::start_for(
            store.clone(),
            Durability::Immediate,
            // Ignored in this mode: the writer commits what is queued as soon as it can.
            Duration::from_secs(60),
            retention,
            Arc::default(),
        ));
        let hub = Arc::new(hub(Config::default()).keeping(Arc::clone(&journal)));
        let publisher: Arc<dyn Publish> = hub.clone();
        journal.publish_through(Arc::downgrade(&publisher));
        let (_alice, mut a) = user(&hub, 1, "alice");
        hub.join(1, "r", None, None).unwrap();
        next(&mut a);
        for n in 0..50 {
            hub.send(1, "r", &n.to_string()).unwrap();
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut ids: Vec<u64> = Vec::new();
        while ids.len() < 50 {
            assert!(
                std::time::Instant::now() < deadline,
                "all 50 delivered (the queue holds 64)"
            );
            let Some(frame) = a.try_recv() else {
                std::thread::yield_now();
                continue;
            };
            let message: Value = serde_json::from_str(frame.as_str()).unwrap();
            let id = message["id"].as_u64().unwrap();
            let stored = store.after("r", id - 1, 1).unwrap();
            assert_eq!(stored.first().map(|(id, _)| *id), Some(id), "stored first");
            ids.push(id);
        }
        assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "in order");
        journal.finish(Duration::from_secs(10));
    }

    #[test]
    fn scrollback_merges_memory_and_store_each_message_once() {
        let frame = |id: u64| (id, Utf8Bytes::from(id.to_string()));
        let older = Older {
            before: 10,
            cached: (6..10).map(frame).collect(),
            journal: None,
            archive: None,
        };
        // The store overlaps the memory (6 and 7 in both) and lacks what is not committed.
        let stored: Vec<(u64, Utf8Bytes)> = (3..8).map(frame).collect();
        let (messages, more) = older.answer(stored, 5);
        let ids: Vec<&str> = messages.iter().map(Utf8Bytes::as_str).collect();
        assert_eq!(ids, ["5", "6", "7", "8", "9"]);
        assert!(more, "3 and 4 are older");
        let older = Older {
            before: 10,
            cached: (8..10).map(frame).collect(),
            journal: None,
            archive: None,
        };
        let (messages, more) = older.answer(Vec::new(), 5);
        assert_eq!(messages.len(), 2);
        assert!(!more);
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

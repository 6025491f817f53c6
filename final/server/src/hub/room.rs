//! One room: its members, its recent history, and the ids of its messages.
//!
//! Final server — book chapter "The final server", sections "Shared state" and "Fan-out".
//!
//! A room is only ever touched under the hub's lock (see the parent module): it is plain data,
//! and [`Room::fan_out`] only queues, never waits. ([`first_message_id`] reads only the clock.)

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::peer::{ConnId, Peer};
use chat_protocol::{self as protocol, PresenceEvent};

#[derive(Debug)]
pub(super) struct Room {
    pub(super) members: Vec<Member>,
    /// The id the next message gets (with a Redis broker, Redis gives the ids).
    pub(super) next_id: u64,
    /// The id after the last message delivered to the members: `next_id`, except while
    /// messages wait for their commit (`--durability immediate`).
    pub(super) published: u64,
    /// With a Redis broker: the last message id delivered here, to drop repeats.
    pub(super) last_delivered: u64,
    /// With a Redis broker: the newest id a `joined` here included (from Redis's history),
    /// where a catch-up must start even if nothing was delivered here since.
    pub(super) vouched: u64,
    /// The last messages, oldest first, already encoded.
    pub(super) history: VecDeque<(u64, Utf8Bytes)>,
    pub(super) last_active: Instant,
}

#[derive(Debug)]
pub(super) struct Member {
    pub(super) name: Arc<str>,
    pub(super) peer: Peer,
    /// Messages up to this id were in the member's `joined` (with a Redis broker, they may
    /// still come from the subscription afterwards, and are not sent twice).
    pub(super) skip_through: u64,
}

impl Room {
    pub(super) fn new() -> Room {
        let next_id = first_message_id();
        Room {
            members: Vec::new(),
            next_id,
            published: next_id,
            last_delivered: 0,
            vouched: 0,
            history: VecDeque::new(),
            last_active: Instant::now(),
        }
    }

    // ANCHOR: publish
    /// A new message of this room, `id` its own: kept in the history (the last `keep`) and
    /// queued for every member; returns how many queues took it.
    pub(super) fn publish(&mut self, id: u64, frame: &Utf8Bytes, keep: usize) -> usize {
        if keep > 0 {
            if self.history.len() >= keep {
                self.history.pop_front();
            }
            self.history.push_back((id, frame.clone()));
        }
        self.published = self.published.max(id.saturating_add(1));
        self.fan_out(frame, None)
    }
    // ANCHOR_END: publish

    /// Whether a member (a connection) of this name is in the room, without regard to case.
    pub(super) fn has_member_named(&self, name: &str) -> bool {
        self.members
            .iter()
            .any(|member| member.name.eq_ignore_ascii_case(name))
    }

    /// The members' names, sorted, each once (a signed-in user may be here from several
    /// devices).
    pub(super) fn member_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.members.iter().map(|member| &*member.name).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    // ANCHOR: fan_out
    /// Queues `frame` for every member but `except`; returns how many queues took it.
    pub(super) fn fan_out(&self, frame: &Utf8Bytes, except: Option<ConnId>) -> usize {
        self.members
            .iter()
            .filter(|member| Some(member.peer.id()) != except)
            .filter(|member| member.peer.deliver(frame.clone()))
            .count()
    }
    // ANCHOR_END: fan_out
}

// ANCHOR: first_id
/// Where a new room's message ids start: the microseconds since 1970. Ids only have to increase,
/// and starting from the clock makes them keep increasing across restarts of the server (and
/// when a forgotten room is created again), so a client resuming with an old `since` is never
/// confused by a new message that reuses an old id. JavaScript clients read ids as doubles, and
/// these stay below 2^53 until the year 2255.
pub fn first_message_id() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |since| {
            u64::try_from(since.as_micros()).unwrap_or(u64::MAX / 2)
        })
}
// ANCHOR_END: first_id

/// Takes `conn` out of `room`; when no device of `name` is left in it, and the hub
/// `announce`s its users' departures itself, tells the members.
pub(super) fn remove_member(
    rooms: &mut HashMap<String, Room>,
    room: &str,
    conn: ConnId,
    name: &str,
    announce: bool,
) {
    if let Some(entry) = rooms.get_mut(room) {
        entry.members.retain(|member| member.peer.id() != conn);
        entry.last_active = Instant::now();
        // The user's other devices may still be here: then nobody left.
        if announce && !entry.has_member_named(name) {
            entry.fan_out(
                &protocol::encode_presence(room, name, PresenceEvent::Leave),
                None,
            );
        }
    }
}

/// Whether a member of this name (a device of the user) is in `room`.
pub(super) fn is_in(rooms: &HashMap<String, Room>, room: &str, name: &str) -> bool {
    rooms
        .get(room)
        .is_some_and(|entry| entry.has_member_named(name))
}

/// Makes space for a new room by forgetting the empty room that was quiet longest (its history
/// goes with it). Returns false when every room has members.
pub(super) fn forget_an_empty_room(rooms: &mut HashMap<String, Room>) -> bool {
    let quietest = rooms
        .iter()
        .filter(|(_, room)| room.members.is_empty())
        .min_by_key(|(_, room)| room.last_active)
        .map(|(name, _)| name.clone());
    quietest.is_some_and(|name| rooms.remove(&name).is_some())
}

/// A room's history as read from elsewhere (Redis, with several instances): what
/// [`Hub::join_with_history`](super::Hub::join_with_history) merges with what this instance
/// holds.
#[derive(Debug, Default)]
pub struct History {
    /// Messages after `since` (or the last ones), oldest first: (id, encoded frame).
    pub messages: Vec<(u64, Utf8Bytes)>,
    /// The oldest id still held for the room: the next id when none is held, and `u64::MAX`
    /// when there is no record of the room at all (a new room, or lost data).
    pub oldest: u64,
}

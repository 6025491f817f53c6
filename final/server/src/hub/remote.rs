//! What a broker needs from the hub: checks before a request goes to another instance (through
//! Redis), and the delivery of what comes back from it.
//!
//! Final server — book chapter "Scaling out". With one instance (no broker) none of this is
//! used. The broker calls these; the hub never calls the broker (it only reports departures,
//! through the [`Departures`](super::Departures) trait), so the dependency goes one way.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::peer::ConnId;
use super::room::{History, Member};
use super::{Hub, Refusal, not_welcomed};
use crate::names;
use chat_protocol::{self as protocol, ErrorCode, PresenceEvent, RequestId};

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

    /// Whether `conn` is a signed-in user's (its messages say `"verified": true`).
    pub fn is_verified(&self, conn: ConnId) -> bool {
        self.lock()
            .users
            .get(&conn)
            .is_some_and(|user| user.verified)
    }

    /// The name of `conn`, once it said hello.
    pub fn user_name(&self, conn: ConnId) -> Result<Arc<str>, Refusal> {
        let state = self.lock();
        let user = state.users.get(&conn).ok_or_else(not_welcomed)?;
        Ok(Arc::clone(&user.name))
    }

    /// Whether a user of this instance has the name `name`.
    pub fn has_user(&self, name: &str) -> bool {
        self.holder_of(name).is_some()
    }

    /// Whether a user of this instance has the name `name`: `Some(true)` for a signed-in
    /// user's connections, `Some(false)` for a guest's, `None` for nobody here.
    pub fn holder_of(&self, name: &str) -> Option<bool> {
        let state = self.lock();
        let holder = state.names.get(&names::username_key(name))?;
        Some(holder.verified)
    }

    /// The names of this instance's users, for renewing their claims, each once, with whether
    /// it is a signed-in user's.
    pub fn local_names(&self) -> Vec<(String, bool)> {
        let state = self.lock();
        state
            .names
            .values()
            .map(|holder| (holder.name.to_string(), holder.verified))
            .collect()
    }

    /// The ids of the tokens this instance's connections said `hello` with, each once.
    pub fn token_ids(&self) -> Vec<String> {
        let state = self.lock();
        let mut ids: Vec<String> = state
            .users
            .values()
            .filter_map(|user| user.token_id.clone())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
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

    /// Rooms with members here, and their names, each once.
    pub fn local_members(&self) -> Vec<(String, Vec<String>)> {
        let state = self.lock();
        state
            .rooms
            .iter()
            .filter(|(_, room)| !room.members.is_empty())
            .map(|(name, room)| {
                let names = room.member_names().into_iter().map(str::to_owned).collect();
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
    // ANCHOR: join_with_history
    /// `join` with a history read from Redis: adds the member, queues `joined` with that
    /// history and whatever reached this instance since it was read, and tells the members
    /// here (of a guest: a signed-in user's arrival is told by the broker, see
    /// [`Departures`](super::Departures)). Returns the member's name, whether it is the user's
    /// first device in the room here, and whether the user is signed in.
    pub fn join_with_history(
        &self,
        conn: ConnId,
        room: &str,
        since: Option<u64>,
        history: History,
        everywhere: Option<Vec<String>>,
        id: Option<&RequestId>,
    ) -> Result<(Arc<str>, bool, bool), Refusal> {
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
        // Another device of a signed-in user already here: nobody arrives.
        let arriving = !entry.has_member_named(&user.name);
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
        if arriving && self.announces(user.verified) {
            entry.fan_out(
                &protocol::encode_presence(room, &user.name, PresenceEvent::Join),
                Some(conn),
            );
        }
        Ok((Arc::clone(&user.name), arriving, user.verified))
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

    /// Any other room frame from the broker (a gap): to every member here.
    pub fn deliver_room_event(&self, room: &str, frame: Utf8Bytes) {
        let state = self.lock();
        if let Some(entry) = state.rooms.get(room) {
            entry.fan_out(&frame, None);
        }
    }

    /// A presence frame about `username` from the broker (another instance's, or a signed-in
    /// user's that Redis said this instance must tell): to every member here but that user's own
    /// devices (a user is not told of their own arrival).
    pub fn deliver_presence(&self, room: &str, username: &str, frame: Utf8Bytes) {
        let state = self.lock();
        if let Some(entry) = state.rooms.get(room) {
            let others = entry
                .members
                .iter()
                .filter(|member| !member.name.eq_ignore_ascii_case(username));
            for member in others {
                member.peer.deliver(frame.clone());
            }
        }
    }

    /// A direct message from another instance: for the devices here of its recipient, and of
    /// its sender (a signed-in user's other devices get a copy), each once.
    pub fn deliver_direct(&self, frame: Utf8Bytes) {
        #[derive(serde::Deserialize)]
        struct Ends<'a> {
            #[serde(borrow)]
            from: &'a str,
            #[serde(borrow)]
            to: &'a str,
        }
        let Ok(Ends { from, to }) = serde_json::from_str::<Ends<'_>>(&frame) else {
            return;
        };
        let state = self.lock();
        let conns: BTreeSet<ConnId> = [to, from]
            .iter()
            .filter_map(|name| state.names.get(&names::username_key(name)))
            .flat_map(|holder| holder.conns.iter().copied())
            .collect();
        for user in conns.iter().filter_map(|conn| state.users.get(conn)) {
            user.peer.deliver(frame.clone());
        }
        if state.names.contains_key(&names::username_key(to)) {
            self.stats.direct(); // counted where it was received (its sender's copies are not)
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
        let copy = |id| protocol::encode_direct(id, &user.name, to, text, stamp, user.verified);
        // The sender's other devices get the copy too.
        if let Some(holder) = state.names.get(&names::username_key(&user.name)) {
            let others = holder.conns.iter().filter(|other| **other != conn);
            for other in others.filter_map(|other| state.users.get(other)) {
                other.peer.deliver(copy(None));
            }
        }
        user.peer.deliver(copy(id));
        Ok(())
    }
}

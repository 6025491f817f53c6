//! The names Redis knows things by, and the scripts it runs: one place for the layout of the
//! data that every instance shares.
//!
//! Final server — book chapter "Scaling out", section "The broker".
//!
//! Each script runs atomically inside Redis, so a check and its write cannot be interleaved
//! with another instance's. Frames travel as text: a room's publication is
//! `<origin instance>\n<frame>` (`-` for messages, which every instance delivers, its sender's
//! included).

use crate::names;

// A room's stream, and the set of rooms, are also what the message store reads (book:
// "Persistence"): their names are defined there, once.
pub(super) use crate::store::redis::{ROOMS_KEY, stream_id, stream_key};

// ANCHOR: send_script
/// Gives a room message its id, keeps it in the room's stream and publishes it: atomically, so
/// the order of ids, of the stream and of the publications is one order.
/// KEYS: the room's counter, the room's stream. ARGV: the first id for a new room, the stream's
/// length, the channel, the frame's text before the id and after it, the time (milliseconds
/// since 1970, for retention by age).
pub(super) const SEND_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
local id = string.format('%d', redis.call('INCR', KEYS[1]))
local frame = ARGV[4] .. id .. ARGV[5]
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], id .. '-1', 'f', frame, 't', ARGV[6])
redis.call('PUBLISH', ARGV[3], '-\n' .. frame)
return id
";
// ANCHOR_END: send_script

/// Claims a name for this instance, or renews its claim. KEYS: the name's key. ARGV: the
/// owner (`<instance> <name as written>`), the expiry in seconds. Returns 1 when the name was
/// free and is now claimed, 2 when this owner already had it, 0 when someone else has it.
pub(super) const CLAIM_SCRIPT: &str = r"
local owner = redis.call('GET', KEYS[1])
if owner == false or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  if owner == false then return 1 end
  return 2
end
return 0
";

/// Frees a name, if this owner holds it. KEYS: the name's key. ARGV: the owner.
pub(super) const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Removes a member from a room's list, if this instance added it. KEYS: the room's members.
/// ARGV: the name, the instance.
pub(super) const FORGET_SCRIPT: &str = r"
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
";

pub(super) fn name_key(name: &str) -> String {
    format!("chat:name:{}", names::username_key(name))
}

pub(super) fn counter_key(room: &str) -> String {
    format!("chat:room:{room}:next")
}

pub(super) fn members_key(room: &str) -> String {
    format!("chat:room:{room}:members")
}

pub(super) fn alive_key(instance: &str) -> String {
    format!("chat:instance:{instance}:alive")
}

pub(super) fn room_channel(room: &str) -> String {
    format!("chat:room:{room}")
}

pub(super) fn instance_channel(instance: &str) -> String {
    format!("chat:instance:{instance}")
}

/// The value of a name's key: which instance has it, and the name as its user wrote it.
pub(super) fn owner(instance: &str, name: &str) -> String {
    format!("{instance} {name}")
}

/// The `id` of a `message` frame; `None` for any other frame.
pub(super) fn message_id(frame: &str) -> Option<u64> {
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
    use chat_protocol::{self as protocol, PresenceEvent};

    #[test]
    fn message_ids_are_read_from_message_frames_only() {
        let frame =
            protocol::encode_message("r", 42, "ann", "hi", "2026-01-01T00:00:00.000Z", false);
        assert_eq!(message_id(&frame), Some(42));
        let presence = protocol::encode_presence("r", "ann", PresenceEvent::Join);
        assert_eq!(message_id(&presence), None);
        assert_eq!(stream_id("17-1"), Some(17));
    }
}

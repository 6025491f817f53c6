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
// "Persistence"), and a revoked token's key is the accounts' (book: "Accounts and tokens"):
// their names are defined there, once.
pub(super) use crate::store::redis::{ROOMS_KEY, revoked_key, stream_id, stream_key};

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

/// Claims a name for this instance, or renews its claim. KEYS: the name's key, the set of
/// instances a signed-in user is connected to. ARGV: the owner, the expiry in seconds, this
/// instance for a signed-in user (`''` for a guest), the alive key's prefix and suffix.
///
/// A guest's name has one owner, `<instance> <name as written>`. A signed-in user's name is
/// owned by the account, `* <name>`, and may be claimed by any number of instances (the user's
/// devices), which the set lists; a guest can never hold it, nor a signed-in user a guest's.
/// Returns 1 when this instance's claim is new, 2 when it was already there, 0 when someone
/// else has the name. Instances no longer alive are dropped from the set as it goes.
pub(super) const CLAIM_SCRIPT: &str = r"
local owner = redis.call('GET', KEYS[1])
if ARGV[3] ~= '' then
  if owner == false then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  elseif string.sub(owner, 1, 2) == '* ' then
    redis.call('EXPIRE', KEYS[1], ARGV[2])
  else
    return 0
  end
  for _, instance in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    if instance ~= ARGV[3] and redis.call('EXISTS', ARGV[4] .. instance .. ARGV[5]) == 0 then
      redis.call('SREM', KEYS[2], instance)
    end
  end
  local added = redis.call('SADD', KEYS[2], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  if added == 1 then return 1 end
  return 2
end
if owner == false or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  if owner == false then return 1 end
  return 2
end
return 0
";

/// Gives up this instance's claim on a name. KEYS: the name's key, its set of instances.
/// ARGV: the owner had it been a guest's, this instance, the alive key's prefix and suffix. A
/// signed-in user's name is freed when no live instance has it any more.
pub(super) const RELEASE_SCRIPT: &str = r"
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then return redis.call('DEL', KEYS[1]) end
if owner ~= false and string.sub(owner, 1, 2) == '* ' then
  redis.call('SREM', KEYS[2], ARGV[2])
  for _, instance in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    if redis.call('EXISTS', ARGV[3] .. instance .. ARGV[4]) == 0 then
      redis.call('SREM', KEYS[2], instance)
    end
  end
  if redis.call('SCARD', KEYS[2]) == 0 then redis.call('DEL', KEYS[1]) end
  return 1
end
return 0
";

// ANCHOR: presence_script
/// A member arrives in a room on this instance, or leaves it: the room's member list (name →
/// the instances the member is in the room from, separated by spaces; instances no longer
/// alive are dropped) follows, and the presence frame is published. A guest is on one
/// instance, so their presence is always published; a signed-in user's only when the first of
/// their instances joins and when the last leaves (the script returns 1: then this instance
/// tells its own members too), so every room sees them arrive and leave once, whatever the
/// number of their devices.
/// KEYS: the room's members, the set of rooms. ARGV: the name, this instance, `join` or
/// `leave`, the room, its channel, the publication (`''`: none), `1` to publish only for the
/// first or last instance, the alive key's prefix and suffix. Returns 1 when no other instance
/// has the member in the room.
pub(super) const PRESENCE_SCRIPT: &str = r"
local list = redis.call('HGET', KEYS[1], ARGV[1])
local kept = {}
if list then
  for instance in string.gmatch(list, '%S+') do
    if instance ~= ARGV[2] and redis.call('EXISTS', ARGV[8] .. instance .. ARGV[9]) == 1 then
      table.insert(kept, instance)
    end
  end
end
local alone = #kept == 0
if ARGV[3] == 'join' then
  table.insert(kept, ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[4])
end
if #kept == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], table.concat(kept, ' '))
end
if ARGV[6] ~= '' and (alone or ARGV[7] == '0') then redis.call('PUBLISH', ARGV[5], ARGV[6]) end
if alone then return 1 end
return 0
";
// ANCHOR_END: presence_script

/// Removes a member from a room's list if it is still as it was read (every instance in it
/// found dead). KEYS: the room's members. ARGV: the name, the list as read.
pub(super) const FORGET_SCRIPT: &str = r"
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
";

/// Where the tokens signed out on one instance are told to all (their `jti`), so that each
/// closes the connections that use them.
pub(super) const SIGN_OUT_CHANNEL: &str = "chat:signed-out";

/// An instance's alive key is `<ALIVE_PREFIX><instance><ALIVE_SUFFIX>` (the presence script
/// builds it too).
const ALIVE_PREFIX: &str = "chat:instance:";
const ALIVE_SUFFIX: &str = ":alive";

/// The alive key's prefix and suffix, for [`PRESENCE_SCRIPT`].
pub(super) fn alive_key_parts() -> (&'static str, &'static str) {
    (ALIVE_PREFIX, ALIVE_SUFFIX)
}

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
    format!("{ALIVE_PREFIX}{instance}{ALIVE_SUFFIX}")
}

/// The set of instances a signed-in user's devices are connected to.
pub(super) fn devices_key(name: &str) -> String {
    format!("{}:on", name_key(name))
}

pub(super) fn room_channel(room: &str) -> String {
    format!("chat:room:{room}")
}

pub(super) fn instance_channel(instance: &str) -> String {
    format!("chat:instance:{instance}")
}

/// The value of a guest's name's key: which instance has it, and the name as its user wrote it.
pub(super) fn owner(instance: &str, name: &str) -> String {
    format!("{instance} {name}")
}

/// The value of a signed-in user's name's key: the account's, on any number of instances.
pub(super) fn account_owner(name: &str) -> String {
    format!("* {name}")
}

/// Who has a name, as its key says: `None` for nobody.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Owner<'a> {
    /// A guest, on one instance: (the instance, the name as written).
    Guest(&'a str, &'a str),
    /// A signed-in user (the name as written), on the instances of [`devices_key`].
    Account(&'a str),
}

/// Reads the value of a name's key.
pub(super) fn parse_owner(value: &str) -> Option<Owner<'_>> {
    match value.split_once(' ')? {
        ("*", name) => Some(Owner::Account(name)),
        (instance, name) => Some(Owner::Guest(instance, name)),
    }
}

/// What a room's publication is, as far as delivering it goes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum RoomFrame {
    /// A message, with its id.
    Message(u64),
    /// Someone arrived or left: their name.
    Presence(String),
    /// Anything else (a gap).
    Other,
}

/// Reads the head of a room's publication.
pub(super) fn room_frame(frame: &str) -> RoomFrame {
    #[derive(serde::Deserialize)]
    struct Head<'a> {
        #[serde(rename = "type", borrow)]
        kind: &'a str,
        id: Option<u64>,
        username: Option<String>,
    }
    match serde_json::from_str::<Head<'_>>(frame) {
        Ok(Head {
            kind: "message",
            id: Some(id),
            ..
        }) => RoomFrame::Message(id),
        Ok(Head {
            kind: "presence",
            username: Some(name),
            ..
        }) => RoomFrame::Presence(name),
        _ => RoomFrame::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_protocol::{self as protocol, PresenceEvent};

    #[test]
    fn room_frames_are_told_apart_by_their_head() {
        let frame =
            protocol::encode_message("r", 42, "ann", "hi", "2026-01-01T00:00:00.000Z", false);
        assert_eq!(room_frame(&frame), RoomFrame::Message(42));
        let presence = protocol::encode_presence("r", "ann", PresenceEvent::Join);
        assert_eq!(room_frame(&presence), RoomFrame::Presence("ann".into()));
        assert_eq!(
            room_frame(&protocol::encode_gap("r", 1, 5)),
            RoomFrame::Other
        );
        assert_eq!(stream_id("17-1"), Some(17));
    }

    #[test]
    fn a_names_owner_is_a_guest_on_one_instance_or_an_account() {
        assert_eq!(
            parse_owner(&owner("0a1b", "Ann")),
            Some(Owner::Guest("0a1b", "Ann"))
        );
        assert_eq!(
            parse_owner(&account_owner("Ann")),
            Some(Owner::Account("Ann"))
        );
        assert_eq!(parse_owner("garbage"), None);
        assert_eq!(alive_key("0a1b"), "chat:instance:0a1b:alive");
    }
}

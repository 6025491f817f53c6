//! What the client shows: the lines each server frame becomes, and the one way lines reach the
//! terminal.
//!
//! Final server — book chapter "Running the server", section "The terminal client".
//!
//! Showing a frame also updates what the client remembers (the last id shown per room, the
//! rooms it is in), because that is where resume gets its `since`: a message whose id was
//! already passed is not shown again.

use serde_json::Value;
use tokio::sync::mpsc;

use crate::memory::Memory;

// ANCHOR: shown
/// The lines a server frame shows, updating what the client remembers. A room message whose id
/// is not above the last one shown in its room was seen before, and shows nothing.
pub(crate) fn shown(frame: &Value, memory: &mut Memory, me: &str) -> Vec<String> {
    let room = str_field(frame, "room");
    match str_field(frame, "type") {
        "message" => message_line(frame, memory).into_iter().collect(),
        "joined" => joined_lines(frame, memory, room),
        "history" => older_lines(frame, memory, room),
        "left" => {
            memory.rooms.remove(room);
            memory.oldest.remove(room);
            if memory.current.as_deref() == Some(room) {
                memory.current = memory.rooms.keys().next().cloned();
            }
            vec![format!("* you left #{room}")]
        }
        "gap" => vec![format!(
            "* some messages in #{room} were lost before reaching you (the server lost touch with Redis)"
        )],
        "presence" => {
            let verb = if frame["event"] == "join" {
                "joined"
            } else {
                "left"
            };
            vec![format!("* {} {verb} #{room}", str_field(frame, "username"))]
        }
        "direct" if str_field(frame, "from") == me => {
            vec![format!(
                "[{}] (to {}) {}",
                clock(frame),
                str_field(frame, "to"),
                str_field(frame, "text")
            )]
        }
        "direct" => vec![format!(
            "[{}] (from {}{}) {}",
            clock(frame),
            str_field(frame, "from"),
            verified_mark(frame),
            str_field(frame, "text")
        )],
        "rooms" => {
            let rooms: Vec<String> = frame["rooms"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|room| format!("#{} ({})", str_field(room, "name"), room["members"]))
                .collect();
            vec![if rooms.is_empty() {
                "* no rooms yet".to_owned()
            } else {
                format!("* rooms: {}", rooms.join(", "))
            }]
        }
        "error" => {
            forget_refused_join(frame, memory);
            vec![format!(
                "! {}: {}",
                str_field(frame, "code"),
                str_field(frame, "message")
            )]
        }
        _ => Vec::new(),
    }
}
// ANCHOR_END: shown

/// A `joined` reply: the room is remembered (and becomes the current one when it was joined
/// with `/join`), then the members, a word if some history is gone, and the history itself.
fn joined_lines(frame: &Value, memory: &mut Memory, room: &str) -> Vec<String> {
    let was_in = memory.rooms.get(room).copied().flatten().is_some();
    memory.rooms.entry(room.to_owned()).or_insert(None);
    if frame["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("join:"))
        || memory.current.is_none()
    {
        memory.current = Some(room.to_owned()); // a room joined with /join becomes current
    }
    let members: Vec<&str> = frame["members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut lines = vec![format!(
        "* {} #{room}; here: {}",
        if was_in { "back in" } else { "joined" },
        members.join(", ")
    )];
    if frame["truncated"] == true {
        lines.push(format!(
            "* #{room} may have had messages while you were away that the server no longer holds"
        ));
    }
    let history = frame["history"].as_array().into_iter().flatten();
    if let Some(first) = frame["history"][0]["id"].as_u64() {
        remember_oldest(memory, room, first);
    }
    lines.extend(history.filter_map(|message| message_line(message, memory)));
    lines
}

/// A `history` reply (`/more`): older messages, shown as they are (they were not seen on this
/// screen, and they do not move the last id shown), then whether the room goes further back.
fn older_lines(frame: &Value, memory: &mut Memory, room: &str) -> Vec<String> {
    let messages = frame["messages"].as_array().map_or(&[][..], Vec::as_slice);
    if let Some(first) = messages.first().and_then(|m| m["id"].as_u64()) {
        remember_oldest(memory, room, first);
    }
    let mut lines = vec![format!("* earlier in #{room}:")];
    lines.extend(messages.iter().map(format_message));
    lines.push(if frame["more"] == true {
        "* (/more for older ones)".to_owned()
    } else {
        format!("* (the beginning of #{room})")
    });
    lines
}

fn remember_oldest(memory: &mut Memory, room: &str, id: u64) {
    let oldest = memory.oldest.entry(room.to_owned()).or_insert(id);
    *oldest = (*oldest).min(id);
}

/// An error that answers a `join` (ids `join:ROOM` and `rejoin:ROOM`): the room is forgotten, so
/// that it is not tried again on the next reconnect.
fn forget_refused_join(frame: &Value, memory: &mut Memory) {
    let id = str_field(frame, "id");
    if let Some(room) = id
        .strip_prefix("join:")
        .or_else(|| id.strip_prefix("rejoin:"))
    {
        memory.rooms.remove(room);
        if memory.current.as_deref() == Some(room) {
            memory.current = memory.rooms.keys().next().cloned();
        }
    }
}

fn message_line(message: &Value, memory: &mut Memory) -> Option<String> {
    let room = str_field(message, "room");
    let id = message["id"].as_u64()?;
    let last = memory.rooms.get_mut(room)?;
    if last.is_some_and(|last| id <= last) {
        return None; // already shown
    }
    *last = Some(id);
    if memory.oldest.get(room).is_none_or(|oldest| id < *oldest) {
        memory.oldest.insert(room.to_owned(), id);
    }
    Some(format_message(message))
}

fn format_message(message: &Value) -> String {
    format!(
        "[{}] #{} <{}{}> {}",
        clock(message),
        str_field(message, "room"),
        str_field(message, "username"),
        verified_mark(message),
        str_field(message, "text")
    )
}

/// `✓` after the name of an author who was signed in (`"verified": true`); nothing for a guest.
fn verified_mark(frame: &Value) -> &'static str {
    if frame["verified"] == true { "✓" } else { "" }
}

pub(crate) fn str_field<'a>(frame: &'a Value, field: &str) -> &'a str {
    frame[field].as_str().unwrap_or("")
}

/// `HH:MM:SS` of an RFC 3339 time stamp (UTC).
fn clock(frame: &Value) -> &str {
    str_field(frame, "timestamp")
        .get(11..19)
        .unwrap_or("--:--:--")
}

/// Shows a line, with control characters replaced: the text comes from other people, and a
/// terminal obeys control sequences (stage 3's lesson).
pub(crate) async fn show(output: &mpsc::Sender<String>, line: String) {
    let clean: String = line
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    let _ = output.send(clean).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_message_already_shown_is_not_shown_again() {
        let mut memory = Memory::default();
        memory.rooms.insert("r".into(), None);
        let message = |id: u64| json!({"type":"message","room":"r","id":id,"username":"a","text":"t","timestamp":"2026-01-01T10:20:30.000Z"});
        assert_eq!(
            shown(&message(5), &mut memory, "me"),
            ["[10:20:30] #r <a> t"]
        );
        assert!(shown(&message(5), &mut memory, "me").is_empty());
        assert!(shown(&message(4), &mut memory, "me").is_empty());
        let joined = json!({"type":"joined","room":"r","members":["a","me"],"history":[message(5), message(6)]});
        assert_eq!(
            shown(&joined, &mut memory, "me"),
            ["* back in #r; here: a, me", "[10:20:30] #r <a> t"]
        );
        assert_eq!(memory.rooms["r"], Some(6));
        assert_eq!(memory.oldest["r"], 5);
        let older =
            json!({"type":"history","room":"r","messages":[message(2), message(3)],"more":false});
        assert_eq!(
            shown(&older, &mut memory, "me"),
            [
                "* earlier in #r:",
                "[10:20:30] #r <a> t",
                "[10:20:30] #r <a> t",
                "* (the beginning of #r)"
            ]
        );
        assert_eq!(memory.oldest["r"], 2, "/more goes on from there");
        assert_eq!(memory.rooms["r"], Some(6), "the last id shown is unchanged");
        let signed = json!({"type":"message","room":"r","id":7,"username":"a","text":"t","timestamp":"2026-01-01T10:20:30.000Z","verified":true});
        assert_eq!(shown(&signed, &mut memory, "me"), ["[10:20:30] #r <a✓> t"]);
    }

    #[test]
    fn a_gap_is_shown() {
        let gap = json!({"type":"gap","room":"r","after":5,"resumed":0});
        let lines = shown(&gap, &mut Memory::default(), "me");
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].contains("#r") && lines[0].contains("lost"),
            "{lines:?}"
        );
    }
}

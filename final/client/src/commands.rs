//! What a typed line means: a request for the server, a line for the screen, or quitting.
//!
//! Final server — book chapter "Running the server", section "The terminal client".
//!
//! Kept apart from the socket so that the meaning of each command can be read (and tested) on
//! its own: [`interpret`] only looks at the line and at what the client remembers.

use serde_json::{Value, json};

use crate::memory::Memory;

/// The commands, as `/help` shows them.
pub const HELP: &str = "commands: /join ROOM, /leave [ROOM], /room ROOM (switch), /msg USER TEXT, /rooms, /more (older messages), /help, /quit; anything else goes to the current room";

/// How many older messages `/more` asks for.
const MORE: usize = 20;

/// What to do with one typed line.
#[derive(Debug, PartialEq)]
pub(crate) enum Typed {
    /// Send this request to the server.
    Request(Value),
    /// Show this line (help, usage, a local change such as `/room`).
    Say(String),
    /// The user quits.
    Quit,
    /// An empty line: nothing.
    Nothing,
}

/// The meaning of `line` (already without its line ending). `/room` changes the current room
/// here, since it needs no server.
pub(crate) fn interpret(line: &str, memory: &mut Memory) -> Typed {
    let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
    let rest = rest.trim();
    match command {
        "" => Typed::Nothing,
        "/quit" => Typed::Quit,
        "/help" => Typed::Say(format!("* {HELP}")),
        // The id comes back on `joined` (then this room becomes the current one) or on the error.
        "/join" if !rest.is_empty() => {
            Typed::Request(json!({"type": "join", "room": rest, "id": format!("join:{rest}")}))
        }
        "/leave" => match (rest, &memory.current) {
            ("", Some(current)) => Typed::Request(json!({"type": "leave", "room": current})),
            ("", None) => Typed::Say("* you are in no room".to_owned()),
            (room, _) => Typed::Request(json!({"type": "leave", "room": room})),
        },
        "/room" if memory.rooms.contains_key(rest) => {
            memory.current = Some(rest.to_owned());
            Typed::Say(format!("* now talking in #{rest}"))
        }
        "/room" => Typed::Say(format!("* you are not in #{rest}; /join it first")),
        "/msg" => match rest.split_once(' ') {
            Some((to, text)) => {
                Typed::Request(json!({"type": "direct", "to": to, "text": text.trim()}))
            }
            None => Typed::Say("* usage: /msg USER TEXT".to_owned()),
        },
        "/rooms" => Typed::Request(json!({"type": "rooms"})),
        // The 20 messages before the oldest one shown in the current room (scrollback).
        "/more" => match &memory.current {
            Some(room) => match memory.oldest.get(room) {
                Some(oldest) => Typed::Request(
                    json!({"type": "history", "room": room, "before": oldest, "limit": MORE}),
                ),
                None => Typed::Request(json!({"type": "history", "room": room, "limit": MORE})),
            },
            None => Typed::Say("* join a room first: /join ROOM".to_owned()),
        },
        _ if command.starts_with('/') => Typed::Say(format!("* unknown command {command}; {HELP}")),
        _ => match &memory.current {
            Some(room) => Typed::Request(json!({"type": "send", "room": room, "text": line})),
            None => Typed::Say("* join a room first: /join ROOM".to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_goes_to_the_current_room_and_room_switches_locally() {
        let mut memory = Memory::default();
        assert_eq!(
            interpret("hi", &mut memory),
            Typed::Say("* join a room first: /join ROOM".to_owned())
        );
        memory.rooms.insert("rust".into(), None);
        memory.rooms.insert("go".into(), None);
        memory.current = Some("rust".into());
        assert_eq!(
            interpret("hi there", &mut memory),
            Typed::Request(json!({"type": "send", "room": "rust", "text": "hi there"}))
        );
        assert_eq!(
            interpret("/room go", &mut memory),
            Typed::Say("* now talking in #go".to_owned())
        );
        assert_eq!(memory.current.as_deref(), Some("go"));
        assert_eq!(
            interpret("/room java", &mut memory),
            Typed::Say("* you are not in #java; /join it first".to_owned())
        );
        assert_eq!(
            interpret("/msg bob  psst ", &mut memory),
            Typed::Request(json!({"type": "direct", "to": "bob", "text": "psst"}))
        );
        assert_eq!(interpret("/quit", &mut memory), Typed::Quit);
        assert_eq!(
            interpret("/more", &mut memory),
            Typed::Request(json!({"type": "history", "room": "go", "limit": 20}))
        );
        memory.oldest.insert("go".into(), 41);
        assert_eq!(
            interpret("/more", &mut memory),
            Typed::Request(json!({"type": "history", "room": "go", "before": 41, "limit": 20}))
        );
    }
}

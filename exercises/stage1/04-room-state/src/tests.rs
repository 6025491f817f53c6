//! Tests for exercise 1.4. Read them to see what is expected; do not edit them.

use super::*;

fn in_room(username: &str, room: &str) -> State {
    State::InRoom {
        username: username.to_owned(),
        room: room.to_owned(),
    }
}

fn refused(from: &'static str, action: &'static str) -> Result<(), TransitionError> {
    Err(TransitionError { from, action })
}

#[test]
fn the_happy_path() {
    let mut state = State::Connected;
    state
        .set_name("alice")
        .expect("a new connection may set its name");
    assert_eq!(
        state,
        State::Named {
            username: "alice".into()
        }
    );
    state
        .enter("rust")
        .expect("a named connection may enter a room");
    assert_eq!(state, in_room("alice", "rust"));
    state
        .leave_room()
        .expect("a connection in a room may leave it");
    assert_eq!(
        state,
        State::Named {
            username: "alice".into()
        },
        "leaving a room keeps the name"
    );
    state.close();
    assert_eq!(state, State::Closed);
}

#[test]
fn renaming_and_switching_rooms() {
    let mut state = in_room("alice", "rust");
    state
        .set_name("alice2")
        .expect("renaming inside a room is allowed");
    assert_eq!(state, in_room("alice2", "rust"), "renaming keeps the room");
    state
        .enter("general")
        .expect("entering another room switches to it");
    assert_eq!(
        state,
        in_room("alice2", "general"),
        "switching rooms keeps the name"
    );
    let mut named = State::Named {
        username: "bob".into(),
    };
    named.set_name("robert").unwrap();
    assert_eq!(
        named,
        State::Named {
            username: "robert".into()
        }
    );
}

#[test]
fn cannot_enter_a_room_without_a_name() {
    let mut state = State::Connected;
    assert_eq!(state.enter("rust"), refused("connected", "enter"));
    assert_eq!(
        state,
        State::Connected,
        "a refused transition must not change the state"
    );
}

#[test]
fn cannot_leave_a_room_you_are_not_in() {
    let mut state = State::Connected;
    assert_eq!(state.leave_room(), refused("connected", "leave_room"));
    let mut named = State::Named {
        username: "bob".into(),
    };
    assert_eq!(named.leave_room(), refused("named", "leave_room"));
    assert_eq!(
        named,
        State::Named {
            username: "bob".into()
        },
        "a refused transition must not change the state"
    );
}

#[test]
fn nothing_happens_after_close() {
    let mut state = in_room("alice", "rust");
    state.close();
    assert_eq!(state.set_name("zombie"), refused("closed", "set_name"));
    assert_eq!(state.enter("rust"), refused("closed", "enter"));
    assert_eq!(state.leave_room(), refused("closed", "leave_room"));
    assert_eq!(state, State::Closed);
    state.close();
    assert_eq!(state, State::Closed, "closing twice is fine");
}

#[test]
fn room_is_only_there_in_a_room() {
    assert_eq!(in_room("alice", "rust").room(), Some("rust"));
    assert_eq!(
        State::Named {
            username: "a".into()
        }
        .room(),
        None
    );
    assert_eq!(State::Connected.room(), None);
    assert_eq!(State::Closed.room(), None);
}

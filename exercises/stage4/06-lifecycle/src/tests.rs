//! Tests for exercise 4.6. Read them to see what is expected; do not edit them.

use super::*;

fn joined(name: &str) -> Lifecycle {
    let mut lifecycle = Lifecycle::new();
    assert_eq!(
        lifecycle.on(Input::Hello(name.into())),
        [Output::Welcome(name.into())]
    );
    lifecycle
}

#[test]
fn hello_then_talk() {
    let mut c = Lifecycle::new();
    assert_eq!(
        c.on(Input::Hello("  alice ".into())),
        [Output::Welcome("alice".into())],
        "the name is trimmed"
    );
    assert_eq!(
        c.phase(),
        &Phase::Joined {
            username: "alice".into()
        }
    );
    assert_eq!(
        c.on(Input::Say("  hi all  ".into())),
        [Output::Broadcast {
            from: "alice".into(),
            text: "hi all".into()
        }]
    );
}

#[test]
fn bad_names_and_early_words_are_errors_that_keep_the_phase() {
    let mut c = Lifecycle::new();
    assert_eq!(
        c.on(Input::Say("hi".into())),
        [Output::Error("say_hello_first")]
    );
    assert_eq!(
        c.on(Input::Hello("   ".into())),
        [Output::Error("invalid_username")]
    );
    assert_eq!(
        c.on(Input::Hello("bob smith".into())),
        [Output::Error("invalid_username")],
        "no spaces inside"
    );
    assert_eq!(
        c.on(Input::Hello("x".repeat(33))),
        [Output::Error("invalid_username")],
        "at most 32 characters"
    );
    assert_eq!(c.phase(), &Phase::Connecting, "errors change nothing");
    assert_eq!(
        c.on(Input::Hello("é".repeat(32))),
        [Output::Welcome("é".repeat(32))],
        "32 characters, not bytes"
    );
}

#[test]
fn joined_connections_refuse_a_second_hello_and_empty_messages() {
    let mut c = joined("alice");
    assert_eq!(
        c.on(Input::Hello("mallory".into())),
        [Output::Error("already_joined")]
    );
    assert_eq!(
        c.on(Input::Say("   ".into())),
        [Output::Error("empty_message")]
    );
    assert_eq!(
        c.phase(),
        &Phase::Joined {
            username: "alice".into()
        }
    );
}

#[test]
fn no_hello_in_time_closes_with_4502_but_only_before_hello() {
    let mut silent = Lifecycle::new();
    assert_eq!(silent.on(Input::HelloTimeout), [Output::Close(4502)]);
    assert_eq!(silent.phase(), &Phase::Gone);
    let mut c = joined("alice");
    assert_eq!(
        c.on(Input::HelloTimeout),
        Vec::<Output>::new(),
        "a late timer is ignored"
    );
    assert_eq!(
        c.phase(),
        &Phase::Joined {
            username: "alice".into()
        }
    );
}

#[test]
fn shutdown_says_1001_and_then_nothing_new_is_accepted() {
    let mut c = joined("alice");
    assert_eq!(c.on(Input::Shutdown), [Output::Close(1001)]);
    assert_eq!(c.phase(), &Phase::Leaving);
    assert_eq!(
        c.on(Input::Say("one more".into())),
        Vec::<Output>::new(),
        "leaving: no new messages"
    );
    assert_eq!(
        c.on(Input::Shutdown),
        Vec::<Output>::new(),
        "only one close"
    );
    assert_eq!(c.on(Input::ClientClosed), Vec::<Output>::new());
    assert_eq!(c.phase(), &Phase::Gone);
    let mut early = Lifecycle::new();
    assert_eq!(
        early.on(Input::Shutdown),
        [Output::Close(1001)],
        "also before hello"
    );
}

#[test]
fn a_closed_client_is_gone_and_stays_gone() {
    let mut c = joined("alice");
    assert_eq!(c.on(Input::ClientClosed), Vec::<Output>::new());
    assert_eq!(c.phase(), &Phase::Gone);
    for input in [
        Input::Hello("a".into()),
        Input::Say("b".into()),
        Input::Shutdown,
        Input::HelloTimeout,
    ] {
        assert_eq!(c.on(input), Vec::<Output>::new(), "gone means gone");
    }
    assert_eq!(c.phase(), &Phase::Gone);
}

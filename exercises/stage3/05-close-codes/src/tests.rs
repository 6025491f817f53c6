//! Tests for exercise 3.5. Read them to see what is expected; do not edit them.

use super::*;

fn code_and_reason(goodbye: Goodbye) -> (u16, String) {
    let frame = close_frame(&goodbye);
    (u16::from(frame.code), frame.reason.to_string())
}

#[test]
fn standard_codes() {
    assert_eq!(code_and_reason(Goodbye::Normal), (1000, "bye".into()));
    assert_eq!(
        code_and_reason(Goodbye::ShuttingDown),
        (1001, "server shutting down".into())
    );
    assert_eq!(
        code_and_reason(Goodbye::Policy("no spam".into())),
        (1008, "no spam".into())
    );
    assert_eq!(
        code_and_reason(Goodbye::TooBig),
        (1009, "message too big".into())
    );
}

#[test]
fn application_codes() {
    assert_eq!(
        code_and_reason(Goodbye::TooSlow),
        (4008, "too slow to read".into())
    );
    assert_eq!(
        code_and_reason(Goodbye::Idle),
        (4012, "no pong, idle too long".into())
    );
    assert_eq!(
        code_and_reason(Goodbye::NoHello),
        (4502, "no hello in time".into())
    );
}

#[test]
fn long_reasons_are_cut_on_a_character_boundary() {
    let ascii = "x".repeat(200);
    let (_, reason) = code_and_reason(Goodbye::Policy(ascii));
    assert_eq!(reason.len(), MAX_REASON_BYTES, "keep as much as fits");

    // 'é' is 2 bytes: 61 of them are 122 bytes, and the 62nd would end at byte 124.
    let accents = "é".repeat(100);
    let (_, reason) = code_and_reason(Goodbye::Policy(accents));
    assert_eq!(
        reason,
        "é".repeat(61),
        "cut before the character that does not fit whole"
    );

    let exact = "y".repeat(MAX_REASON_BYTES);
    assert_eq!(
        code_and_reason(Goodbye::Policy(exact.clone())).1,
        exact,
        "123 bytes fit as they are"
    );
}

#[test]
fn reconnect_after_shutdown_breakage_and_4000_to_4499() {
    for code in [1001, 1006, 4000, 4008, 4012, 4499] {
        assert!(may_reconnect(code), "{code} means: you may reconnect");
    }
}

#[test]
fn do_not_reconnect_otherwise() {
    for code in [1000, 1008, 1009, 1011, 3999, 4500, 4502, 4999, 5000] {
        assert!(!may_reconnect(code), "{code} means: do not reconnect");
    }
}

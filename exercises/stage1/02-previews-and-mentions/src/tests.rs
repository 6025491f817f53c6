//! Tests for exercise 1.2. Read them to see what is expected; do not edit them.

use super::*;

/// True when `part` is a slice of `whole` (it points into the same memory).
fn borrows_from(part: &str, whole: &str) -> bool {
    let start = whole.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    p >= start && p + part.len() <= start + whole.len()
}

#[test]
fn preview_cuts_ascii_text() {
    let text = "hello, everyone";
    assert_eq!(preview(text, 5), "hello");
    assert!(
        borrows_from(preview(text, 5), text),
        "preview must return a slice of the text, not a new String"
    );
    assert_eq!(preview(text, 0), "", "zero characters is an empty preview");
}

#[test]
fn preview_keeps_short_text_whole() {
    assert_eq!(
        preview("hi", 10),
        "hi",
        "a text shorter than max_chars is returned whole"
    );
    assert_eq!(preview("", 3), "");
    assert_eq!(preview("exact", 5), "exact");
}

#[test]
fn preview_counts_characters_not_bytes() {
    // 'é' and 'ö' take two bytes each in UTF-8; slicing by bytes would panic or cut them in half.
    assert_eq!(
        preview("héllo wörld", 2),
        "hé",
        "max_chars counts characters, not bytes"
    );
    assert_eq!(preview("héllo wörld", 8), "héllo wö");
    assert_eq!(
        preview("🦀🦀🦀", 1),
        "🦀",
        "an emoji is one character (four bytes)"
    );
}

#[test]
fn mentions_finds_names_in_order() {
    let text = "hi @bob and @carol, see @dave-2!";
    let found = mentions(text);
    assert_eq!(
        found,
        ["bob", "carol", "dave-2"],
        "punctuation after a name ends it"
    );
    assert!(
        found.iter().all(|name| borrows_from(name, text)),
        "each mention must be a slice of the text"
    );
}

#[test]
fn mentions_lists_each_name_once() {
    assert_eq!(
        mentions("@bob @alice @bob"),
        ["bob", "alice"],
        "keep the first appearance only"
    );
}

#[test]
fn mentions_ignores_emails_and_lone_at_signs() {
    assert_eq!(
        mentions("mail bob@example.com"),
        Vec::<&str>::new(),
        "an @ inside a word is not a mention"
    );
    assert_eq!(
        mentions("meet @ noon"),
        Vec::<&str>::new(),
        "a lone @ is not a mention"
    );
    assert_eq!(
        mentions("@zoë\t@_x"),
        ["zoë", "_x"],
        "names may hold any alphanumeric character and '_'"
    );
}

#[test]
fn longer_picks_by_characters_and_prefers_the_first() {
    assert_eq!(longer("short", "much longer"), "much longer");
    assert_eq!(
        longer("ééé", "abcd"),
        "abcd",
        "'ééé' is 3 characters (6 bytes)"
    );
    let (a, b) = ("same", "size");
    assert!(
        std::ptr::eq(longer(a, b), a),
        "on a tie, return the first text"
    );
}

//! Tests for exercise 5.1. Read them to see what is expected; do not edit them.

use super::*;

#[test]
fn the_correct_preview_passes() {
    assert_eq!(
        check(correct),
        Ok(()),
        "the check must not reject the correct version"
    );
}

#[test]
fn counting_bytes_is_caught() {
    assert!(
        check(bug_bytes).is_err(),
        "bug_bytes counts bytes: try text with 'é' or an emoji"
    );
}

#[test]
fn the_off_by_one_is_caught() {
    assert!(
        check(bug_off_by_one).is_err(),
        "bug_off_by_one keeps max_chars - 1 characters when cutting"
    );
}

#[test]
fn the_missing_ellipsis_is_caught() {
    assert!(
        check(bug_no_ellipsis).is_err(),
        "bug_no_ellipsis never adds the ellipsis"
    );
}

#[test]
fn the_edge_case_is_caught() {
    assert!(
        check(bug_edge).is_err(),
        "bug_edge adds the ellipsis to a text of exactly max_chars characters"
    );
}

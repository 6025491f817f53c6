//! Stage 1 — Foundations: proves that the "does not compile" listings of book chapter 1 really
//! fail to compile, with the error the chapter explains, and that their fixed versions compile.
//! The book includes the recorded compiler output (`compile_fail/*.stderr`); see
//! `roadmap_tests::compile_fail` for how it is kept exact. Re-record it with
//! `BLESS=1 cargo test -p stage1-foundations --test compile_fail`.

use roadmap_tests::{assert_compile_fails, assert_compiles};

#[test]
fn two_borrowed_inputs_need_a_named_lifetime() {
    assert_compile_fails!("missing_lifetime.rs", "error[E0106]");
    assert_compiles!("missing_lifetime_fixed.rs");
}

#[test]
fn a_command_cannot_outlive_its_line() {
    assert_compile_fails!("dangling_command.rs", "error[E0597]");
}

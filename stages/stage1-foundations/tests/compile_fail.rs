//! Stage 1 — Foundations: proves that the "does not compile" listings of book chapter 1 really
//! fail to compile, with the error the chapter explains, and that their fixed versions compile.
//! The book includes the recorded compiler output (`compile_fail/*.stderr`); see
//! `roadmap_tests::compile_fail` for how it is kept exact. Re-record it with
//! `BLESS=1 cargo test -p stage1-foundations --test compile_fail`.

use std::path::Path;

use roadmap_tests::compile_fail::{assert_compiles, assert_fails};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn out_dir() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

#[test]
fn two_borrowed_inputs_need_a_named_lifetime() {
    assert_fails(
        crate_dir(),
        "missing_lifetime.rs",
        "error[E0106]",
        out_dir(),
    );
    assert_compiles(crate_dir(), "missing_lifetime_fixed.rs", out_dir());
}

#[test]
fn a_command_cannot_outlive_its_line() {
    assert_fails(
        crate_dir(),
        "dangling_command.rs",
        "error[E0597]",
        out_dir(),
    );
}

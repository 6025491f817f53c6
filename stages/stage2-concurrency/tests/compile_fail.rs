//! Stage 2 — Concurrency: proves that the "does not compile" listing of book chapter 2 really
//! fails (a `std::sync::MutexGuard` held across `.await` in a spawned task), with the error the
//! chapter shows, and that the fixed version compiles. See `roadmap_tests::compile_fail`.
//! Re-record the output with `BLESS=1 cargo test -p stage2-concurrency --test compile_fail`.

use std::path::Path;

use roadmap_tests::compile_fail::{assert_compiles, assert_fails};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn out_dir() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

#[test]
fn a_mutex_guard_cannot_be_held_across_await_in_a_spawned_task() {
    assert_fails(
        crate_dir(),
        "guard_across_await.rs",
        "future cannot be sent between threads safely",
        out_dir(),
    );
    assert_compiles(crate_dir(), "guard_across_await_fixed.rs", out_dir());
}

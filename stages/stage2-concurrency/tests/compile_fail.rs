//! Stage 2 — Concurrency: proves that the "does not compile" listing of book chapter 2 really
//! fails (a `std::sync::MutexGuard` held across `.await` in a spawned task), with the error the
//! chapter shows, and that the fixed version compiles. See `roadmap_tests::compile_fail`.
//! Re-record the output with `BLESS=1 cargo test -p stage2-concurrency --test compile_fail`.

use roadmap_tests::{assert_compile_fails, assert_compiles};

#[test]
fn a_mutex_guard_cannot_be_held_across_await_in_a_spawned_task() {
    assert_compile_fails!(
        "guard_across_await.rs",
        "future cannot be sent between threads safely"
    );
    assert_compiles!("guard_across_await_fixed.rs");
}

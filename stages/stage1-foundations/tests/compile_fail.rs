//! Stage 1 — Foundations: proves that the "does not compile" listings of book chapter 1 really
//! fail to compile, with the error the book explains, and that their fixed versions compile.
//!
//! The book includes `compile_fail/*.stderr`, the compiler's real output. On the toolchain that
//! output was recorded with (`compile_fail/rustc-version.txt`) this test also checks that the
//! output is still exactly that, so the book cannot drift. Other toolchains word their messages
//! slightly differently, so there only the error code is checked.
//! Regenerate the files with `BLESS=1 cargo test -p stage1-foundations --test compile_fail`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Compiles one file as a library and returns (success, stderr).
fn rustc(file: &str) -> (bool, String) {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("stage1-compile-fail");
    std::fs::create_dir_all(&out_dir).expect("create a folder for rustc output");
    let output = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "lib",
            "--emit",
            "metadata",
            "--color",
            "never",
        ])
        .arg("--out-dir")
        .arg(&out_dir)
        .arg(format!("compile_fail/{file}"))
        .output()
        .expect("rustc should be on PATH (it comes with cargo)");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn rustc_version() -> String {
    let output = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .expect("rustc --version");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn check_fails(file: &str, code: &str) {
    let (ok, stderr) = rustc(file);
    assert!(!ok, "{file} is meant not to compile, but it compiled");
    assert!(
        stderr.contains(&format!("error[{code}]")),
        "{file} should fail with {code}, rustc said:\n{stderr}"
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("compile_fail");
    let expected_path = dir.join(file.replace(".rs", ".stderr"));
    let version_path = dir.join("rustc-version.txt");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&expected_path, &stderr).expect("write the .stderr file");
        std::fs::write(&version_path, rustc_version() + "\n").expect("write rustc-version.txt");
        return;
    }
    let recorded = std::fs::read_to_string(&version_path).unwrap_or_default();
    if recorded.trim() == rustc_version() {
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        assert_eq!(
            stderr,
            expected,
            "rustc's output for {file} changed; the book shows {}. Run with BLESS=1 to update it.",
            expected_path.display()
        );
    } else {
        eprintln!(
            "note: {} differs from the recorded {recorded}; only the error code was checked",
            rustc_version()
        );
    }
}

#[test]
fn two_borrowed_inputs_need_a_named_lifetime() {
    check_fails("missing_lifetime.rs", "E0106");
    let (ok, stderr) = rustc("missing_lifetime_fixed.rs");
    assert!(ok, "the fixed listing should compile:\n{stderr}");
}

#[test]
fn a_command_cannot_outlive_its_line() {
    check_fails("dangling_command.rs", "E0597");
}

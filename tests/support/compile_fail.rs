//! Checks for the book's "this does not compile" listings.
//!
//! A stage keeps such listings in its `compile_fail/` folder. These helpers compile one with
//! `rustc` and check that it fails with the error code the chapter explains. The book includes
//! `compile_fail/<name>.stderr`, the compiler's real output; on the toolchain it was recorded with
//! (`compile_fail/rustc-version.txt`) the output must still be exactly that, so the book cannot
//! drift. Other toolchains word their messages slightly differently, so there only the error code
//! is checked. `BLESS=1 cargo test -p <stage> --test compile_fail` rewrites the recorded files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn rustc() -> Command {
    Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
}

/// Compiles `<crate_dir>/compile_fail/<file>` as a library; returns (success, stderr).
pub fn compile(crate_dir: &Path, file: &str, out_dir: &Path) -> (bool, String) {
    std::fs::create_dir_all(out_dir).expect("create a folder for rustc output");
    let output = rustc()
        .current_dir(crate_dir)
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
        .arg(out_dir)
        .arg(format!("compile_fail/{file}"))
        .output()
        .expect("rustc should be on PATH (it comes with cargo)");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `rustc --version`, e.g. `rustc 1.95.0 (59807616e 2026-04-14)`.
pub fn rustc_version() -> String {
    let output = rustc().arg("--version").output().expect("rustc --version");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Asserts that `compile_fail/<file>` fails with an error containing `expected` (an error code
/// such as `"error[E0106]"`, or a message for errors that have no code), and that the output
/// matches the recorded `.stderr` file on the recorded toolchain.
pub fn assert_fails(crate_dir: &Path, file: &str, expected: &str, out_dir: &Path) {
    let (ok, stderr) = compile(crate_dir, file, out_dir);
    assert!(!ok, "{file} is meant not to compile, but it compiled");
    assert!(
        stderr.contains(expected),
        "{file} should fail with {expected:?}, rustc said:\n{stderr}"
    );
    let dir = crate_dir.join("compile_fail");
    let expected_path: PathBuf = dir.join(file.replace(".rs", ".stderr"));
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
            "note: {} differs from the recorded {}; only the error code was checked",
            rustc_version(),
            recorded.trim()
        );
    }
}

/// Asserts that `compile_fail/<file>` (a fixed version of a failing listing) compiles.
pub fn assert_compiles(crate_dir: &Path, file: &str, out_dir: &Path) {
    let (ok, stderr) = compile(crate_dir, file, out_dir);
    assert!(ok, "{file} should compile:\n{stderr}");
}

/// From a stage's integration test: asserts that `compile_fail/<file>` of *that* stage fails with
/// an error containing `expected`. A macro, so that `env!` reads the calling crate's folders.
#[macro_export]
macro_rules! assert_compile_fails {
    ($file:expr, $expected:expr) => {
        $crate::compile_fail::assert_fails(
            ::std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
            $file,
            $expected,
            ::std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        )
    };
}

/// From a stage's integration test: asserts that `compile_fail/<file>` of that stage compiles.
#[macro_export]
macro_rules! assert_compiles {
    ($file:expr) => {
        $crate::compile_fail::assert_compiles(
            ::std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
            $file,
            ::std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        )
    };
}

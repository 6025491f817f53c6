//! Helpers for the workspace-level end-to-end tests in `tests/`.
//!
//! These tests look at the repository as a learner meets it: they run each stage's milestone
//! binary the way `cargo run -p <stage>` would, and they check that the book's includes and
//! links point at things that exist, and [`imports`] checks that every crate's modules depend on
//! each other one way only. Every wait is bounded, so a hang fails the test instead of stalling
//! CI.
//!
//! The helper modules ([`compile_fail`], [`imports`], [`process`]) stand alone; the functions
//! here at the top are shared by the test files.

pub mod compile_fail;
pub mod imports;
pub mod process;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root (this crate lives in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Builds `bin` of `package` with the same cargo and profile as this test, and returns its path.
///
/// Binaries of other packages are not built for us by `cargo test`, so we ask cargo, like the
/// `escargot` crate does. When the binary is up to date this takes well under a second.
pub fn milestone_binary(package: &str, bin: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command.current_dir(workspace_root()).args([
        "build",
        "--quiet",
        "--message-format=json",
        "-p",
        package,
        "--bin",
        bin,
    ]);
    if !cfg!(debug_assertions) {
        command.arg("--release");
    }
    let output = run_bounded(&mut command, Duration::from_secs(900));
    assert!(
        output.success,
        "cargo could not build {package}/{bin}:\n{}",
        output.stderr
    );
    output
        .stdout
        .lines()
        .filter(|line| line.contains("\"reason\":\"compiler-artifact\""))
        .filter_map(|line| {
            let rest = &line[line.find("\"executable\":\"")? + "\"executable\":\"".len()..];
            Some(PathBuf::from(&rest[..rest.find('"')?]))
        })
        .find(|path| path.file_stem().is_some_and(|stem| stem == bin))
        .unwrap_or_else(|| panic!("cargo built no executable named {bin}"))
}

/// What a finished process printed.
#[derive(Debug)]
pub struct Output {
    /// Whether it exited with status 0.
    pub success: bool,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// Runs a command to completion, killing it and failing the test if it takes longer than `limit`.
pub fn run_bounded(command: &mut Command, limit: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("could not start {command:?}: {err}"));
    let stdout = child.stdout.take().map(read_in_background);
    let stderr = child.stderr.take().map(read_in_background);
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for a child process") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let collect = |handle: Option<std::thread::JoinHandle<String>>| {
        handle
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default()
    };
    Output {
        success: status.success(),
        stdout: collect(stdout),
        stderr: collect(stderr),
    }
}

fn read_in_background(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// Asserts that `haystack` contains every one of `needles`, naming the first one missing.
pub fn assert_contains_all(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            haystack.contains(needle),
            "expected the output to contain {needle:?}; it was:\n{haystack}"
        );
    }
}

//! Compiling exercises and running their tests.
//!
//! All requested crates are compiled in one `cargo build --tests --keep-going` call (fast, and a
//! crate that does not compile does not stop the others), then each crate's test binary is run
//! on its own with a time limit, so an infinite loop in one exercise cannot hang the runner.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The longest one exercise's tests may run before they are stopped and counted as failed.
const TEST_TIME_LIMIT: Duration = Duration::from_secs(60);

/// A crate to check: an exercise or a solution.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Cargo package name.
    pub(crate) package: String,
    /// The folder holding its `Cargo.toml`.
    pub(crate) dir: PathBuf,
    /// How many tests `src/tests.rs` declares.
    pub(crate) declared: usize,
}

/// What checking one crate found.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// Every declared test ran and passed, and nothing failed.
    Passed {
        /// How many tests passed.
        passed: usize,
    },
    /// It compiled, but not every declared test passed.
    Failed {
        /// Declared tests (from `src/tests.rs`) that passed.
        passed: usize,
        /// Names of the tests that failed.
        failed: Vec<String>,
        /// The test binary's whole output.
        output: String,
    },
    /// It did not compile.
    CompileError {
        /// The compiler's error messages.
        messages: String,
    },
}

impl Outcome {
    /// Whether this counts as done.
    pub(crate) fn passed(&self) -> bool {
        matches!(self, Outcome::Passed { .. })
    }
}

/// Compiles `targets` and runs their tests; one outcome per target, in the same order.
pub(crate) fn check(root: &Path, targets: &[Target], color: bool) -> Result<Vec<Outcome>, String> {
    let build = build_all(root, targets, color)?;
    Ok(targets
        .iter()
        .zip(build)
        .map(|(target, built)| match built {
            Built::Executable(exe) => run_tests(&exe, target, color),
            Built::Errors(messages) => Outcome::CompileError { messages },
        })
        .collect())
}

enum Built {
    Executable(PathBuf),
    Errors(String),
}

fn build_all(root: &Path, targets: &[Target], color: bool) -> Result<Vec<Built>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let format = if color {
        "json-diagnostic-rendered-ansi"
    } else {
        "json"
    };
    let mut command = Command::new(cargo);
    command.current_dir(root).args([
        "build",
        "--tests",
        "--keep-going",
        "--message-format",
        format,
    ]);
    for target in targets {
        command.args(["-p", &target.package]);
    }
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("could not run cargo: {err}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);

    let dirs: Vec<PathBuf> = targets.iter().map(|t| canonical(&t.dir)).collect();
    let mut exes: Vec<Option<PathBuf>> = vec![None; targets.len()];
    let mut errors: Vec<String> = vec![String::new(); targets.len()];
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let Some(index) = message["manifest_path"]
            .as_str()
            .and_then(|manifest| Path::new(manifest).parent())
            .and_then(|dir| dirs.iter().position(|d| d == &canonical(dir)))
        else {
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") if message["profile"]["test"] == true => {
                let is_lib = message["target"]["kind"]
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|k| k == "lib"));
                if let (true, Some(exe)) = (is_lib, message["executable"].as_str()) {
                    exes[index] = Some(PathBuf::from(exe));
                }
            }
            Some("compiler-message") if message["message"]["level"] == "error" => {
                if let Some(rendered) = message["message"]["rendered"].as_str() {
                    errors[index].push_str(rendered);
                }
            }
            _ => {}
        }
    }
    if !output.status.success()
        && errors.iter().all(String::is_empty)
        && exes.iter().any(Option::is_none)
    {
        // Cargo itself failed (a broken Cargo.toml, say), before any crate was compiled.
        return Err(format!(
            "cargo could not build the exercises:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(exes
        .into_iter()
        .zip(errors)
        .map(|(exe, errors)| match exe {
            Some(exe) => Built::Executable(exe),
            None if errors.is_empty() => Built::Errors("no test binary was built".to_owned()),
            None => Built::Errors(errors),
        })
        .collect())
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

fn run_tests(exe: &Path, target: &Target, color: bool) -> Outcome {
    let output = match run_with_limit(exe, &target.dir, color) {
        Ok(output) => output,
        Err(err) => {
            return Outcome::Failed {
                passed: 0,
                failed: vec![err.clone()],
                output: err,
            };
        }
    };
    // Only the exercise's own tests (module `tests`, from src/tests.rs) decide "done". A learner
    // may add tests of their own: they run and show up in the output, but do not count.
    let own = |name: &str| name.starts_with("tests::");
    let mut passed = 0;
    let mut failed = Vec::new();
    for line in output.lines() {
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        if let Some(name) = rest.strip_suffix(" ... ok") {
            passed += usize::from(own(name));
        } else if let Some(name) = rest.strip_suffix(" ... FAILED")
            && own(name)
        {
            failed.push(name.to_owned());
        }
    }
    if !declares_test_module(&target.dir) {
        failed.push(
            "src/lib.rs no longer has its `mod tests;` line, so the exercise's tests do not run"
                .to_owned(),
        );
    } else if failed.is_empty() && passed < target.declared {
        failed.push(format!(
            "only {passed} of the {} tests in src/tests.rs ran and passed",
            target.declared
        ));
    }
    if failed.is_empty() && target.declared > 0 {
        Outcome::Passed { passed }
    } else {
        Outcome::Failed {
            passed,
            failed,
            output,
        }
    }
}

/// Whether `src/lib.rs` still declares the tests module (`mod tests;`, with or without a `#[path]`).
fn declares_test_module(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("src/lib.rs"))
        .is_ok_and(|text| text.lines().any(|line| line.trim() == "mod tests;"))
}

/// Runs a test binary with stdout and stderr merged (in order), and kills it after the limit.
fn run_with_limit(exe: &Path, dir: &Path, color: bool) -> Result<String, String> {
    let (mut reader, writer) = std::io::pipe().map_err(|err| err.to_string())?;
    let mut command = Command::new(exe);
    command
        .current_dir(dir)
        .args(["--color", if color { "always" } else { "never" }])
        .stdin(Stdio::null())
        .stdout(writer.try_clone().map_err(|err| err.to_string())?)
        .stderr(writer);
    let mut child = command
        .spawn()
        .map_err(|err| format!("could not run {}: {err}", exe.display()))?;
    // The command holds the pipe's write end; drop it so reading ends when the child exits.
    drop(command);
    let collector = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = reader.read_to_string(&mut text);
        text
    });
    let finished = wait_with_limit(&mut child, TEST_TIME_LIMIT);
    let text = collector.join().unwrap_or_default();
    if finished {
        Ok(text)
    } else {
        Err(format!(
            "the tests were stopped after {} seconds: is there an endless loop?\n{text}",
            TEST_TIME_LIMIT.as_secs()
        ))
    }
}

fn wait_with_limit(child: &mut Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return true,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

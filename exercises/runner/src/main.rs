//! `cargo ex` — the exercise runner of the Rust Chat Roadmap.
//!
//! Book: "Doing the exercises" (`book/src/exercises.md`). The alias `ex` is defined in
//! `.cargo/config.toml` as `run --quiet -p exercise-runner --`.
//!
//! The runner keeps no state of its own: whether an exercise is done is decided by running its
//! tests, every time. So nothing breaks when exercises are renamed or added, and "resetting" an
//! exercise is only restoring its file (`cargo ex reset`).

mod check;
mod exercise;
mod style;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::{Parser, Subcommand};

use check::{Outcome, Target};
use exercise::Exercise;
use style::Style;

/// Lists, checks and explains the exercises of the Rust Chat Roadmap.
#[derive(Debug, Parser)]
#[command(name = "cargo ex", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// List every exercise with its state and your progress, and show the next one (the default).
    List,
    /// Check one exercise (the next unfinished one if no id is given) and show what failed.
    Check {
        /// Exercise id (`1.3`), folder (`03-more-commands`) or slug (`more-commands`).
        id: Option<String>,
    },
    /// Show the hint for an exercise (the next unfinished one if no id is given).
    Hint {
        /// Exercise id, folder or slug.
        id: Option<String>,
    },
    /// Check the next exercise again every time you save a file; move on when it passes. Ctrl-C stops.
    Watch,
    /// Show the reference solution of an exercise you have finished.
    Solution {
        /// Exercise id, folder or slug.
        id: String,
        /// Show it even though the exercise does not pass yet.
        #[arg(long)]
        force: bool,
    },
    /// Put an exercise's `src/lib.rs` back as it is in the last commit (your changes to it are lost).
    Reset {
        /// Exercise id, folder or slug.
        id: String,
    },
    /// For maintainers and CI: every untouched stub fails all its tests and every solution passes all.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let style = Style {
        color: style::color_enabled(),
    };
    let result = exercise::discover(&root).and_then(|exercises| {
        let runner = Runner {
            root,
            style,
            exercises,
        };
        match cli.command.unwrap_or(Cmd::List) {
            Cmd::List => runner.list(),
            Cmd::Check { id } => runner.check_one(id.as_deref()),
            Cmd::Hint { id } => runner.hint(id.as_deref()),
            Cmd::Watch => runner.watch(),
            Cmd::Solution { id, force } => runner.solution(&id, force),
            Cmd::Reset { id } => runner.reset(&id),
            Cmd::Verify => runner.verify(),
        }
    });
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root: this crate lives in `<root>/exercises/runner`.
fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors().nth(2).unwrap_or(here).to_path_buf()
}

struct Runner {
    root: PathBuf,
    style: Style,
    exercises: Vec<Exercise>,
}

impl Runner {
    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    fn exercise_targets(&self, exercises: &[&Exercise]) -> Vec<Target> {
        exercises
            .iter()
            .map(|e| Target {
                package: e.package.clone(),
                dir: e.dir.clone(),
                declared: e.declared_tests(),
            })
            .collect()
    }

    fn solution_targets(&self) -> Vec<Target> {
        self.exercises
            .iter()
            .map(|e| Target {
                package: e.solution_package.clone(),
                dir: e.solution_dir.clone(),
                declared: e.declared_tests(),
            })
            .collect()
    }

    /// Checks every exercise; outcomes in exercise order.
    fn check_all(&self) -> Result<Vec<Outcome>, String> {
        let all: Vec<&Exercise> = self.exercises.iter().collect();
        check::check(&self.root, &self.exercise_targets(&all), self.style.color)
    }

    fn pick<'a>(
        &'a self,
        id: Option<&str>,
        outcomes: Option<&[Outcome]>,
    ) -> Result<&'a Exercise, String> {
        match (id, outcomes) {
            (Some(id), _) => exercise::find(&self.exercises, id),
            (None, Some(outcomes)) => next_unfinished(&self.exercises, outcomes)
                .ok_or_else(|| "every exercise is done: name one to look at it again".to_owned()),
            (None, None) => {
                let outcomes = self.check_all()?;
                self.pick(None, Some(&outcomes))
            }
        }
    }

    fn list(&self) -> Result<ExitCode, String> {
        let outcomes = self.check_all()?;
        self.print_list(&outcomes);
        Ok(ExitCode::SUCCESS)
    }

    fn print_list(&self, outcomes: &[Outcome]) {
        let s = self.style;
        println!("{}", s.bold("Rust Chat Roadmap — exercises"));
        for (exercise, outcome) in self.exercises.iter().zip(outcomes) {
            let state = match outcome {
                Outcome::Passed { .. } => s.green("done         "),
                Outcome::Failed { passed, .. } => s.yellow(&format!(
                    "{:<13}",
                    format!("{passed}/{} tests", exercise.declared_tests())
                )),
                Outcome::CompileError { .. } => s.red("not compiling"),
            };
            println!("  {:>5}  {state}  {}", exercise.id, exercise.title);
        }
        let done = outcomes.iter().filter(|o| o.passed()).count();
        println!("\n{}", s.progress(done, outcomes.len()));
        match next_unfinished(&self.exercises, outcomes) {
            Some(next) => {
                println!("\nNext: {} {}", s.bold(&next.id), next.title);
                println!("  edit   {}", self.relative(&next.source()));
                println!(
                    "  check  cargo ex check {}   (or keep `cargo ex watch` running)",
                    next.id
                );
                println!("  hint   cargo ex hint {}", next.id);
            }
            None => println!("\n{}", s.green("Every exercise is done. Well done!")),
        }
    }

    fn check_one(&self, id: Option<&str>) -> Result<ExitCode, String> {
        let exercise = self.pick(id, None)?;
        let outcome = check::check(
            &self.root,
            &self.exercise_targets(&[exercise]),
            self.style.color,
        )?;
        let passed = outcome.first().is_some_and(Outcome::passed);
        if let Some(outcome) = outcome.first() {
            self.report(exercise, outcome);
        }
        Ok(if passed {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }

    /// Prints what checking one exercise found, with the next step.
    fn report(&self, exercise: &Exercise, outcome: &Outcome) {
        let s = self.style;
        let file = self.relative(&exercise.source());
        match outcome {
            Outcome::Passed { passed } => {
                println!(
                    "{} {} — all {passed} tests pass.",
                    s.green("Done:"),
                    exercise.title
                );
                println!(
                    "Compare with the reference solution: cargo ex solution {}",
                    exercise.id
                );
            }
            Outcome::Failed {
                passed,
                failed,
                output,
            } => {
                println!("{output}");
                println!(
                    "{} {} — {passed} of {} tests pass. Failing:",
                    s.yellow("Not yet:"),
                    exercise.title,
                    exercise.declared_tests()
                );
                for name in failed {
                    println!("  - {name}");
                }
                println!("Edit {file}; stuck? cargo ex hint {}", exercise.id);
            }
            Outcome::CompileError { messages } => {
                println!("{messages}");
                println!(
                    "{} {} does not compile yet. Edit {file}.",
                    s.red("Compile error:"),
                    exercise.title
                );
            }
        }
    }

    fn hint(&self, id: Option<&str>) -> Result<ExitCode, String> {
        let exercise = self.pick(id, None)?;
        let hint = std::fs::read_to_string(exercise.hint_file()).map_err(|err| {
            format!(
                "cannot read {}: {err}",
                self.relative(&exercise.hint_file())
            )
        })?;
        println!(
            "{} {}\n\n{hint}",
            self.style.bold("Hint for"),
            exercise.title
        );
        Ok(ExitCode::SUCCESS)
    }

    fn solution(&self, id: &str, force: bool) -> Result<ExitCode, String> {
        let exercise = exercise::find(&self.exercises, id)?;
        if !force {
            let outcome = check::check(
                &self.root,
                &self.exercise_targets(&[exercise]),
                self.style.color,
            )?;
            if !outcome.first().is_some_and(Outcome::passed) {
                println!(
                    "{} is not done yet, so its solution stays hidden. Try `cargo ex hint {}` first, or\n\
                     `cargo ex solution {} --force` if you really want to see it.",
                    exercise.id, exercise.id, exercise.id
                );
                return Ok(ExitCode::FAILURE);
            }
        }
        let path = exercise.solution_source();
        let text = std::fs::read_to_string(&path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        println!(
            "{} ({})\n\n{text}",
            self.style.bold("Reference solution"),
            self.relative(&path)
        );
        Ok(ExitCode::SUCCESS)
    }

    fn reset(&self, id: &str) -> Result<ExitCode, String> {
        let exercise = exercise::find(&self.exercises, id)?;
        let file = self.relative(&exercise.source());
        let status = std::process::Command::new("git")
            .current_dir(&self.root)
            .args(["checkout", "HEAD", "--", &file])
            .status()
            .map_err(|err| format!("could not run git: {err}"))?;
        if !status.success() {
            return Err(format!("git could not restore {file}"));
        }
        println!("{file} is back as it was in the last commit.");
        Ok(ExitCode::SUCCESS)
    }

    fn watch(&self) -> Result<ExitCode, String> {
        let s = self.style;
        let mut seen = None;
        let mut current: Option<String> = None;
        loop {
            let stamp = latest_change(&self.root.join("exercises"));
            if seen != Some(stamp) {
                seen = Some(stamp);
                if s.color {
                    print!("\x1b[2J\x1b[H"); // clear the screen
                }
                let outcomes = self.check_all()?;
                let done = outcomes.iter().filter(|o| o.passed()).count();
                let next = next_unfinished(&self.exercises, &outcomes);
                if let Some(previous) = current.take()
                    && next.is_none_or(|next| next.id != previous)
                {
                    println!(
                        "{} {previous} is done. On to the next one!\n",
                        s.green("Well done:")
                    );
                }
                current = next.map(|next| next.id.clone());
                match next {
                    Some(next) => {
                        let index = self
                            .exercises
                            .iter()
                            .position(|e| e.id == next.id)
                            .unwrap_or(0);
                        self.report(next, &outcomes[index]);
                    }
                    None => println!("{}", s.green("Every exercise is done. Well done!")),
                }
                println!("\n{}", s.progress(done, outcomes.len()));
                println!("Watching for changes; Ctrl-C to stop.");
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    fn verify(&self) -> Result<ExitCode, String> {
        let s = self.style;
        let mut problems = Vec::new();
        let mut failing = std::collections::BTreeSet::new();
        for exercise in &self.exercises {
            for (what, path) in [
                ("hint", exercise.hint_file()),
                ("solution", exercise.solution_source()),
            ] {
                if !path.is_file() {
                    problems.push(format!(
                        "{}: no {what} at {}",
                        exercise.id,
                        self.relative(&path)
                    ));
                    failing.insert(exercise.id.clone());
                }
            }
            if exercise.declared_tests() == 0 {
                problems.push(format!("{}: src/tests.rs declares no tests", exercise.id));
                failing.insert(exercise.id.clone());
            }
        }
        let all: Vec<&Exercise> = self.exercises.iter().collect();
        let stubs = check::check(&self.root, &self.exercise_targets(&all), s.color)?;
        let solutions = check::check(&self.root, &self.solution_targets(), s.color)?;
        for ((exercise, stub), solution) in self.exercises.iter().zip(&stubs).zip(&solutions) {
            let declared = exercise.declared_tests();
            let stub_ok = match stub {
                Outcome::Failed {
                    passed: 0, failed, ..
                } if failed.len() == declared => true,
                Outcome::Failed {
                    passed: 0, failed, ..
                } => {
                    problems.push(format!(
                        "{}: {} of the stub's {declared} tests fail; every one should",
                        exercise.id,
                        failed.len()
                    ));
                    false
                }
                Outcome::Failed { passed, .. } => {
                    problems.push(format!("{}: the stub passes {passed} of {declared} tests; each should fail until solved", exercise.id));
                    false
                }
                Outcome::Passed { .. } => {
                    problems.push(format!(
                        "{}: the stub passes every test (verify needs untouched stubs)",
                        exercise.id
                    ));
                    false
                }
                Outcome::CompileError { messages } => {
                    problems.push(format!(
                        "{}: the stub does not compile:\n{messages}",
                        exercise.id
                    ));
                    false
                }
            };
            let solution_ok = match solution {
                Outcome::Passed { .. } => true,
                Outcome::Failed { output, .. } => {
                    problems.push(format!("{}: the solution fails:\n{output}", exercise.id));
                    false
                }
                Outcome::CompileError { messages } => {
                    problems.push(format!(
                        "{}: the solution does not compile:\n{messages}",
                        exercise.id
                    ));
                    false
                }
            };
            if !(stub_ok && solution_ok) {
                failing.insert(exercise.id.clone());
            }
            let mark = |ok: bool| if ok { s.green("ok") } else { s.red("FAILED") };
            println!(
                "  {:>5}  stub fails all {declared} tests: {:<6}  solution passes them: {:<6}  {}",
                exercise.id,
                mark(stub_ok),
                mark(solution_ok),
                exercise.title
            );
        }
        println!();
        if problems.is_empty() {
            println!("verify: {} passed, 0 failed", self.exercises.len());
            Ok(ExitCode::SUCCESS)
        } else {
            for problem in &problems {
                println!("{} {problem}", s.red("problem:"));
            }
            let failed = failing.len();
            println!(
                "verify: {} passed, {failed} failed",
                self.exercises.len() - failed
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

fn next_unfinished<'a>(exercises: &'a [Exercise], outcomes: &[Outcome]) -> Option<&'a Exercise> {
    exercises
        .iter()
        .zip(outcomes)
        .find(|(_, outcome)| !outcome.passed())
        .map(|(exercise, _)| exercise)
}

/// The newest modification time of any file under `dir` (skipping `target`), as a change stamp.
fn latest_change(dir: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|name| name != "target") {
                    stack.push(path);
                }
            } else if let Ok(modified) = entry.metadata().and_then(|m| m.modified()) {
                newest = newest.max(modified);
            }
        }
    }
    newest
}

//! Finding exercises on disk.
//!
//! There is no list to keep up to date and no state file to corrupt: an exercise is a folder
//! `exercises/stage<N>/<NN>-<slug>/` with a `Cargo.toml`, and its solution is the folder of the
//! same name under `exercises/solutions/stage<N>/`. Renaming or adding an exercise is just
//! moving folders; progress is recomputed from the tests every time.

use std::fs;
use std::path::{Path, PathBuf};

/// One exercise and where its pieces live.
#[derive(Debug, Clone)]
pub(crate) struct Exercise {
    /// Short id used on the command line, e.g. `1.3` for stage 1, exercise 03.
    pub(crate) id: String,
    /// Folder name, e.g. `03-more-commands`.
    pub(crate) dir_name: String,
    /// The exercise crate, which the learner edits.
    pub(crate) dir: PathBuf,
    /// Its Cargo package name.
    pub(crate) package: String,
    /// The reference solution crate.
    pub(crate) solution_dir: PathBuf,
    /// The solution's Cargo package name.
    pub(crate) solution_package: String,
    /// The title from the first line of `src/lib.rs` (`//! # Exercise 1.3 — More commands`).
    pub(crate) title: String,
}

impl Exercise {
    /// The file the learner edits.
    pub(crate) fn source(&self) -> PathBuf {
        self.dir.join("src/lib.rs")
    }

    /// The file with the exercise's tests.
    pub(crate) fn tests_file(&self) -> PathBuf {
        self.dir.join("src/tests.rs")
    }

    /// The hint, in Markdown.
    pub(crate) fn hint_file(&self) -> PathBuf {
        self.dir.join("hint.md")
    }

    /// The reference solution's source.
    pub(crate) fn solution_source(&self) -> PathBuf {
        self.solution_dir.join("src/lib.rs")
    }

    /// How many tests the exercise declares, counted from its tests file. Used to notice tests
    /// that were removed or never ran, so an exercise cannot pass by deleting its tests.
    pub(crate) fn declared_tests(&self) -> usize {
        let text = fs::read_to_string(self.tests_file()).unwrap_or_default();
        text.lines()
            .map(str::trim_start)
            .filter(|line| line.starts_with("#[test]") || line.starts_with("#[tokio::test"))
            .count()
    }
}

/// Every exercise under `root/exercises`, in stage and number order.
pub(crate) fn discover(root: &Path) -> Result<Vec<Exercise>, String> {
    let base = root.join("exercises");
    let mut exercises = Vec::new();
    for stage_dir in sorted_dirs(&base)? {
        let Some(stage) = stage_number(&stage_dir) else {
            continue;
        };
        for dir in sorted_dirs(&stage_dir)? {
            if !dir.join("Cargo.toml").is_file() {
                continue;
            }
            exercises.push(load(&base, stage, &dir)?);
        }
    }
    Ok(exercises)
}

fn load(base: &Path, stage: u32, dir: &Path) -> Result<Exercise, String> {
    let dir_name = file_name(dir);
    let number: u32 = dir_name
        .split('-')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            format!(
                "{}: folder name should start with a number, like 01-",
                dir.display()
            )
        })?;
    let solution_dir = base
        .join("solutions")
        .join(format!("stage{stage}"))
        .join(&dir_name);
    let package = package_name(&dir.join("Cargo.toml"))?;
    let title = fs::read_to_string(dir.join("src/lib.rs"))
        .ok()
        .and_then(|text| text.lines().next().map(title_of))
        .unwrap_or_else(|| dir_name.clone());
    Ok(Exercise {
        id: format!("{stage}.{number}"),
        solution_package: format!("{package}-solution"),
        package,
        dir: dir.to_path_buf(),
        solution_dir,
        dir_name,
        title,
    })
}

/// `//! # Exercise 1.3 — More commands` → `More commands`.
fn title_of(first_line: &str) -> String {
    let heading = first_line.trim_start_matches("//! #").trim();
    heading
        .split_once(" — ")
        .map_or(heading, |(_, title)| title)
        .to_owned()
}

/// Finds an exercise by id (`1.3`), folder name (`03-more-commands`), slug (`more-commands`) or
/// package name.
pub(crate) fn find<'a>(exercises: &'a [Exercise], wanted: &str) -> Result<&'a Exercise, String> {
    exercises
        .iter()
        .find(|e| {
            e.id == wanted
                || e.dir_name == wanted
                || e.package == wanted
                || e.dir_name
                    .split_once('-')
                    .is_some_and(|(_, slug)| slug == wanted)
        })
        .ok_or_else(|| format!("no exercise called {wanted:?}; `cargo ex list` shows them all"))
}

fn stage_number(dir: &Path) -> Option<u32> {
    file_name(dir).strip_prefix("stage")?.parse().ok()
}

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        fs::read_dir(dir).map_err(|err| format!("cannot read {}: {err}", dir.display()))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads `name = "..."` from the `[package]` table. A full TOML parser would be overkill for
/// manifests this repository writes itself.
fn package_name(manifest: &Path) -> Result<String, String> {
    let text = fs::read_to_string(manifest)
        .map_err(|err| format!("cannot read {}: {err}", manifest.display()))?;
    text.lines()
        .find_map(|line| {
            let value = line
                .trim()
                .strip_prefix("name")?
                .trim_start()
                .strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_owned())
        })
        .ok_or_else(|| format!("{}: no package name", manifest.display()))
}

//! Every crate of the workspace has one-way imports: no module imports a module that imports it
//! back (directly or through others). Book: "The final server", section "The modules, and which
//! way they depend". The rule and what counts as an import: `support/imports.rs`.
//!
//! The checker is tested first on small crates written here, one with each kind of circle and
//! one without, so that a pass on the real workspace means something.

use std::fs;
use std::path::{Path, PathBuf};

use roadmap_tests::imports::{Circle, circles, crates_under};
use roadmap_tests::workspace_root;

/// Writes a small crate under `target/` (so nothing is left in the source tree) and returns its
/// folder.
fn crate_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = workspace_root()
        .join("target")
        .join("import-check-fixtures")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("src")).expect("create the fixture folder");
    fs::write(dir.join("Cargo.toml"), "[package]\nname = \"fixture\"\n").expect("write");
    for (path, text) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().expect("a folder")).expect("create a folder");
        fs::write(path, text).expect("write a fixture file");
    }
    dir
}

fn names(circle: &Circle, dir: &Path) -> Vec<String> {
    circle
        .files
        .iter()
        .map(|file| file.strip_prefix(dir).unwrap_or(file).display().to_string())
        .collect()
}

#[test]
fn two_modules_that_import_each_other_are_a_circle() {
    let dir = crate_with(
        "two",
        &[
            ("src/lib.rs", "mod hub;\nmod broker;\n"),
            (
                "src/hub.rs",
                "use crate::broker::Broker;\npub struct Hub(Broker);\n",
            ),
            (
                "src/broker.rs",
                "// use crate::nothing; (a comment does not count)\npub struct Broker;\nimpl Broker { fn f(_: &crate::hub::Hub) {} }\n",
            ),
        ],
    );
    let found = circles(&dir);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(names(&found[0], &dir), ["src/broker.rs", "src/hub.rs"]);
    assert_eq!(found[0].imports.len(), 2);
}

#[test]
fn a_longer_circle_through_super_and_nested_use_trees_is_found() {
    let dir = crate_with(
        "three",
        &[
            ("src/lib.rs", "pub mod net;\n"),
            (
                "src/net/mod.rs",
                "mod server;\nmod http;\nmod connection;\n",
            ),
            ("src/net/server.rs", "use super::{http::{self, serve}};\n"),
            (
                "src/net/http.rs",
                "use super::connection as conn;\nfn f() { let _ = \"super::server\"; }\n",
            ),
            (
                "src/net/connection.rs",
                "fn shared() -> super::server::Shared { todo!() }\n",
            ),
        ],
    );
    let found = circles(&dir);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        names(&found[0], &dir),
        [
            "src/net/connection.rs",
            "src/net/http.rs",
            "src/net/server.rs"
        ]
    );
}

#[test]
fn one_way_imports_parents_declaring_children_and_test_modules_are_not_circles() {
    let dir = crate_with(
        "clean",
        &[
            ("src/lib.rs", "pub mod hub;\npub mod broker;\n"),
            (
                // The parent declares and uses its children; a child uses its parent.
                "src/hub/mod.rs",
                "mod peer;\nmod remote;\npub use peer::Peer;\npub struct Hub;\n#[cfg(test)]\nmod tests {\n    use super::remote::*;\n    fn braces() { let _ = \"}\"; let _ = '{'; }\n}\n",
            ),
            ("src/hub/peer.rs", "pub struct Peer;\n"),
            (
                "src/hub/remote.rs",
                "use super::{Hub, peer::Peer};\nimpl Hub { pub fn f(&self, _: Peer) {} }\n",
            ),
            (
                "src/broker.rs",
                "use crate::hub::{Hub, Peer};\npub fn g(_: Hub, _: Peer) {}\n",
            ),
        ],
    );
    assert_eq!(circles(&dir), []);
}

#[test]
fn no_crate_of_the_workspace_has_an_import_circle() {
    let root = workspace_root();
    let crates = crates_under(&root);
    assert!(
        crates.iter().any(|dir| dir.ends_with("final/server")),
        "the final server is among the crates checked: {crates:?}"
    );
    let mut report = String::new();
    for dir in &crates {
        if dir.starts_with(root.join("target")) {
            continue;
        }
        for circle in circles(dir) {
            report.push_str(&format!("\nin {}:\n", dir.display()));
            for import in &circle.imports {
                report.push_str(&format!(
                    "  {} imports {} ({})\n",
                    import
                        .from
                        .strip_prefix(&root)
                        .unwrap_or(&import.from)
                        .display(),
                    import
                        .to
                        .strip_prefix(&root)
                        .unwrap_or(&import.to)
                        .display(),
                    import.via
                ));
            }
        }
    }
    assert!(
        report.is_empty(),
        "modules that import each other in a circle (move what both need to where it belongs, \
         or let one side define a trait the other implements):{report}"
    );
}

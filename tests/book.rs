//! The book cannot drift from the code.
//!
//! mdBook only logs an error when an `{{#include}}` names a missing file, and silently includes
//! nothing for a missing anchor, so a renamed function could empty a listing without anyone
//! noticing. These tests fail instead. They check, for every page under `book/src`:
//! - every `{{#include}}` / `{{#rustdoc_include}}` names a file that exists, and its anchor is
//!   opened and closed in that file around at least one line;
//! - every relative link points at a file that exists (and a `#fragment` on a book page at a
//!   heading of that page);
//! - every page is listed in `SUMMARY.md` (except `generated/`, tables that scripts write for
//!   pages to include), and every page listed there exists;
//! - no Rust listing longer than a few lines is pasted: listings are included from compiled code.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use roadmap_tests::workspace_root;

fn book_src() -> PathBuf {
    workspace_root().join("book/src")
}

/// Every Markdown page under `book/src`, with its text.
fn pages() -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut stack = vec![book_src()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)
            .expect("book/src is readable")
            .filter_map(Result::ok)
        {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                let text = fs::read_to_string(&path).expect("a page is UTF-8");
                found.push((path, text));
            }
        }
    }
    found.sort();
    assert!(found.len() > 1, "the book should have pages");
    found
}

fn name(path: &Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// `{{#include path}}`, `{{#include path:anchor}}`, `{{#include path:10:20}}`, with their line number.
fn includes(text: &str) -> Vec<(usize, String, Option<String>)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("{{#") {
            let after = &rest[start + 3..];
            let Some(end) = after.find("}}") else { break };
            let directive = &after[..end];
            rest = &after[end + 2..];
            let Some(args) = directive
                .strip_prefix("include ")
                .or_else(|| directive.strip_prefix("rustdoc_include "))
            else {
                continue;
            };
            let args = args.trim();
            let (path, anchor) = match args.split_once(':') {
                Some((path, spec))
                    if !spec.is_empty() && !spec.starts_with(|c: char| c.is_ascii_digit()) =>
                {
                    (path, Some(spec.to_owned()))
                }
                Some((path, _lines)) => (path, None),
                None => (args, None),
            };
            found.push((number + 1, path.to_owned(), anchor));
        }
    }
    found
}

/// Lines of `file` strictly between `ANCHOR: name` and `ANCHOR_END: name`, or why not.
fn anchored_lines(file: &str, anchor: &str) -> Result<usize, String> {
    let marks = |tag: &str| -> Vec<usize> {
        file.lines()
            .enumerate()
            .filter(|(_, line)| {
                line.find(tag).is_some_and(|at| {
                    let word: String = line[at + tag.len()..]
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                        .collect();
                    word == anchor
                })
            })
            .map(|(index, _)| index)
            .collect()
    };
    let starts = marks("ANCHOR:");
    let ends = marks("ANCHOR_END:");
    match (starts.as_slice(), ends.as_slice()) {
        ([start], [end]) if end > start && end - start > 1 => Ok(end - start - 1),
        ([_], [_]) => {
            Err("its ANCHOR_END comes before its ANCHOR, or nothing is between them".into())
        }
        ([], _) => Err("there is no ANCHOR line for it".into()),
        (_, []) => Err("there is no ANCHOR_END line for it".into()),
        _ => Err("it is opened or closed more than once".into()),
    }
}

#[test]
fn every_include_names_an_existing_file_and_anchor() {
    let mut problems = Vec::new();
    let mut count = 0;
    for (page, text) in pages() {
        let dir = page.parent().expect("a page has a folder");
        for (line, path, anchor) in includes(&text) {
            count += 1;
            let target = dir.join(&path);
            let Ok(file) = fs::read_to_string(&target) else {
                problems.push(format!(
                    "{}:{line}: includes {path}, which does not exist",
                    name(&page)
                ));
                continue;
            };
            if let Some(anchor) = anchor
                && let Err(why) = anchored_lines(&file, &anchor)
            {
                problems.push(format!(
                    "{}:{line}: includes {path}:{anchor}, but {why}",
                    name(&page)
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken includes:\n{}",
        problems.join("\n")
    );
    assert!(
        count > 0,
        "the book should include its listings from the code"
    );
}

/// Markdown text with fenced code blocks and inline code removed (links there are not links).
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            let mut in_code = false;
            for c in line.chars() {
                if c == '`' {
                    in_code = !in_code;
                } else if !in_code {
                    out.push(c);
                }
            }
            out.push('\n');
        }
    }
    out
}

/// Targets of inline links `[text](target)` and images.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        if let Some(end) = after.find(')') {
            let target = after[..end].split_whitespace().next().unwrap_or("");
            found.push(target.to_owned());
        }
        rest = after;
    }
    found
}

/// Heading ids the way mdBook makes them: lowercase, spaces to `-`, other punctuation dropped.
fn heading_ids(text: &str) -> BTreeSet<String> {
    prose(text)
        .lines()
        .filter_map(|line| line.strip_prefix('#'))
        .map(|heading| {
            heading
                .trim_start_matches('#')
                .trim()
                .chars()
                .filter_map(|c| {
                    if c.is_alphanumeric() || c == '_' || c == '-' {
                        Some(c.to_ascii_lowercase())
                    } else if c.is_whitespace() {
                        Some('-')
                    } else {
                        None
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn every_relative_link_resolves() {
    let mut problems = Vec::new();
    for (page, text) in pages() {
        let dir = page.parent().expect("a page has a folder");
        for target in links(&prose(&text)) {
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, fragment) = match target.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (target.as_str(), None),
            };
            let file = if path.is_empty() {
                page.clone()
            } else {
                dir.join(path)
            };
            if !file.exists() {
                problems.push(format!(
                    "{}: link to {target}, which does not exist",
                    name(&page)
                ));
                continue;
            }
            if let (Some(fragment), Some("md")) =
                (fragment, file.extension().and_then(|e| e.to_str()))
            {
                let linked = fs::read_to_string(&file).unwrap_or_default();
                if !heading_ids(&linked).contains(fragment) {
                    problems.push(format!(
                        "{}: link to {target}, but that page has no heading #{fragment}",
                        name(&page)
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn summary_and_pages_match() {
    let summary = fs::read_to_string(book_src().join("SUMMARY.md")).expect("SUMMARY.md exists");
    let listed: BTreeSet<PathBuf> = links(&summary)
        .into_iter()
        .filter(|target| !target.is_empty()) // `[Title]()` is a draft chapter, not written yet
        .map(|target| book_src().join(target))
        .collect();
    for page in &listed {
        assert!(
            page.is_file(),
            "SUMMARY.md lists {}, which does not exist",
            name(page)
        );
    }
    for (page, _) in pages() {
        // `generated/` holds tables written by scripts and included into pages, not pages.
        if page.starts_with(book_src().join("generated")) {
            continue;
        }
        let is_summary = page.file_name().is_some_and(|n| n == "SUMMARY.md");
        assert!(
            is_summary || listed.contains(&page),
            "{} is not listed in SUMMARY.md, so the book never shows it",
            name(&page)
        );
    }
}

#[test]
fn rust_listings_are_included_not_pasted() {
    let mut problems = Vec::new();
    for (page, text) in pages() {
        let mut block: Option<(usize, Vec<&str>)> = None;
        for (number, line) in text.lines().enumerate() {
            let fence = line.trim_start();
            match &mut block {
                None if fence.starts_with("```rust") => block = Some((number + 1, Vec::new())),
                Some((start, lines)) if fence.starts_with("```") => {
                    let pasted = lines
                        .iter()
                        .filter(|l| !l.trim().is_empty() && !l.contains("{{#"))
                        .count();
                    if pasted > 3 {
                        problems.push(format!(
                            "{}:{start}: a Rust listing of {pasted} lines is pasted; include it from the code with an ANCHOR",
                            name(&page)
                        ));
                    }
                    block = None;
                }
                Some((_, lines)) => lines.push(line),
                None => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

//! Which module of a crate imports which, and whether any two import each other in a circle.
//!
//! Book: "The final server", section "The modules, and which way they depend" (the rule), and
//! stage 4's "Modules with one job" (why one-way dependencies). A reader can only learn a codebase
//! in some order if its modules have one: when `a` imports `b` and `b` imports `a`, neither can be
//! read first. This check makes that rule hold for every crate of the workspace.
//!
//! What counts as an import of module `m` by module `n`: a path in `n`'s code (in a `use`
//! declaration or anywhere else) that starts with `crate::`, `super::`, `self::` or the name of
//! one of `n`'s child modules, and names `m` or something inside `m`. A `mod m;` declaration is
//! structure, not an import: a parent declares its children, and a child may use its parent as
//! long as the parent does not use it back. Comments and string literals are ignored, and so is
//! everything under `#[cfg(test)]` (a test module is meant to see the whole of its parent).
//!
//! The modules of a crate are found as the compiler finds them: from each root (`src/lib.rs`,
//! `src/main.rs`, `src/bin/*`, `tests/*.rs`, `benches/*.rs`), following `mod name;` declarations
//! to `name.rs` or `name/mod.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// One module: where its file is, and its path from the crate root (`["hub", "room"]`).
#[derive(Debug, Clone)]
struct Module {
    file: PathBuf,
    path: Vec<String>,
    /// Whether its children live in its own directory (a crate root or a `mod.rs`) rather than
    /// in a directory named after it.
    owns_dir: bool,
}

/// An import of one module by another, with the text that made it, for the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Import {
    /// The importing module's file.
    pub from: PathBuf,
    /// The imported module's file.
    pub to: PathBuf,
    /// The path as written (`crate::hub::Peer`).
    pub via: String,
}

/// A set of modules of one crate that import each other in a circle, and the imports that
/// close it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Circle {
    /// The files of the modules in the circle.
    pub files: Vec<PathBuf>,
    /// The imports between them.
    pub imports: Vec<Import>,
}

/// Every crate (a folder with a `Cargo.toml`) under `root`, skipping `target` and hidden folders.
pub fn crates_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if dir.join("Cargo.toml").is_file() && dir.join("src").is_dir() {
            found.push(dir.clone());
        }
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if path.is_dir() && name != "target" && !name.starts_with('.') && name != "book" {
                stack.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The circles among the modules of the crate in `dir` (none, if its imports go one way).
pub fn circles(dir: &Path) -> Vec<Circle> {
    let mut found = Vec::new();
    for root in roots(dir) {
        found.extend(circles_in_tree(&root));
    }
    found
}

/// The files the compiler starts a module tree from.
fn roots(dir: &Path) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    for file in ["src/lib.rs", "src/main.rs"] {
        let path = dir.join(file);
        if path.is_file() {
            roots.push(path);
        }
    }
    for folder in ["src/bin", "tests", "benches", "examples"] {
        let Ok(entries) = fs::read_dir(dir.join(folder)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "rs") {
                roots.push(path);
            } else if folder == "src/bin" && path.join("main.rs").is_file() {
                roots.push(path.join("main.rs"));
            }
        }
    }
    roots.sort();
    roots
}

/// The modules of the tree rooted at `root`, found by following `mod name;` declarations.
fn modules(root: &Path) -> Vec<Module> {
    let mut modules = Vec::new();
    let mut queue = vec![Module {
        file: root.to_path_buf(),
        path: Vec::new(),
        owns_dir: true,
    }];
    while let Some(module) = queue.pop() {
        let code = code_of(&module.file);
        let dir = match (module.owns_dir, module.file.parent()) {
            (true, Some(parent)) => parent.to_path_buf(),
            (false, Some(parent)) => parent.join(module.path.last().map_or("", String::as_str)),
            (_, None) => PathBuf::new(),
        };
        for child in declared_modules(&code) {
            let flat = dir.join(format!("{child}.rs"));
            let nested = dir.join(&child).join("mod.rs");
            let (file, owns_dir) = if flat.is_file() {
                (flat, false)
            } else if nested.is_file() {
                (nested, true)
            } else {
                continue; // an inline module, or one behind `#[path]`: not a file of its own
            };
            let mut path = module.path.clone();
            path.push(child);
            queue.push(Module {
                file,
                path,
                owns_dir,
            });
        }
        modules.push(module);
    }
    modules.sort_by(|a, b| a.path.cmp(&b.path));
    modules
}

/// The names in `mod name;` declarations (not inline `mod name { … }` blocks).
fn declared_modules(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = find_word(rest, "mod") {
        let after = rest[at + 3..].trim_start();
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && after[name.len()..].trim_start().starts_with(';') {
            names.push(name);
        }
        rest = &rest[at + 3..];
    }
    names
}

/// The byte offset of `word` in `text` as a whole word, if any.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut start = 0;
    while let Some(found) = text[start..].find(word) {
        let at = start + found;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
            return Some(at);
        }
        start = at + word.len();
    }
    None
}

/// The imports between the modules of one tree, and the circles they make.
fn circles_in_tree(root: &Path) -> Vec<Circle> {
    let modules = modules(root);
    let known: BTreeMap<Vec<String>, usize> = modules
        .iter()
        .enumerate()
        .map(|(index, module)| (module.path.clone(), index))
        .collect();
    let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    let mut imports: Vec<(usize, usize, String)> = Vec::new();
    for (from, module) in modules.iter().enumerate() {
        let code = without_tests(&code_of(&module.file));
        let children: BTreeSet<&str> = modules
            .iter()
            .filter(|m| m.path.len() == module.path.len() + 1 && m.path.starts_with(&module.path))
            .filter_map(|m| m.path.last().map(String::as_str))
            .collect();
        for written in paths_in(&code) {
            let Some(absolute) = resolve(&written, &module.path, &children) else {
                continue;
            };
            // The longest prefix of the path that is a module: the module it imports from.
            let to = (0..=absolute.len())
                .rev()
                .find_map(|len| known.get(&absolute[..len]).copied());
            if let Some(to) = to.filter(|to| *to != from)
                && edges.entry(from).or_default().insert(to)
            {
                imports.push((from, to, written));
            }
        }
    }
    strongly_connected(modules.len(), &edges)
        .into_iter()
        .filter(|group| group.len() > 1)
        .map(|group| Circle {
            files: group.iter().map(|i| modules[*i].file.clone()).collect(),
            imports: imports
                .iter()
                .filter(|(from, to, _)| group.contains(from) && group.contains(to))
                .map(|(from, to, via)| Import {
                    from: modules[*from].file.clone(),
                    to: modules[*to].file.clone(),
                    via: via.clone(),
                })
                .collect(),
        })
        .collect()
}

/// A path as written, made absolute from the crate root; `None` for paths into other crates.
fn resolve(written: &str, here: &[String], children: &BTreeSet<&str>) -> Option<Vec<String>> {
    let mut segments = written.split("::").filter(|s| !s.is_empty());
    let first = segments.next()?;
    let mut path: Vec<String> = match first {
        "crate" => Vec::new(),
        "self" => here.to_vec(),
        "super" => here[..here.len().checked_sub(1)?].to_vec(),
        child if children.contains(child) => {
            let mut path = here.to_vec();
            path.push(child.to_owned());
            path
        }
        _ => return None,
    };
    for segment in segments {
        match segment {
            "super" => {
                path.pop()?;
            }
            "self" | "*" => {}
            name => path.push(name.to_owned()),
        }
    }
    Some(path)
}

/// Every path in `code`: the expanded trees of `use` declarations, and any other `a::b` path.
fn paths_in(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code.to_owned();
    // `use` declarations first (their trees need expanding), then removed from the text.
    while let Some(at) = find_word(&rest, "use") {
        let Some(end) = rest[at..].find(';') else {
            break;
        };
        expand(&tidy_tree(&rest[at + 3..at + end]), "", &mut paths);
        rest.replace_range(at..at + end + 1, " ");
    }
    // Other paths: runs of identifiers joined by `::`.
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_here = (i == 0 || !is_path_char(chars[i - 1])) && is_ident_start(chars[i]);
        if !starts_here {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && is_path_char(chars[j]) {
            j += 1;
        }
        let path: String = chars[i..j].iter().collect();
        let path = path.trim_end_matches(':');
        if path.contains("::") {
            paths.push(path.to_owned());
        }
        i = j;
    }
    paths
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_path_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == ':'
}

/// A use tree with its white space reduced to the single spaces around `as`.
fn tidy_tree(tree: &str) -> String {
    let words: Vec<&str> = tree.split_whitespace().collect();
    let mut tidy = String::new();
    for (i, word) in words.iter().enumerate() {
        if *word == "as" || words.get(i.wrapping_sub(1)) == Some(&"as") {
            tidy.push(' ');
        }
        tidy.push_str(word);
    }
    tidy
}

/// Expands a use tree (`a::{b, c::{d, e as f}, *}`) into its paths, each prefixed by `prefix`.
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim_start_matches("::");
    match tree.find('{') {
        None => {
            let path = tree.split(" as ").next().unwrap_or(tree);
            out.push(format!("{prefix}{path}"));
        }
        Some(open) => {
            let head = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let prefix = format!("{prefix}{head}");
            for part in split_top_level(inner) {
                if part == "self" {
                    out.push(prefix.trim_end_matches("::").to_owned());
                } else if !part.is_empty() {
                    expand(part, &prefix, out);
                }
            }
        }
    }
}

/// Splits `a, b::{c, d}, e` at the commas that are not inside braces.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The text of a file without comments, with every string and character literal emptied.
fn code_of(file: &Path) -> String {
    strip_comments_and_literals(&fs::read_to_string(file).unwrap_or_default())
}

/// Comments removed, string and character literals emptied (so that braces and paths inside
/// them count for nothing), lifetimes kept.
pub fn strip_comments_and_literals(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !prev_is_ident(&chars, i)
        {
            // A raw string: r"…", r#"…"#, with as many #s closing as opening.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                match chars.get(j) {
                    None => break,
                    Some('"') if (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    Some(_) => j += 1,
                }
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{7f}'), or a lifetime ('a), which is kept.
            let close = if next == Some('\\') {
                (i + 2..chars.len().min(i + 12)).find(|&j| chars[j] == '\'')
            } else {
                (chars.get(i + 2) == Some(&'\'')).then_some(i + 2)
            };
            match close {
                Some(end) => {
                    out.push_str("' '");
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_is_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// The code without the items marked `#[cfg(test)]` (each up to its closing brace or `;`).
pub fn without_tests(code: &str) -> String {
    let mut out = code.to_owned();
    while let Some(at) = out.find("#[cfg(test)]") {
        let after = at + "#[cfg(test)]".len();
        let end = match (out[after..].find('{'), out[after..].find(';')) {
            (Some(brace), Some(semi)) if semi < brace => after + semi + 1,
            (Some(brace), _) => matching_brace(&out, after + brace).map_or(out.len(), |e| e + 1),
            (None, Some(semi)) => after + semi + 1,
            (None, None) => out.len(),
        };
        out.replace_range(at..end, " ");
    }
    out
}

/// The byte offset of the `}` that closes the `{` at `open`.
fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Tarjan's algorithm: the strongly connected components of the graph (each a set of nodes
/// that can all reach each other; a circle when it has more than one).
fn strongly_connected(nodes: usize, edges: &BTreeMap<usize, BTreeSet<usize>>) -> Vec<Vec<usize>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<usize, BTreeSet<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        groups: Vec<Vec<usize>>,
    }
    impl Walk<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.next);
            self.low[v] = self.next;
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            let empty = BTreeSet::new();
            let targets: Vec<usize> = self
                .edges
                .get(&v)
                .unwrap_or(&empty)
                .iter()
                .copied()
                .collect();
            for w in targets {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    group.push(w);
                    if w == v {
                        break;
                    }
                }
                group.sort_unstable();
                self.groups.push(group);
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: vec![None; nodes],
        low: vec![0; nodes],
        on_stack: vec![false; nodes],
        stack: Vec::new(),
        next: 0,
        groups: Vec::new(),
    };
    for v in 0..nodes {
        if walk.index[v].is_none() {
            walk.visit(v);
        }
    }
    walk.groups
}

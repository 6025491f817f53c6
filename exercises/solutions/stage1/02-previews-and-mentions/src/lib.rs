//! # Exercise 1.2 — Previews and mentions: reference solution
//!
//! Stage 1 — Foundations. The exercise is `exercises/stage1/02-previews-and-mentions`; this file
//! is tested with that exercise's own `src/tests.rs`.

/// The first `max_chars` characters of `text` (all of it if it is shorter), borrowed from `text`.
pub fn preview(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        // `index` is where character number `max_chars` starts: always a character boundary.
        Some((index, _)) => &text[..index],
        None => text,
    }
}

/// The names mentioned with `@name` in `text`, each once, in order, borrowed from `text`.
pub fn mentions(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for word in text.split_whitespace() {
        let Some(rest) = word.strip_prefix('@') else {
            continue;
        };
        let end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        let name = &rest[..end];
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// The longer of two texts, counted in characters; `a` on a tie.
pub fn longer<'a>(a: &'a str, b: &'a str) -> &'a str {
    if b.chars().count() > a.chars().count() {
        b
    } else {
        a
    }
}

#[cfg(test)]
#[path = "../../../../stage1/02-previews-and-mentions/src/tests.rs"]
mod tests;

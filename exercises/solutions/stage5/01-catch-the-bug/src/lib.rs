//! # Exercise 5.1 — Catch the bug: reference solution
//!
//! Stage 5 — Testing and performance. The exercise is `exercises/stage5/01-catch-the-bug`; this
//! file is tested with that exercise's own `src/tests.rs`.

/// Shortens `text` to at most `max_chars` characters, adding `…` when it cut something.
pub type Preview = fn(&str, usize) -> String;

/// The correct version.
pub fn correct(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Planted bug: counts bytes, not characters (and slices in the middle of a character).
pub fn bug_bytes(text: &str, max_chars: usize) -> String {
    if text.len() <= max_chars {
        text.to_owned()
    } else {
        format!("{}…", &text[..max_chars])
    }
}

/// Planted bug: keeps one character too few when it cuts.
pub fn bug_off_by_one(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some(_) => {
            let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
            format!("{kept}…")
        }
        None => text.to_owned(),
    }
}

/// Planted bug: forgets the `…`.
pub fn bug_no_ellipsis(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Planted bug: adds `…` even when nothing was cut, if the text is exactly `max_chars` long.
pub fn bug_edge(text: &str, max_chars: usize) -> String {
    if text.chars().count() >= max_chars {
        let kept: String = text.chars().take(max_chars).collect();
        format!("{kept}…")
    } else {
        text.to_owned()
    }
}

/// Checks `preview` against the rules on inputs of your choice; `Err` describes the first wrong answer.
pub fn check(preview: Preview) -> Result<(), String> {
    let cases: [(&str, usize, &str); 7] = [
        ("hello", 10, "hello"),
        ("hello", 5, "hello"), // exactly max: unchanged
        ("hello", 3, "hel…"),  // cut: max characters and the ellipsis
        ("héllo", 2, "hé…"),   // characters, not bytes
        ("🦀🦀🦀", 1, "🦀…"),
        ("", 0, ""),
        ("abc", 0, "…"),
    ];
    for (text, max, want) in cases {
        let got = std::panic::catch_unwind(|| preview(text, max))
            .map_err(|_| format!("preview({text:?}, {max}) panicked"))?;
        if got != want {
            return Err(format!(
                "preview({text:?}, {max}) gave {got:?}, expected {want:?}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "../../../../stage5/01-catch-the-bug/src/tests.rs"]
mod tests;

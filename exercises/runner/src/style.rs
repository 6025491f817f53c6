//! Terminal colours, only when printing to a terminal and `NO_COLOR` is not set.

use std::io::IsTerminal;

/// Whether to use ANSI colours on stdout.
pub(crate) fn color_enabled() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Paints text when colours are on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub(crate) color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub(crate) fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    pub(crate) fn red(self, text: &str) -> String {
        self.paint("31", text)
    }

    pub(crate) fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }

    pub(crate) fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// `[#########-----------] 7/20 (35%)`
    pub(crate) fn progress(self, done: usize, total: usize) -> String {
        const WIDTH: usize = 30;
        let filled = (done * WIDTH).checked_div(total).unwrap_or(0);
        let percent = (done * 100).checked_div(total).unwrap_or(0);
        format!(
            "[{}{}] {done}/{total} done ({percent}%)",
            self.green(&"#".repeat(filled)),
            "-".repeat(WIDTH - filled)
        )
    }
}

//! All human-facing output goes through [`Printer`]: progress bars and summaries on stderr
//! (silenced by `--quiet`), errors always. Stdout carries only results.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Writes progress and messages to stderr, honouring `--quiet`.
#[derive(Debug, Clone)]
pub struct Printer {
    quiet: bool,
}

impl Printer {
    pub fn new(quiet: bool) -> Self {
        Printer { quiet }
    }

    /// Whether `--quiet` was given (for progress drawn by libraries, e.g. Hub downloads).
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// A progress bar of `len` steps on stderr (hidden when quiet).
    pub fn progress(&self, len: u64, what: &str) -> ProgressBar {
        if self.quiet {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        pb.set_style(style);
        pb.set_prefix(what.to_string());
        pb
    }

    /// An informational line on stderr (hidden when quiet).
    pub fn info(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }

    /// A warning on stderr (always shown).
    pub fn warn(&self, msg: impl std::fmt::Display) {
        eprintln!("warning: {msg}");
    }

    /// An error with its chain of causes on stderr (always shown).
    pub fn error(&self, e: &anyhow::Error) {
        eprintln!("error: {e}");
        for cause in e.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
    }
}

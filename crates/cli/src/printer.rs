//! All human-facing output goes through [`Printer`]: progress bars and summaries on stderr
//! (silenced by `--quiet`), errors always. Stdout carries only results.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Least time between two plain progress lines.
pub const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// Progress of one job (see [`Printer::progress`]).
pub enum Progress {
    Hidden,
    Bar(ProgressBar),
    Plain(Plain),
}

/// Plain-line progress state.
pub struct Plain {
    what: String,
    len: u64,
    done: u64,
    start: Instant,
    last: Option<Instant>,
}

impl Plain {
    /// `what: done/len (pct%), rate/s, eta Ns`.
    fn line(&self) -> String {
        let secs = self.start.elapsed().as_secs_f64().max(1e-9);
        let rate = self.done as f64 / secs;
        let pct = if self.len == 0 {
            100.0
        } else {
            100.0 * self.done as f64 / self.len as f64
        };
        let eta = if rate > 0.0 {
            format!("{:.0}s", self.len.saturating_sub(self.done) as f64 / rate)
        } else {
            "?".into()
        };
        format!(
            "{}: {}/{} ({pct:.0}%), {rate:.1}/s, eta {eta}",
            self.what, self.done, self.len
        )
    }
}

impl Progress {
    /// Advances by `k` steps.
    pub fn inc(&mut self, k: u64) {
        match self {
            Progress::Hidden => {}
            Progress::Bar(pb) => pb.inc(k),
            Progress::Plain(p) => {
                p.done += k;
                let due = p.last.is_none_or(|t| t.elapsed() >= PLAIN_EVERY);
                if due && p.done < p.len {
                    p.last = Some(Instant::now());
                    eprintln!("{}", p.line());
                }
            }
        }
    }

    /// Ends the progress: clears a bar; a plain reporter prints its final line.
    pub fn finish(self) {
        match self {
            Progress::Hidden => {}
            Progress::Bar(pb) => pb.finish_and_clear(),
            Progress::Plain(p) => {
                if p.len > 0 {
                    eprintln!(
                        "{} done in {:.1}s",
                        p.line(),
                        p.start.elapsed().as_secs_f64()
                    );
                }
            }
        }
    }
}

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

    /// Progress over `len` steps on stderr: a bar on a terminal, plain lines (with rate and
    /// ETA, at most one every [`PLAIN_EVERY`]) otherwise — batch jobs and Slurm logs — and
    /// nothing when quiet.
    pub fn progress(&self, len: u64, what: &str) -> Progress {
        if self.quiet {
            return Progress::Hidden;
        }
        if !std::io::stderr().is_terminal() {
            return Progress::Plain(Plain {
                what: what.to_string(),
                len,
                done: 0,
                start: Instant::now(),
                last: None,
            });
        }
        let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        pb.set_style(style);
        pb.set_prefix(what.to_string());
        Progress::Bar(pb)
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
        for line in error_lines(e) {
            eprintln!("{line}");
        }
    }
}

/// `error: ...` and one `  caused by: ...` line per cause, leaving out a cause whose text the
/// line above already shows in full (a message that embeds its source, as
/// "bench.jsonl:1: missing field ..." does).
fn error_lines(e: &anyhow::Error) -> Vec<String> {
    let mut lines = vec![format!("error: {e}")];
    let mut shown = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !shown.contains(&text) {
            lines.push(format!("  caused by: {text}"));
        }
        shown = text;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::error_lines;

    #[test]
    fn causes_already_shown_are_not_repeated() {
        let json = serde_json::from_str::<u32>("x").expect_err("not json");
        let inner = json.to_string();
        let e = anyhow::Error::new(json)
            .context(format!("bench.jsonl:1: {inner}"))
            .context("reading bench.jsonl");
        assert_eq!(
            error_lines(&e),
            [
                "error: reading bench.jsonl".to_string(),
                format!("  caused by: bench.jsonl:1: {inner}"),
            ]
        );
        let plain = anyhow::anyhow!("disk full").context("writing out.jsonl");
        assert_eq!(
            error_lines(&plain),
            ["error: writing out.jsonl", "  caused by: disk full"]
        );
    }
}

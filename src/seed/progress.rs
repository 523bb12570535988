//! How far `seed demo` got, on standard error: a bar on a terminal, a plain line every few
//! seconds otherwise (a log, a CI job), nothing when asked to be quiet.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a plain line is printed when standard error is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// Progress over the members whose loan history is written.
pub struct Progress {
    mode: Mode,
}

enum Mode {
    Quiet,
    Bar(ProgressBar),
    Lines(Mutex<Lines>),
}

struct Lines {
    total: u64,
    done: u64,
    loans: u64,
    started: Instant,
    printed: Instant,
}

impl Progress {
    /// Progress over `total` members; `show: false` prints nothing.
    pub fn new(total: u64, show: bool) -> Self {
        let mode = if !show {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} members, {msg} (eta {eta})",
            )
            .map(|style| style.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message("0 loans");
            Mode::Bar(bar)
        } else {
            let now = Instant::now();
            Mode::Lines(Mutex::new(Lines {
                total,
                done: 0,
                loans: 0,
                started: now,
                printed: now,
            }))
        };
        Self { mode }
    }

    /// `members` more members done, with `loans` loans.
    pub fn advance(&self, members: u64, loans: u64) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => {
                bar.inc(members);
                let total = loans + message_loans(&bar.message());
                bar.set_message(format!("{total} loans"));
            }
            Mode::Lines(lines) => {
                let Ok(mut lines) = lines.lock() else { return };
                lines.done += members;
                lines.loans += loans;
                if lines.printed.elapsed() >= LINE_EVERY || lines.done >= lines.total {
                    lines.printed = Instant::now();
                    eprintln!(
                        "seed demo: {} of {} members, {} loans, {} s",
                        lines.done,
                        lines.total,
                        lines.loans,
                        lines.started.elapsed().as_secs()
                    );
                }
            }
        }
    }

    /// Leaves the bar (or nothing) behind.
    pub fn finish(&self) {
        if let Mode::Bar(bar) = &self.mode {
            bar.finish();
        }
    }
}

/// The loan count a bar's message holds.
fn message_loans(message: &str) -> u64 {
    message
        .split_whitespace()
        .next()
        .and_then(|count| count.parse().ok())
        .unwrap_or(0)
}

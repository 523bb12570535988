//! How far a backup or a restore got, for the command line: a bar on a terminal, a plain line
//! every few seconds otherwise, nothing for the server (which logs the outcome instead).

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a plain line is printed when standard error is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(2);

/// Progress over a count of rows (a backup) or of bytes (a restore reading its file). Clones
/// report to the same bar or lines.
#[derive(Clone)]
pub struct Progress {
    mode: Mode,
}

#[derive(Clone)]
enum Mode {
    Quiet,
    Bar(ProgressBar),
    Lines(Arc<Mutex<Lines>>),
}

struct Lines {
    task: &'static str,
    unit: &'static str,
    total: Option<u64>,
    done: u64,
    stage: String,
    printed: Instant,
}

impl Progress {
    /// Prints nothing.
    pub fn quiet() -> Self {
        Self { mode: Mode::Quiet }
    }

    /// On standard error: `task` ("backup", "restore") counting `unit`s up to `total`.
    pub fn stderr(task: &'static str, unit: &'static str, total: Option<u64>) -> Self {
        let mode = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
            let template = match (total, unit) {
                (Some(_), "bytes") => {
                    "{elapsed_precise} [{bar:40}] {bytes}/{total_bytes} {msg} (eta {eta})"
                }
                (Some(_), _) => "{elapsed_precise} [{bar:40}] {pos}/{len} {msg} (eta {eta})",
                (None, _) => "{elapsed_precise} {spinner} {pos} rows {msg}",
            };
            let style = ProgressStyle::with_template(template)
                .map(|style| style.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            Mode::Bar(bar)
        } else {
            Mode::Lines(Arc::new(Mutex::new(Lines {
                task,
                unit,
                total,
                done: 0,
                stage: String::new(),
                printed: Instant::now(),
            })))
        };
        Self { mode }
    }

    /// Now working on `stage` (a table's name).
    pub fn stage(&self, stage: &str) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => bar.set_message(stage.to_owned()),
            Mode::Lines(lines) => {
                let Ok(mut lines) = lines.lock() else { return };
                lines.stage = stage.to_owned();
                lines.print();
            }
        }
    }

    /// `n` more units done.
    pub fn advance(&self, n: u64) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => bar.inc(n),
            Mode::Lines(lines) => {
                let Ok(mut lines) = lines.lock() else { return };
                lines.done += n;
                if lines.printed.elapsed() >= LINE_EVERY {
                    lines.print();
                }
            }
        }
    }

    /// A line of its own above the bar (or among the plain lines).
    pub fn note(&self, line: &str) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => bar.println(line),
            Mode::Lines(_) => eprintln!("{line}"),
        }
    }

    /// `at` units done in all.
    pub fn set_position(&self, at: u64) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => bar.set_position(at),
            Mode::Lines(lines) => {
                let Ok(mut lines) = lines.lock() else { return };
                lines.done = at;
                if lines.printed.elapsed() >= LINE_EVERY {
                    lines.print();
                }
            }
        }
    }

    /// The work is over: the bar is cleared, the last line printed.
    pub fn finish(&self) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => bar.finish_and_clear(),
            Mode::Lines(lines) => {
                if let Ok(mut lines) = lines.lock() {
                    lines.stage = "done".into();
                    lines.print();
                }
            }
        }
    }
}

impl Lines {
    fn print(&mut self) {
        self.printed = Instant::now();
        match self.total {
            Some(total) => eprintln!(
                "{}: {} of {} {}, {}",
                self.task, self.done, total, self.unit, self.stage
            ),
            None => eprintln!("{}: {} {}, {}", self.task, self.done, self.unit, self.stage),
        }
    }
}

//! The terminal side of the binary: results on stdout, progress and chatter on stderr.
//!
//! - **Results** (`writeln!(ui, …)`) go to stdout, with any progress bar lifted out of the
//!   way while they print. A closed stdout (`potmac … | head -1`) turns into [`StdoutClosed`],
//!   which `main` ends quietly with exit code 0, as `head` asked.
//! - **Progress** ([`crate::progress`] steps from the library and from the commands' own
//!   loops) draws `indicatif` bars and spinners on stderr. indicatif draws nothing when stderr
//!   is not a terminal; `-q` hides them always.
//! - **Notes** ([`Ui::note`]) are informational lines on stderr (training epochs, files
//!   written); `-q` drops them, `-v` adds the command line of every tool run. Errors are never
//!   notes: `main` prints them whatever the verbosity.

use crate::progress::Progress;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::cell::RefCell;
use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

/// How much to say on stderr besides results and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: no progress, no notes.
    Quiet,
    /// Progress (on a terminal) and notes.
    Normal,
    /// Also every tool command line.
    Verbose,
}

/// stdout was closed by its reader; the run ends quietly with exit code 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StdoutClosed;

impl fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stdout was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Output and progress of one run.
pub struct Ui {
    verbosity: Verbosity,
    multi: MultiProgress,
    /// Open steps with their names, innermost last.
    bars: RefCell<Vec<(ProgressBar, String)>>,
}

impl Ui {
    /// A UI drawing on stderr (hidden when stderr is not a terminal, and with `-q`).
    pub fn new(verbosity: Verbosity) -> Ui {
        let target = if verbosity == Verbosity::Quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        Ui {
            verbosity,
            multi: MultiProgress::with_draw_target(target),
            bars: RefCell::new(Vec::new()),
        }
    }

    /// Write result text to stdout (used by `write!` / `writeln!`). Bars step aside while it
    /// prints; a closed stdout becomes [`StdoutClosed`].
    pub fn write_fmt(&self, args: fmt::Arguments<'_>) -> anyhow::Result<()> {
        self.multi
            .suspend(|| {
                let mut out = io::stdout().lock();
                out.write_fmt(args).and_then(|()| out.flush())
            })
            .map_err(stdout_error)
    }

    /// Write raw bytes (generated completions, man pages) to stdout.
    pub fn write_bytes(&self, bytes: &[u8]) -> anyhow::Result<()> {
        self.multi
            .suspend(|| {
                let mut out = io::stdout().lock();
                out.write_all(bytes).and_then(|()| out.flush())
            })
            .map_err(stdout_error)
    }

    /// An informational line on stderr; dropped with `-q`.
    pub fn note(&self, line: &str) {
        if self.verbosity > Verbosity::Quiet {
            self.stderr_line(line);
        }
    }

    /// `warning: LINE` on stderr, also with `-q`.
    pub fn warn(&self, line: &str) {
        self.stderr_line(&format!("warning: {line}"));
    }

    /// A line on stderr above the bars (or plainly when they are hidden).
    fn stderr_line(&self, line: &str) {
        if self.multi.is_hidden() {
            eprintln!("{line}");
        } else {
            let _ = self.multi.println(line);
        }
    }

    /// Remove every bar (before an error message or exit).
    pub fn clear(&self) {
        for (pb, _) in self.bars.borrow_mut().drain(..) {
            pb.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}

/// `BrokenPipe` → [`StdoutClosed`]; anything else keeps its cause.
fn stdout_error(e: io::Error) -> anyhow::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        anyhow::Error::new(StdoutClosed)
    } else {
        anyhow::Error::new(e).context("writing to stdout")
    }
}

impl Progress for Ui {
    fn start(&self, step: &str, len: Option<u64>) {
        let pb = match len {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{spinner:.green} {msg} [{bar:30.cyan/blue}] {pos}/{len} ({elapsed})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner:.green} {msg} ({elapsed})")
                    .expect("valid template"),
            ),
        };
        let pb = self.multi.add(pb);
        pb.set_message(step.to_string());
        if !self.multi.is_hidden() {
            // Keep spinners and elapsed times moving while a tool runs.
            pb.enable_steady_tick(Duration::from_millis(120));
        }
        self.bars.borrow_mut().push((pb, step.to_string()));
    }

    fn inc(&self, n: u64) {
        if let Some((pb, _)) = self.bars.borrow().last() {
            pb.inc(n);
        }
    }

    fn message(&self, msg: &str) {
        if let Some((pb, name)) = self.bars.borrow().last() {
            pb.set_message(format!("{name}  {msg}"));
        }
    }

    fn finish(&self) {
        if let Some((pb, _)) = self.bars.borrow_mut().pop() {
            pb.finish_and_clear();
            self.multi.remove(&pb);
        }
    }

    fn note(&self, line: &str) {
        Ui::note(self, line);
    }

    fn command(&self, cwd: &Path, program: &str, args: &[String]) {
        if self.verbosity == Verbosity::Verbose {
            self.stderr_line(&command_line(cwd, program, args));
        }
    }
}

/// `+ cd DIR && PROGRAM ARGS…`, each word quoted for a POSIX shell when it needs it, so the
/// line can be pasted to rerun the tool by hand.
pub fn command_line(cwd: &Path, program: &str, args: &[String]) -> String {
    let mut s = format!(
        "+ cd {} && {}",
        quote(&cwd.display().to_string()),
        quote(program)
    );
    for a in args {
        s.push(' ');
        s.push_str(&quote(a));
    }
    s
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_are_shell_quoted() {
        let args = ["-c".to_string(), "exec ./build/Vsim".to_string()];
        assert_eq!(
            command_line(Path::new("hdl_out/a b"), "sh", &args),
            "+ cd 'hdl_out/a b' && sh -c 'exec ./build/Vsim'"
        );
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn a_broken_pipe_is_recognised() {
        let e = stdout_error(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(e.downcast_ref::<StdoutClosed>().is_some());
        let e = stdout_error(io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(e.downcast_ref::<StdoutClosed>().is_none());
    }
}

//! Progress reporting without a terminal library: long-running library code (every external
//! tool run, training epochs and batches, loops over designs) announces what it is doing
//! through the small [`Progress`] observer trait, and the program that uses the library
//! decides how to show it. The `potmac` binary draws `indicatif` bars on stderr; everything
//! else (tests, other programs) gets [`Silent`], the no-op, by default.
//!
//! Like the `log` facade, the observer is ambient rather than a parameter threaded through
//! every signature: [`scoped`] installs one for the current thread while a closure runs, and
//! the free functions [`step`] and [`command`] report to whichever is installed. Steps nest
//! (a bar over designs, inside it a spinner per tool run), so an observer sees them as a
//! stack: [`Progress::inc`] and [`Progress::finish`] always concern the innermost open step.
//! [`Step`] is a guard that finishes its step when dropped, so an early `?` return never
//! leaves one open.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

/// An observer of long-running work.
pub trait Progress {
    /// A step begins. `len` is its number of units for a counted step (a bar), `None` for
    /// an open-ended one (a spinner with elapsed time, e.g. one tool run).
    fn start(&self, step: &str, len: Option<u64>);
    /// The innermost open step advanced by `n` units.
    fn inc(&self, n: u64);
    /// The innermost open step ended.
    fn finish(&self);
    /// Live figures of the innermost open step (e.g. the running loss and accuracy of a
    /// training epoch), shown after its name; each call replaces the previous message.
    fn message(&self, msg: &str) {
        let _ = msg;
    }
    /// An external program is about to run: `program args…` in `cwd`.
    fn command(&self, cwd: &Path, program: &str, args: &[String]) {
        let _ = (cwd, program, args);
    }
    /// An informational line for the user (e.g. that the run waits for another one's lock);
    /// not a result.
    fn note(&self, line: &str) {
        let _ = line;
    }
}

/// The no-op observer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _step: &str, _len: Option<u64>) {}
    fn inc(&self, _n: u64) {}
    fn finish(&self) {}
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<dyn Progress>>> = const { RefCell::new(None) };
}

/// Run `f` with `observer` receiving this thread's progress reports (the previous observer,
/// if any, is restored afterwards, also when `f` panics).
pub fn scoped<R>(observer: Rc<dyn Progress>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Rc<dyn Progress>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let prev = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = prev);
        }
    }
    let prev = CURRENT.with(|c| c.borrow_mut().replace(observer));
    let _restore = Restore(prev);
    f()
}

fn with_current(f: impl FnOnce(&dyn Progress)) {
    // Clone the handle out first, so an observer may itself report without a double borrow.
    let current = CURRENT.with(|c| c.borrow().clone());
    match current {
        Some(p) => f(&*p),
        None => f(&Silent),
    }
}

/// An open step; finishes when dropped.
#[derive(Debug)]
#[must_use = "a step finishes when its guard is dropped"]
pub struct Step {
    _private: (),
}

impl Step {
    /// Advance this step by `n` units.
    pub fn inc(&self, n: u64) {
        with_current(|p| p.inc(n));
    }
    /// Show live figures for this step (see [`Progress::message`]).
    pub fn message(&self, msg: &str) {
        with_current(|p| p.message(msg));
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        with_current(|p| p.finish());
    }
}

/// Begin a step (see [`Progress::start`]); it ends when the returned guard is dropped.
pub fn step(name: &str, len: Option<u64>) -> Step {
    with_current(|p| p.start(name, len));
    Step { _private: () }
}

/// Report an external command about to run (see [`Progress::command`]).
pub fn command(cwd: &Path, program: &str, args: &[String]) {
    with_current(|p| p.command(cwd, program, args));
}

/// Report an informational line (see [`Progress::note`]).
pub fn note(line: &str) {
    with_current(|p| p.note(line));
}

/// The last component of a path, for step names (`hdl_out/pot_w4a8` → `pot_w4a8`).
pub fn short_name(dir: &Path) -> String {
    dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records every event as text.
    #[derive(Default)]
    struct Record(RefCell<Vec<String>>);

    impl Progress for Record {
        fn start(&self, step: &str, len: Option<u64>) {
            self.0.borrow_mut().push(format!("start {step} {len:?}"));
        }
        fn inc(&self, n: u64) {
            self.0.borrow_mut().push(format!("inc {n}"));
        }
        fn finish(&self) {
            self.0.borrow_mut().push("finish".into());
        }
        fn message(&self, msg: &str) {
            self.0.borrow_mut().push(format!("msg {msg}"));
        }
        fn command(&self, _cwd: &Path, program: &str, args: &[String]) {
            self.0
                .borrow_mut()
                .push(format!("run {program} {}", args.join(" ")));
        }
    }

    #[test]
    fn steps_nest_and_finish_on_drop_even_on_early_return() {
        let rec = Rc::new(Record::default());
        let failing = || -> Result<(), ()> {
            let outer = step("designs", Some(2));
            {
                let _tool = step("yosys x", None);
                command(Path::new("."), "yosys", &["-q".into()]);
            }
            outer.inc(1);
            outer.message("loss 0.5");
            Err(())?;
            outer.inc(1);
            Ok(())
        };
        assert!(scoped(rec.clone(), failing).is_err());
        assert_eq!(
            *rec.0.borrow(),
            [
                "start designs Some(2)",
                "start yosys x None",
                "run yosys -q",
                "finish",
                "inc 1",
                "msg loss 0.5",
                "finish"
            ]
        );
        // Outside the scope nothing is reported (the default is Silent).
        let _s = step("unobserved", None);
        assert_eq!(rec.0.borrow().len(), 7);
    }

    #[test]
    fn short_names() {
        assert_eq!(short_name(Path::new("hdl_out/pot_w4a8")), "pot_w4a8");
    }
}

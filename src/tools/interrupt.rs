//! Ctrl-C and SIGTERM while tools run. Every tool runs in its own process group (so a hang can
//! be killed as a whole), which also means the terminal's SIGINT no longer reaches it. This
//! module closes that gap: [`install`] sets a handler that kills the process group of every
//! tool running at that moment (kill(2) with a negative pid; async-signal-safe) and records
//! the interruption, so [`super::runner::run`] returns [`super::ToolError::Interrupted`] and
//! the command unwinds (temporary folders are dropped, locks released) and exits 130. When no
//! tool is running, or on a second signal, the handler ends the process at once with status
//! 130 (a later run removes any temporary folder left behind, see `emit::folder`).

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

/// Slots for the process groups of running tools (parallel runs use one slot each).
const SLOTS: usize = 64;
#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: AtomicI32 = AtomicI32::new(0);
static GROUPS: [AtomicI32; SLOTS] = [EMPTY; SLOTS];
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Tools being started (spawned, not yet registered): a signal then only records the
/// interruption, and the runner kills the new group as soon as it is registered.
static SPAWNING: AtomicUsize = AtomicUsize::new(0);

/// Exit status of an interrupted run (128 + SIGINT, the shell convention).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Whether SIGINT or SIGTERM arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Install the handler for SIGINT and SIGTERM (idempotent).
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    #[cfg(unix)]
    ONCE.call_once(|| {
        // SAFETY: `on_signal` only touches atomics and calls kill(2) and _exit(2), which are
        // async-signal-safe; the sigaction struct is zeroed and then filled in completely.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut sa.sa_mask);
            sa.sa_flags = libc::SA_RESTART;
            libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
            libc::sigaction(libc::SIGTERM, &sa, std::ptr::null_mut());
        }
    });
}

#[cfg(unix)]
extern "C" fn on_signal(_sig: libc::c_int) {
    let again = INTERRUPTED.swap(true, Ordering::SeqCst);
    let mut killed = false;
    for g in &GROUPS {
        let pgid = g.load(Ordering::SeqCst);
        if pgid > 1 {
            // SAFETY: a negative pid signals only that process group, which the runner
            // created for its child; groups 0 (ours) and 1 are never stored.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
            killed = true;
        }
    }
    if again || (!killed && SPAWNING.load(Ordering::SeqCst) == 0) {
        // SAFETY: _exit is async-signal-safe and ends the process immediately.
        unsafe { libc::_exit(EXIT_INTERRUPTED as libc::c_int) }
    }
}

/// A tool being started, from before its spawn until its group is registered: a signal in
/// between does not end potmac at once (which would leave the tool unregistered and print
/// nothing) but lets the runner stop the tool and report the interruption.
pub struct Spawning(());

/// Mark a tool as being started until the returned guard is dropped.
pub fn spawning() -> Spawning {
    SPAWNING.fetch_add(1, Ordering::SeqCst);
    Spawning(())
}

impl Drop for Spawning {
    fn drop(&mut self) {
        SPAWNING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running tool's process group, registered for the handler until dropped.
pub struct Registered(usize);

/// Register the process group `pgid` (the child's pid; it leads its own group). Returns
/// `None` when every slot is taken: the tool still runs, only Ctrl-C will not reach it.
pub fn register(pgid: u32) -> Option<Registered> {
    let pgid = i32::try_from(pgid).ok().filter(|&p| p > 1)?;
    GROUPS.iter().enumerate().find_map(|(i, g)| {
        g.compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst)
            .ok()
            .map(|_| Registered(i))
    })
}

impl Drop for Registered {
    fn drop(&mut self) {
        GROUPS[self.0].store(0, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_after_drop() {
        let a = register(4242).expect("a free slot");
        let slot = a.0;
        assert_eq!(GROUPS[slot].load(Ordering::SeqCst), 4242);
        drop(a);
        assert_eq!(GROUPS[slot].load(Ordering::SeqCst), 0);
        assert!(register(0).is_none() && register(1).is_none());
    }
}

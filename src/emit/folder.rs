//! Writing design folders safely: atomic replacement, recovery after a killed run, and an
//! advisory lock per design folder.
//!
//! A folder is written into a hidden sibling `OUT/.NAME.tmpPID/` and swapped into place with
//! two renames: the old folder goes aside to `OUT/.NAME.oldPID/`, the new one is renamed to
//! `OUT/NAME`, then the old one is deleted. A kill at any moment leaves a complete folder: the
//! old one (at `OUT/NAME`, or aside, whence the next run renames it back), or the new one.
//! Hidden folders of processes that no longer run are removed by the next write
//! ([`recover`]). Two potmac processes never work on one folder at once: each holds
//! [`DesignLock`] (an `flock` on `OUT/.NAME.lock`) while it generates and uses the folder.

use super::{Bundle, EmitError};
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EmitError {
    let path = path.to_path_buf();
    move |source| EmitError::Io { path, source }
}

/// The hidden sibling folders of `OUT/NAME` one process uses: `tmp` while writing, `old` for
/// the previous folder between the two renames.
fn hidden(out: &Path, name: &str, pid: u32) -> (PathBuf, PathBuf) {
    (
        out.join(format!(".{name}.tmp{pid}")),
        out.join(format!(".{name}.old{pid}")),
    )
}

/// Whether a process with this id runs (`kill(pid, 0)`; a process we may not signal runs).
fn alive(pid: u32) -> bool {
    let Ok(p) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if p <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks whether the process exists; nothing is sent.
    let r = unsafe { libc::kill(p, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Whether `path` is taken by something other than a folder (or a link to one): a file, a
/// FIFO, a socket, a dangling link. Such an entry belongs to the user and is never moved.
fn not_a_folder(path: &Path) -> bool {
    path.symlink_metadata().is_ok() && !path.is_dir()
}

/// Check that the design folder `OUT/NAME` is a folder or absent, before anything is
/// written or moved: [`EmitError::NotAFolder`] otherwise.
pub fn check_dest(out: &Path, name: &str) -> Result<(), EmitError> {
    let dest = out.join(name);
    if not_a_folder(&dest) {
        return Err(EmitError::NotAFolder { path: dest });
    }
    Ok(())
}

/// Clean up after killed runs of any process for the design `name` in `out`: a previous
/// folder left aside (`.NAME.oldPID/`) while `OUT/NAME` is missing is renamed back, every
/// other hidden folder of a dead process (`.NAME.tmpPID/`, `.NAME.oldPID/`) is deleted.
/// Folders of live processes are left alone, and so is every hidden entry that is not a
/// folder (potmac only ever puts folders there: anything else is the user's, never renamed or
/// deleted). Returns the folders removed or restored.
pub fn recover(out: &Path, name: &str) -> Result<Vec<PathBuf>, EmitError> {
    let mut done = Vec::new();
    let Ok(entries) = std::fs::read_dir(out) else {
        return Ok(done);
    };
    let me = std::process::id();
    let mut stale: Vec<(bool, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let file = e.file_name();
            let rest = file.to_str()?.strip_prefix('.')?.strip_prefix(name)?;
            let (old, pid) = if let Some(p) = rest.strip_prefix(".tmp") {
                (false, p)
            } else {
                (true, rest.strip_prefix(".old")?)
            };
            let pid: u32 = pid.parse().ok().filter(|p: &u32| p.to_string() == pid)?;
            let path = e.path();
            let folder = path.symlink_metadata().is_ok_and(|m| m.is_dir());
            (folder && pid != me && !alive(pid)).then_some((old, path))
        })
        .collect();
    stale.sort();
    let dest = out.join(name);
    for (old, path) in stale {
        if old && dest.symlink_metadata().is_err() {
            std::fs::rename(&path, &dest).map_err(io(&dest))?;
        } else {
            std::fs::remove_dir_all(&path).map_err(io(&path))?;
        }
        done.push(path);
    }
    Ok(done)
}

/// Write a bundle to `out/<name>/`, replacing any previous folder of that name so that a kill
/// at any moment leaves a complete folder (see the module docs). Callers that may run
/// concurrently with another potmac hold the folder's [`DesignLock`].
pub fn write(bundle: &Bundle, out: &Path) -> Result<PathBuf, EmitError> {
    std::fs::create_dir_all(out).map_err(io(out))?;
    check_dest(out, &bundle.name)?;
    recover(out, &bundle.name)?;
    let dest = out.join(&bundle.name);
    let (tmp, old) = hidden(out, &bundle.name, std::process::id());
    for p in [&tmp, &old] {
        if p.exists() {
            std::fs::remove_dir_all(p).map_err(io(p))?;
        }
    }
    let staged = (|| {
        for (rel, text) in &bundle.files {
            let p = tmp.join(rel);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(&p, text).map_err(io(&p))?;
        }
        Ok(())
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let had_old = dest.exists();
    if had_old {
        if let Err(e) = std::fs::rename(&dest, &old) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(io(&dest)(e));
        }
    }
    if let Err(e) = std::fs::rename(&tmp, &dest) {
        if had_old {
            let _ = std::fs::rename(&old, &dest);
        }
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(io(&dest)(e));
    }
    if had_old {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(dest)
}

/// The files of `bundle` missing from the folder `dir` (relative paths, sorted).
pub fn missing_files(bundle: &Bundle, dir: &Path) -> Vec<String> {
    bundle
        .files
        .keys()
        .filter(|rel| !dir.join(rel).is_file())
        .cloned()
        .collect()
}

/// An exclusive advisory lock on the design folder `OUT/NAME` (an `flock` on the file
/// `OUT/.NAME.lock`, which stays in place), released when dropped or when the process ends.
#[derive(Debug)]
pub struct DesignLock {
    _file: File,
    path: PathBuf,
}

impl DesignLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Take the lock of `OUT/NAME`, creating `OUT` if needed. When another process holds it,
    /// call `waiting` once (with the lock file) and retry until `wait` has passed, then fail
    /// with [`EmitError::Locked`].
    pub fn acquire(
        out: &Path,
        name: &str,
        wait: Duration,
        waiting: &mut dyn FnMut(&Path),
    ) -> Result<DesignLock, EmitError> {
        std::fs::create_dir_all(out).map_err(io(out))?;
        let path = out.join(format!(".{name}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        let t0 = Instant::now();
        let mut told = false;
        loop {
            // SAFETY: flock on a descriptor this function owns; no memory is involved.
            let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if r == 0 {
                return Ok(DesignLock { _file: file, path });
            }
            let e = std::io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EWOULDBLOCK) => {}
                Some(libc::EINTR) => continue,
                _ => return Err(io(&path)(e)),
            }
            if t0.elapsed() >= wait {
                return Err(EmitError::Locked {
                    path,
                    seconds: wait.as_secs(),
                });
            }
            if !told {
                waiting(&path);
                told = true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn bundle(name: &str, files: usize, tag: &str) -> Bundle {
        Bundle {
            name: name.into(),
            top: "t".into(),
            tb_top: "tb".into(),
            tb_file: "tb/tb.v".into(),
            pnr_file: "synth/p.v".into(),
            vectors: 0,
            checks: "vectors",
            files: (0..files)
                .map(|i| (format!("d{}/f{i}.txt", i % 7), format!("{tag} {i}\n")))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    /// A process id that is not running: a child that has exited and been reaped.
    fn dead_pid() -> u32 {
        let mut c = std::process::Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        assert!(!alive(pid));
        pid
    }

    #[test]
    fn alive_sees_this_process_and_not_a_reaped_child() {
        assert!(alive(std::process::id()));
        dead_pid();
        assert!(!alive(0));
    }

    /// The state a kill between the two renames leaves: the previous folder aside, no
    /// `OUT/NAME`. The next write (or `recover`) must not lose it or leave it behind.
    #[test]
    fn a_folder_left_aside_by_a_killed_run_is_restored() {
        let out = tempfile::tempdir().unwrap();
        let b = bundle("d", 20, "old");
        write(&b, out.path()).unwrap();
        let pid = dead_pid();
        let (_, old) = hidden(out.path(), "d", pid);
        std::fs::rename(out.path().join("d"), &old).unwrap();
        let (tmp, _) = hidden(out.path(), "d", pid);
        std::fs::create_dir_all(tmp.join("rtl")).unwrap();
        recover(out.path(), "d").unwrap();
        assert!(missing_files(&b, &out.path().join("d")).is_empty());
        assert!(!old.exists() && !tmp.exists());
    }

    /// A killed run's `.NAME.tmpPID/` is deleted by the next write; a live process's is kept,
    /// and so are other designs' folders.
    #[test]
    fn stale_temp_folders_of_dead_processes_are_removed() {
        let out = tempfile::tempdir().unwrap();
        let dead = dead_pid();
        let stale = out.path().join(format!(".d.tmp{dead}"));
        let stale_old = out.path().join(format!(".d.old{dead}"));
        let live = out.path().join(".d.tmp1");
        let other = out.path().join(format!(".dd.tmp{dead}"));
        for p in [&stale, &stale_old, &live, &other] {
            std::fs::create_dir_all(p.join("x")).unwrap();
        }
        write(&bundle("d", 3, "new"), out.path()).unwrap();
        assert!(!stale.exists() && !stale_old.exists());
        assert!(live.exists(), "pid 1 runs");
        assert!(other.exists(), "another design's folder");
    }

    /// While one thread rewrites a folder over and over, another watches it: `OUT/NAME` must
    /// never be seen incomplete. (Deleting the old folder in place, as before, exposed a
    /// half-deleted folder at once.)
    #[test]
    fn a_rewritten_folder_is_never_seen_incomplete() {
        let out = tempfile::tempdir().unwrap();
        let b = bundle("d", 400, "x");
        write(&b, out.path()).unwrap();
        let dest = out.path().join("d");
        let stop = std::sync::atomic::AtomicBool::new(false);
        let seen_incomplete = std::thread::scope(|s| {
            let watcher = s.spawn(|| {
                use std::os::unix::fs::MetadataExt;
                let ino = || dest.metadata().map(|m| m.ino()).ok();
                let sample: Vec<PathBuf> =
                    b.files.keys().step_by(20).map(|r| dest.join(r)).collect();
                let mut bad = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    // Files missing from one and the same folder (not a folder swapped
                    // between the checks): a half-deleted folder.
                    let before = ino();
                    let missing = sample.iter().any(|p| !p.exists());
                    if missing && before.is_some() && before == ino() {
                        bad += 1;
                    }
                }
                bad
            });
            for _ in 0..30 {
                write(&b, out.path()).unwrap();
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            watcher.join().unwrap()
        });
        assert_eq!(seen_incomplete, 0);
    }

    #[test]
    fn a_held_lock_makes_a_second_taker_wait_then_time_out() {
        let out = tempfile::tempdir().unwrap();
        let held = DesignLock::acquire(out.path(), "d", Duration::ZERO, &mut |_| {}).unwrap();
        let mut told = 0;
        // flock locks belong to the open file description: a second open in the same
        // process conflicts just as another process would.
        let e = DesignLock::acquire(out.path(), "d", Duration::from_millis(200), &mut |_| {
            told += 1
        })
        .unwrap_err();
        assert!(matches!(e, EmitError::Locked { .. }), "{e}");
        assert_eq!(told, 1);
        drop(held);
        DesignLock::acquire(out.path(), "d", Duration::ZERO, &mut |_| {}).unwrap();
    }
}

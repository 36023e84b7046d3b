//! The one subprocess runner: finds a tool on PATH (naming the Debian package when it is
//! missing), runs it in a directory with stdout and stderr saved to a log file, and kills the
//! whole process group when it exceeds its timeout or the run is interrupted
//! ([`super::interrupt`]).
//!
//! Tools die with potmac however potmac dies (SIGKILL from a CI timeout or the OOM killer
//! included), on Linux ([`die_with_us`]): the tool gets `PR_SET_PDEATHSIG(SIGKILL)`, which only
//! reaches the direct child, so each tool's process group also gets a watcher, a tiny process
//! that blocks reading a pipe whose only writer is potmac and kills the group when the read
//! ends: when potmac exits, however, the kernel closes the pipe.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// An external program and the Debian package that provides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tool {
    /// Executable name.
    pub bin: &'static str,
    /// Debian package.
    pub package: &'static str,
}

/// Errors from running tools (messages never repeat their `source`: see the crate docs,
/// "Errors").
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The executable is not on PATH.
    #[error("`{bin}` not found on PATH: install the Debian package `{package}` (apt-get install -y {package})")]
    Missing {
        bin: &'static str,
        package: &'static str,
    },
    /// The tool ran longer than allowed and was killed.
    #[error("`{bin}` timed out after {secs} s and was killed; log: {log}")]
    Timeout {
        bin: &'static str,
        secs: u64,
        log: PathBuf,
    },
    /// The tool exited with an error status.
    #[error("`{bin}` failed (exit status {status}); log: {log}{tail}")]
    Failed {
        bin: &'static str,
        status: i32,
        log: PathBuf,
        tail: String,
    },
    /// SIGINT or SIGTERM arrived: the tool's process group was killed.
    #[error("interrupted: stopped `{bin}` and everything it started")]
    Interrupted { bin: &'static str },
    /// The tool cannot do what was asked (e.g. two top modules for Verilator).
    #[error("`{bin}`: {message}")]
    Usage { bin: &'static str, message: String },
    /// Spawning or log I/O failed.
    #[error("running `{bin}`")]
    Io {
        bin: &'static str,
        source: std::io::Error,
    },
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct Run {
    /// Exit status (`-1` when killed by a signal).
    pub status: i32,
    /// The log file (stdout and stderr).
    pub log: PathBuf,
    /// The log's contents.
    pub output: String,
    /// Wall time.
    pub elapsed: Duration,
}

impl Run {
    /// Turn a non-zero exit status into [`ToolError::Failed`] with the log's last lines.
    pub fn check(self, tool: &Tool) -> Result<Run, ToolError> {
        if self.status == 0 {
            return Ok(self);
        }
        let lines: Vec<&str> = self.output.lines().collect();
        let tail = lines[lines.len().saturating_sub(12)..].join("\n  ");
        Err(ToolError::Failed {
            bin: tool.bin,
            status: self.status,
            log: self.log.clone(),
            tail: if tail.is_empty() {
                String::new()
            } else {
                format!("\n  {tail}")
            },
        })
    }
}

/// Find `tool` on PATH.
pub fn find(tool: &Tool) -> Result<PathBuf, ToolError> {
    let missing = ToolError::Missing {
        bin: tool.bin,
        package: tool.package,
    };
    let path = std::env::var_os("PATH").ok_or(missing)?;
    for dir in std::env::split_paths(&path) {
        let cand = dir.join(tool.bin);
        if cand.is_file() {
            return Ok(cand);
        }
    }
    Err(ToolError::Missing {
        bin: tool.bin,
        package: tool.package,
    })
}

/// Run `tool args…` in `cwd`, saving stdout and stderr to `log` (created with its parent
/// folders), killing it after `timeout`. The command line is reported to the installed
/// [`crate::progress`] observer first (`potmac -v` prints it); the driver that calls this
/// opens the progress step that names what the run is for.
pub fn run(
    tool: &Tool,
    args: &[String],
    cwd: &Path,
    timeout: Duration,
    log: &Path,
) -> Result<Run, ToolError> {
    let exe = find(tool)?;
    crate::progress::command(cwd, tool.bin, args);
    let io = |source| ToolError::Io {
        bin: tool.bin,
        source,
    };
    if let Some(parent) = log.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let file = std::fs::File::create(log).map_err(io)?;
    let err_file = file.try_clone().map_err(io)?;
    let start = Instant::now();
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err_file);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    #[cfg(target_os = "linux")]
    let lifeline = die_with_us(&mut cmd).map_err(io)?;
    let starting = super::interrupt::spawning();
    if super::interrupt::interrupted() {
        return Err(ToolError::Interrupted { bin: tool.bin });
    }
    let spawned = cmd.spawn();
    // Our copy of the read end goes (the watcher has its own); the write end stays open
    // until this function returns, whatever the outcome.
    #[cfg(target_os = "linux")]
    let _lifeline = lifeline.spawned();
    let mut child = spawned.map_err(io)?;
    let _registered = super::interrupt::register(child.id());
    // Registered: from here a signal kills the group itself (and the loop below sees it).
    drop(starting);
    let status = loop {
        if super::interrupt::interrupted() {
            kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            return Err(ToolError::Interrupted { bin: tool.bin });
        }
        if let Some(st) = child.try_wait().map_err(io)? {
            break st;
        }
        if start.elapsed() > timeout {
            kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            return Err(ToolError::Timeout {
                bin: tool.bin,
                secs: timeout.as_secs(),
                log: log.to_path_buf(),
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = String::from_utf8_lossy(&std::fs::read(log).map_err(io)?).into_owned();
    Ok(Run {
        status: status.code().unwrap_or(-1),
        log: log.to_path_buf(),
        output,
        elapsed: start.elapsed(),
    })
}

/// The pipe that ties a tool's process group to this process: potmac holds the write end
/// while the tool runs; the group's watcher (see [`die_with_us`]) holds the read end.
#[cfg(target_os = "linux")]
struct Lifeline {
    read: std::os::fd::OwnedFd,
    write: std::os::fd::OwnedFd,
}

#[cfg(target_os = "linux")]
impl Lifeline {
    /// After spawning: close our read end, keep the write end until dropped (then the
    /// watcher wakes and kills whatever the tool left in its group, and itself).
    fn spawned(self) -> std::os::fd::OwnedFd {
        drop(self.read);
        self.write
    }
}

/// Make the tool that `cmd` starts, and everything it starts in its process group, die with
/// this process however it ends, even by SIGKILL, when no code of ours can run:
///
/// - the tool (the direct child) gets `prctl(PR_SET_PDEATHSIG, SIGKILL)`; the kernel sends it
///   when we die. It is not inherited by the tool's own children (Verilator's `make` and
///   `g++`, `vvp` under a shell), which would be reparented to init and keep running, so
/// - before `exec`, the child double-forks a watcher into its (new) process group, detached
///   from the tool (reparented to init, so a tool that waits for all its children never waits
///   for it). The watcher closes every descriptor but the read end of a close-on-exec pipe
///   whose only writer is potmac, and blocks in `read`. When potmac ends, however, the kernel
///   closes the write end, `read` returns 0, and the watcher sends SIGKILL to the whole group
///   (itself included). A process group id stays reserved while a member (the watcher) lives,
///   so the signal cannot reach an unrelated group. After a normal run potmac closes the
///   write end itself, which also removes anything the tool left running in its group.
///
/// A process that leaves the group (`setsid`, `setpgid`) escapes; none of the tools potmac
/// runs does. Ctrl-C and timeouts still kill the group from potmac ([`kill_group`]).
#[cfg(target_os = "linux")]
fn die_with_us(cmd: &mut Command) -> std::io::Result<Lifeline> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 fills in two new descriptors, which we own from here on.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned by nothing else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let read_fd = read.as_raw_fd();
    // SAFETY: getpid cannot fail.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the closure runs in the forked child before exec and only makes
    // async-signal-safe system calls (prctl, getppid, getpid, setpgid, fork, waitpid, signal,
    // dup2, close_range/close, chdir, read, kill, _exit); it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            // potmac died before the prctl took effect: do not start the tool.
            if libc::getppid() != parent {
                libc::_exit(137);
            }
            // `process_group(0)` has run already; make sure the child leads its group.
            libc::setpgid(0, 0);
            let group = libc::getpid();
            match libc::fork() {
                -1 => return Err(std::io::Error::last_os_error()),
                0 => {
                    // The first fork exits at once so that the watcher is nobody's child.
                    if libc::fork() == 0 {
                        watch(read_fd, group);
                    }
                    libc::_exit(0);
                }
                first => {
                    let mut status = 0;
                    while libc::waitpid(first, &mut status, 0) == -1
                        && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
                    {
                    }
                }
            }
            Ok(())
        });
    }
    Ok(Lifeline { read, write })
}

/// The watcher of a tool's process group (see [`die_with_us`]): wait until every writer of
/// the pipe `fd` is gone, then kill the group. Runs in a forked copy of potmac that never
/// execs, so it makes system calls only.
#[cfg(target_os = "linux")]
unsafe fn watch(fd: libc::c_int, group: libc::pid_t) -> ! {
    // SAFETY (whole function): async-signal-safe system calls on our own descriptors and our
    // own process group only.
    unsafe {
        // potmac's Ctrl-C handler is not ours to run.
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::signal(libc::SIGTERM, libc::SIG_DFL);
        // Keep only the pipe (as fd 0): other descriptors (potmac's log files, lock files,
        // other runs' pipes) must not be held open by the watcher.
        if libc::dup2(fd, 0) == -1 {
            libc::kill(-group, libc::SIGKILL);
            libc::_exit(1);
        }
        if libc::syscall(
            libc::SYS_close_range,
            1 as libc::c_uint,
            libc::c_uint::MAX,
            0,
        ) != 0
        {
            for f in 1..65536 {
                libc::close(f);
            }
        }
        libc::chdir(c"/".as_ptr());
        let mut byte = 0u8;
        loop {
            let n = libc::read(0, (&mut byte as *mut u8).cast(), 1);
            if n > 0 {
                continue;
            }
            if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            break;
        }
        libc::kill(-group, libc::SIGKILL);
        libc::_exit(0)
    }
}

/// Kill a process group (the tool and everything it started, e.g. Verilator's make and g++).
fn kill_group(pid: u32) {
    #[cfg(unix)]
    {
        let pgid = pid as libc::pid_t;
        // Never signal group 0 (our own) or -1 (every process).
        if pgid > 1 {
            // SAFETY: kill(2) with a negative pid only sends a signal to that process group,
            // which `run` created for the child with `process_group(0)`.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SH: Tool = Tool {
        bin: "sh",
        package: "dash",
    };

    #[test]
    fn missing_tool_names_the_package() {
        let t = Tool {
            bin: "potmac-no-such-tool",
            package: "potmac-pkg",
        };
        let e = find(&t).unwrap_err().to_string();
        assert!(e.contains("apt-get install -y potmac-pkg"), "{e}");
    }

    #[test]
    fn timeout_kills_a_hanging_process_group() {
        let dir = std::env::temp_dir().join(format!("potmac-runner-{}", std::process::id()));
        let log = dir.join("hang.log");
        let args = vec!["-c".to_string(), "sleep 30 & sleep 30".to_string()];
        let t0 = Instant::now();
        let e = run(&SH, &args, Path::new("."), Duration::from_millis(300), &log).unwrap_err();
        assert!(matches!(e, ToolError::Timeout { .. }), "{e}");
        assert!(t0.elapsed() < Duration::from_secs(10));
        let args = vec![
            "-c".to_string(),
            "echo hi; echo err >&2; exit 3".to_string(),
        ];
        let r = run(&SH, &args, Path::new("."), Duration::from_secs(10), &log).unwrap();
        assert_eq!(r.status, 3);
        assert!(r.output.contains("hi") && r.output.contains("err"));
        let e = r.check(&SH).unwrap_err().to_string();
        assert!(e.contains("exit status 3") && e.contains("err"), "{e}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

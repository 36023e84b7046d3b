//! The one subprocess runner: finds a tool on PATH (naming the Debian package when it is
//! missing), runs it in a directory with stdout and stderr saved to a log file, and kills the
//! whole process group when it exceeds its timeout or the run is interrupted
//! ([`super::interrupt`]).

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
    if super::interrupt::interrupted() {
        return Err(ToolError::Interrupted { bin: tool.bin });
    }
    let mut child = cmd.spawn().map_err(io)?;
    let _registered = super::interrupt::register(child.id());
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

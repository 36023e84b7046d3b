//! Beyond one machine: `--emit-jobs DIR` writes one self-contained job per point
//! (`jobs/<hash>.json`: the resolved point, its design config and its command line), the
//! commands in `jobs.txt` (one per line, for GNU parallel or any scheduler), and a Slurm job
//! array, `slurm.sbatch`, whose task `i` runs line `POTMAC_OFFSET + i + 1` of `jobs.txt`;
//! `submit.sh` submits it in chunks of at most [`CHUNK`] tasks (below Slurm's default
//! `MaxArraySize` of 1001). Every job writes `points/<hash>.json` into DIR, so
//! `--collect DIR` merges them exactly as a local run does.

use super::point::Point;
use super::{write_atomic, Manifest, SweepError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Largest job array `submit.sh` submits at once.
pub const CHUNK: usize = 1000;

/// A job file (`jobs/<hash>.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub hash: String,
    pub name: String,
    /// The command that measures the point, run in DIR.
    pub command: String,
    /// The design config of the point (YAML), for reading and for `potmac generate`.
    pub config: String,
    pub point: Point,
}

impl Job {
    /// Read a job file.
    pub fn read(path: &Path) -> Result<Job, SweepError> {
        let text = std::fs::read_to_string(path).map_err(|source| SweepError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| SweepError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }
}

/// The command of a point's job: `POTMAC -q sweep --point jobs/<hash>.json --out .`.
pub fn command(potmac: &str, hash: &str) -> String {
    format!("{potmac} -q sweep --point jobs/{hash}.json --out .")
}

/// Write the job files, `jobs.txt`, `slurm.sbatch`, `submit.sh` and the manifest into `dir`.
/// `potmac` is the command that runs potmac on the nodes (`potmac` on their `PATH` unless
/// told otherwise).
pub fn emit_jobs(m: &Manifest, dir: &Path, potmac: &str) -> Result<(), SweepError> {
    m.write(dir)?;
    let mut lines = String::new();
    for (p, hash) in m.points.iter().zip(&m.hashes) {
        let job = Job {
            hash: hash.clone(),
            name: p.name(),
            command: command(potmac, hash),
            config: p.config_yaml(),
            point: p.clone(),
        };
        let text = serde_json::to_string_pretty(&job).expect("serializes") + "\n";
        write_atomic(&dir.join("jobs").join(format!("{hash}.json")), &text)?;
        lines += &job.command;
        lines.push('\n');
    }
    write_atomic(&dir.join("jobs.txt"), &lines)?;
    let n = m.points.len();
    write_atomic(&dir.join("slurm.sbatch"), &sbatch(&m.name, n))?;
    write_atomic(&dir.join("submit.sh"), &submit(n))?;
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|source| SweepError::Io { path: logs, source })?;
    Ok(())
}

/// The job array script.
pub fn sbatch(name: &str, n: usize) -> String {
    let last = n.clamp(1, CHUNK) - 1;
    format!(
        "#!/bin/bash\n\
         # potmac sweep `{name}`: {n} points, one per task of this job array. Task i runs line\n\
         # POTMAC_OFFSET + i + 1 of jobs.txt in this folder. Submit from this folder:\n\
         #   sbatch slurm.sbatch      (the first {chunk} points)\n\
         #   ./submit.sh              (every point, in chunks of at most {chunk} tasks)\n\
         # then `potmac sweep --collect .` merges the results.\n\
         #SBATCH --job-name=potmac-{name}\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --output=logs/%A_%a.out\n\
         set -eu\n\
         cd \"${{SLURM_SUBMIT_DIR:-.}}\"\n\
         line=$(( ${{POTMAC_OFFSET:-0}} + SLURM_ARRAY_TASK_ID + 1 ))\n\
         cmd=$(sed -n \"${{line}}p\" jobs.txt)\n\
         if [ -z \"$cmd\" ]; then exit 0; fi\n\
         eval \"$cmd\"\n",
        chunk = CHUNK
    )
}

/// `submit.sh`: one `sbatch` per chunk.
pub fn submit(n: usize) -> String {
    let mut s = String::from(
        "#!/bin/sh\n# Submit every point of slurm.sbatch, in chunks below MaxArraySize.\nset -eu\ncd \"$(dirname \"$0\")\"\n",
    );
    let mut off = 0;
    while off < n {
        let len = CHUNK.min(n - off);
        s += &format!(
            "sbatch --array=0-{} --export=ALL,POTMAC_OFFSET={off} slurm.sbatch\n",
            len - 1
        );
        off += len;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_stay_below_max_array_size() {
        assert_eq!(
            submit(3)
                .lines()
                .filter(|l| l.starts_with("sbatch"))
                .count(),
            1
        );
        let s = submit(2500);
        let lines: Vec<&str> = s.lines().filter(|l| l.starts_with("sbatch")).collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].contains("--array=0-999 ") && lines[0].contains("OFFSET=0 "));
        assert!(lines[2].contains("--array=0-499 ") && lines[2].contains("OFFSET=2000 "));
        assert!(sbatch("x", 2500).contains("#SBATCH --array=0-999\n"));
        assert!(sbatch("x", 3).contains("#SBATCH --array=0-2\n"));
    }
}

//! A sweep through a real single-node Slurm cluster: `verification/slurm/run_single_node.sh`
//! starts munged, slurmctld and slurmd in a fresh state folder, the emitted job array runs
//! one task per point, and `--collect` merges results identical to a local `--jobs` run.
//! Needs the Debian packages slurmctld, slurmd, slurm-client and munge (CI fails without
//! them; locally the test skips with a message).

mod common;

use common::{have, potmac, root, scratch};
use potmac::tools::{yosys, Tool};

const SPEC: &str = "name: slurm_tiny
grids:
  - formats: [uniform, pot, apot]
    weight_bits: [3]
    activation_bits: [4]
    max_dot_length: 16
    accumulators: [exact, '10:wrap']
";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_sweep_through_slurm_equals_the_local_run() {
    let pkg = "slurmctld slurmd slurm-client munge";
    let tools = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"]
        .map(|bin| Tool { bin, package: pkg });
    if !have(&tools) || !have(&[yosys::YOSYS]) {
        return;
    }
    let dir = scratch("slurm");
    let spec = dir.join("tiny.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let jobs = dir.join("jobs");
    let o = potmac()
        .args(["-q", "sweep", "--emit-jobs"])
        .arg(&jobs)
        .args(["--potmac", env!("CARGO_BIN_EXE_potmac")])
        .arg(&spec)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let n = std::fs::read_to_string(jobs.join("jobs.txt"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(n, 6);
    // Submit the array from the jobs folder and poll squeue until it has left the queue.
    let submit = "set -eu; cd \"$1\"; id=$(sbatch --parsable slurm.sbatch); id=${id%%;*}; \
                  echo \"array job $id\" >&2; t=0; \
                  while [ -n \"$(squeue -h -j \"$id\" 2>/dev/null)\" ]; do \
                    t=$((t + 1)); [ $t -lt 3000 ] || { echo timeout >&2; exit 1; }; sleep 0.1; \
                  done; \
                  sacct -j \"$id\" 2>/dev/null || true";
    let t0 = std::time::Instant::now();
    let o = std::process::Command::new("bash")
        .arg(root().join("verification/slurm/run_single_node.sh"))
        .arg(dir.join("cluster"))
        .args(["bash", "-c", submit, "submit"])
        .arg(&jobs)
        .output()
        .unwrap();
    let err = text(&o.stderr);
    eprintln!("{err}slurm run: {:.1} s", t0.elapsed().as_secs_f64());
    assert_eq!(o.status.code(), Some(0), "{}{err}", text(&o.stdout));
    assert!(err.contains("idle after"), "{err}");
    // One log per array task.
    let logs = std::fs::read_dir(jobs.join("logs")).unwrap().count();
    assert_eq!(logs, n, "{err}");
    let o = potmac()
        .args(["sweep", "--collect"])
        .arg(&jobs)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert!(
        text(&o.stdout).contains(&format!("collected {n} of {n} points")),
        "{}",
        text(&o.stdout)
    );
    let local = dir.join("local");
    let o = potmac()
        .args(["-q", "sweep", "--jobs", "2", "--out"])
        .arg(&local)
        .arg(&spec)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for f in ["results.csv", "results.jsonl", "results.md"] {
        let a = std::fs::read_to_string(jobs.join(f)).unwrap();
        assert_eq!(a, std::fs::read_to_string(local.join(f)).unwrap(), "{f}");
    }
    // No daemon outlives the script.
    let o = std::process::Command::new("ps")
        .args(["-eo", "args"])
        .output()
        .unwrap();
    let cluster = dir.join("cluster");
    let left: Vec<String> = text(&o.stdout)
        .lines()
        .filter(|l| l.contains(&*cluster.to_string_lossy()) && !l.contains("ps -eo"))
        .map(String::from)
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

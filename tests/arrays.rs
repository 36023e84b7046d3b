//! Systolic arrays end to end: lint-clean RTL, generated testbenches that pass on Icarus and
//! Verilator for many shapes and both dataflows, RTL-measured GEMM cycle counts equal to
//! `potmac cycles`, and testbenches that fail on a broken PE or a wrong arrival cycle.

mod common;

use common::{have, root, scratch, Scratch};
use potmac::config::Design;
use potmac::emit::{self, Options};
use potmac::hw::array::{cycles, test_gemms, GemmShape};
use potmac::tools::Sim;
use potmac::tools::{icarus, verilator, SimOutcome, Tool};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const MAKE: Tool = Tool {
    bin: "make",
    package: "make",
};
const TIMEOUT: Duration = Duration::from_secs(600);

fn small(name: &str, weights: &str, rows: u32, cols: u32, df: &str, maxk: u64) -> Design {
    Design::from_yaml(
        &format!(
            "name: {name}\nweights: {weights}\nactivations: {{bits: 8, signed: false}}\n\
             max_dot_length: {maxk}\narray: {{rows: {rows}, cols: {cols}, dataflow: {df}}}\n"
        ),
        name,
    )
    .unwrap()
}

fn array_configs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("verification/configs/arrays"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    v.sort();
    v
}

/// Generate a design into `out` and simulate it; returns the outcome and the log text.
fn simulate(d: &Design, opts: &Options, out: &Path, sim: &str) -> (SimOutcome, String) {
    let b = emit::bundle(d, opts).unwrap();
    let dir = emit::write(&b, out).unwrap();
    let (outcome, log) = match sim {
        "icarus" => Sim::Icarus.simulate(&dir, &b.tb_top, &b.tb_file, TIMEOUT, false),
        _ => Sim::Verilator.simulate(&dir, &b.tb_top, &b.tb_file, TIMEOUT, false),
    }
    .unwrap_or_else(|e| panic!("{} on {sim}: {e}", d.name));
    (outcome, std::fs::read_to_string(log).unwrap())
}

/// `CYCLES g n` lines of a testbench log, in order.
fn measured_cycles(log: &str) -> Vec<(usize, u64)> {
    log.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            (it.next() == Some("CYCLES")).then(|| {
                (
                    it.next().unwrap().parse().unwrap(),
                    it.next().unwrap().parse().unwrap(),
                )
            })
        })
        .collect()
}

/// `potmac cycles` for a config and shapes: the `cycles` column of each row.
fn cli_cycles(config: &Path, shapes: &[GemmShape]) -> Vec<u64> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_potmac"));
    cmd.arg("cycles").arg(config);
    for s in shapes {
        cmd.arg("--gemm").arg(format!("{},{},{}", s.m, s.k, s.n));
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    text.lines()
        .skip(2)
        .map(|l| {
            let cols: Vec<&str> = l.split('|').map(str::trim).collect();
            cols[8].parse().unwrap()
        })
        .collect()
}

/// Lint every shape class (1×1, 1×N, N×1, rectangular) in both dataflows: zero warnings.
#[test]
fn array_rtl_is_lint_clean() {
    if !have(&[verilator::VERILATOR]) {
        return;
    }
    let out = scratch("arrays_lint");
    let opts = Options {
        vectors: 0,
        seed: 1,
    };
    for (i, (w, r, c)) in [
        ("{format: pot, bits: 4}", 1, 1),
        ("{format: apot, bits: 4}", 1, 4),
        ("{format: uniform, bits: 8}", 4, 1),
        ("{format: pot, bits: 3, zero: none}", 2, 3),
        ("{format: pot, bits: 4}", 8, 8),
        ("{format: apot, bits: 5}", 16, 2),
        ("{format: uniform, bits: 4}", 1, 7),
        ("{format: pot, bits: 5, zero: none}", 5, 3),
    ]
    .into_iter()
    .enumerate()
    {
        for df in ["ws", "os"] {
            let d = small(&format!("lint{i}_{df}"), w, r, c, df, 16);
            let b = emit::bundle(&d, &opts).unwrap();
            let dir = emit::write(&b, &out).unwrap();
            // Verilator -Wall (zero warnings), slang and verible.
            common::lint_clean(&dir, &b.top, &b.tb_file, &b.pnr_file);
        }
    }
}

/// Small arrays of every shape class, both dataflows, all three weight kinds: Icarus for the
/// matrix, Verilator for two of them; the measured cycles of every GEMM equal the formula.
#[test]
fn small_arrays_pass_with_formula_cycles() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let out = scratch("arrays_small");
    let opts = Options {
        vectors: 1500,
        seed: 3,
    };
    let cases = [
        ("{format: pot, bits: 4}", 2, 3, "ws", "verilator"),
        ("{format: apot, bits: 5}", 3, 2, "os", "verilator"),
        ("{format: uniform, bits: 4}", 1, 4, "ws", "icarus"),
        ("{format: pot, bits: 3, zero: none}", 4, 1, "os", "icarus"),
        ("{format: apot, bits: 4}", 3, 3, "ws", "icarus"),
        ("{format: uniform, bits: 8}", 3, 3, "os", "icarus"),
        ("{format: pot, bits: 4}", 1, 1, "os", "icarus"),
        ("{format: uniform, bits: 6}", 1, 1, "ws", "icarus"),
        ("{format: pot, bits: 5}", 4, 1, "ws", "icarus"),
        ("{format: apot, bits: 4}", 1, 4, "os", "icarus"),
        ("{format: uniform, bits: 4}", 3, 2, "ws", "icarus"),
        ("{format: pot, bits: 4}", 2, 3, "os", "icarus"),
    ];
    for (i, (w, r, c, df, sim)) in cases.into_iter().enumerate() {
        let mut d = small(&format!("small{i}"), w, r, c, df, 40);
        // Both PoT/APoT add/subtract structures, in both dataflows and on both simulators.
        if !w.contains("uniform") && (i % 4 == 0 || i % 8 == 1) {
            d.adder = potmac::config::Adder::Invert;
        }
        let (outcome, log) = simulate(&d, &opts, &out, sim);
        assert!(
            matches!(outcome, SimOutcome::Pass(n) if n > 0),
            "{} {r}x{c} {df} on {sim}: {outcome:?}\n{log}",
            d.name
        );
        let gemms = test_gemms(&d, emit::random_gemms(opts.vectors), opts.seed);
        let measured = measured_cycles(&log);
        assert_eq!(measured.len(), gemms.len(), "{log}");
        for ((g, n), gemm) in measured.into_iter().zip(&gemms) {
            let want = cycles(&d.array.unwrap(), gemm.shape).total;
            assert_eq!(n, want, "{} gemm {g} {:?}", d.name, gemm.shape);
        }
    }
}

/// Every committed 8×8 config: the RTL-measured cycles of each GEMM (at least five shapes,
/// not multiples of the array, K up to max_dot_length) equal `potmac cycles`. Icarus for
/// most, Verilator for one per dataflow.
#[test]
fn committed_arrays_measure_the_formula_cycles() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let out = scratch("arrays_8x8");
    let opts = Options {
        vectors: 500,
        seed: 11,
    };
    let configs = array_configs();
    assert!(configs.len() >= 8, "{configs:?}");
    let mut on_verilator = std::collections::BTreeSet::new();
    for config in configs {
        let d = Design::from_file(&config).unwrap();
        let a = d.array.unwrap();
        let sim = if on_verilator.insert(a.dataflow.name()) {
            "verilator"
        } else {
            "icarus"
        };
        let (outcome, log) = simulate(&d, &opts, &out, sim);
        assert!(
            matches!(outcome, SimOutcome::Pass(_)),
            "{} on {sim}: {outcome:?}",
            d.name
        );
        let shapes: Vec<GemmShape> = test_gemms(&d, emit::random_gemms(opts.vectors), opts.seed)
            .iter()
            .map(|g| g.shape)
            .collect();
        assert!(shapes.len() >= 5);
        assert!(shapes.iter().any(|s| s.k > u64::from(a.rows)));
        let want = cli_cycles(&config, &shapes);
        let got: Vec<u64> = measured_cycles(&log).into_iter().map(|x| x.1).collect();
        assert_eq!(got, want, "{} on {sim}", d.name);
    }
}

fn make_sim(dir: &Path) -> (bool, String) {
    let o = Command::new("make")
        .args(["sim", "SIM=icarus"])
        .current_dir(dir)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

fn edit(path: &Path, f: impl FnOnce(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let new = f(&text);
    assert_ne!(text, new, "{}: the edit changed nothing", path.display());
    std::fs::write(path, new).unwrap();
}

/// The testbench can fail: a PE that forwards a corrupted activation, a PE whose MAC ignores
/// the partial sum, and an expected row moved one cycle later each make `make sim` fail.
#[test]
fn broken_pe_or_wrong_arrival_cycle_fails() {
    if !have(&[icarus::IVERILOG, icarus::VVP, MAKE]) {
        return;
    }
    let opts = Options {
        vectors: 250,
        seed: 5,
    };
    for df in ["ws", "os"] {
        let name = format!("broken_{df}");
        let d = small(&name, "{format: pot, bits: 4}", 2, 3, df, 20);
        let b = emit::bundle(&d, &opts).unwrap();
        // Each folder lives as long as its guard.
        let fresh = |tag: &str| -> (Scratch, PathBuf) {
            let out = scratch(&format!("arrays_broken_{df}_{tag}"));
            let dir = emit::write(&b, &out).unwrap();
            (out, dir)
        };
        let (_ok, dir) = fresh("ok");
        let (ok, log) = make_sim(&dir);
        assert!(ok && log.contains("PASS "), "{log}");

        // Broken PE: the forwarded activation has its low bit flipped.
        let (_pe, dir) = fresh("pe");
        edit(&dir.join(format!("rtl/{name}_pe.v")), |t| {
            t.replacen("act_q <= act_i;", "act_q <= act_i ^ 8'd1;", 1)
        });
        let (ok, log) = make_sim(&dir);
        assert!(
            !ok && log.contains("FAIL "),
            "{df} broken PE passed:\n{log}"
        );

        // Broken control: the MAC never clears (ws: ignores psum_i; os: accumulates across
        // tiles).
        let (_clr, dir) = fresh("clr");
        edit(&dir.join(format!("rtl/{name}_pe.v")), |t| {
            let from = if df == "ws" {
                ".clr_i   (mac_use_psum),"
            } else {
                ".clr_i   (first_i),"
            };
            t.replacen(from, ".clr_i   (1'b0),", 1)
        });
        let (ok, log) = make_sim(&dir);
        assert!(
            !ok && log.contains("FAIL "),
            "{df} broken clr passed:\n{log}"
        );

        // Wrong expected arrival cycle: one row expected a cycle later, data unchanged.
        let (_cycle, dir) = fresh("cycle");
        edit(&dir.join("vectors/expect.hex"), |t| {
            let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
            let line = &mut lines[3];
            let cycle = u32::from_str_radix(&line[..8], 16).unwrap();
            line.replace_range(..8, &format!("{:08x}", cycle + 1));
            lines.join("\n") + "\n"
        });
        let (ok, log) = make_sim(&dir);
        assert!(
            !ok && log.contains("FAIL ") && log.contains("MISMATCH row 3"),
            "{df} wrong cycle passed:\n{log}"
        );
    }
}

/// The design folder is self-contained: `make lint` passes on the generated Makefile.
#[test]
fn make_lint_on_an_array_folder() {
    if !have(&[verilator::VERILATOR, MAKE]) {
        return;
    }
    let out = scratch("arrays_make_lint");
    let d = small("mk", "{format: apot, bits: 4}", 3, 2, "ws", 8);
    let b = emit::bundle(&d, &Options::default()).unwrap();
    let dir = emit::write(&b, &out).unwrap();
    let o = Command::new("make")
        .arg("lint")
        .current_dir(&dir)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success() && !log.contains("%Warning"), "{log}");
}

/// The partial-sum MAC variant with `psum_i` tied to 0 is the plain MAC: swapped into a
/// single-MAC design folder, it passes that design's own testbench (directed + random
/// vectors of the golden MAC model) for every weight kind.
#[test]
fn psum_mac_with_zero_psum_is_the_plain_mac() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("arrays_psum_mac");
    for (i, w) in [
        "{format: pot, bits: 4}",
        "{format: apot, bits: 5}",
        "{format: uniform, bits: 8}",
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("pz{i}");
        let arr = small(&name, w, 1, 1, "ws", 32);
        let psum_rtl = emit::bundle(&arr, &Options::default()).unwrap().files
            [&format!("rtl/{name}_mac_psum.v")]
            .clone();
        let mut single = arr.clone();
        single.array = None;
        let b = emit::bundle(&single, &Options::default()).unwrap();
        let dir = emit::write(&b, &out).unwrap();
        let (a, wb, acc) = (single.act.bits(), single.weights.bits(), single.widths.acc);
        let wrapper = format!(
            "module {name}_mac (\n  input wire clk_i,\n  input wire rst_ni,\n  input wire en_i,\n  \
             input wire clr_i,\n  input wire [{}:0] act_i,\n  input wire [{}:0] wcode_i,\n  \
             output wire [{}:0] acc_o\n);\n  {name}_mac_psum u_mac (.clk_i(clk_i), .rst_ni(rst_ni), \
             .en_i(en_i), .clr_i(clr_i), .psum_i({acc}'d0), .act_i(act_i), .wcode_i(wcode_i), \
             .acc_o(acc_o));\nendmodule\n",
            a - 1,
            wb - 1,
            acc - 1
        );
        std::fs::write(dir.join(format!("rtl/{name}_mac.v")), psum_rtl + &wrapper).unwrap();
        let (outcome, log) = Sim::Icarus
            .simulate(&dir, &b.tb_top, &b.tb_file, TIMEOUT, false)
            .unwrap();
        assert!(
            matches!(outcome, SimOutcome::Pass(n) if n as usize == b.vectors),
            "{name}: {outcome:?} {}",
            log.display()
        );
    }
}

//! Area in gate equivalents and the energy proxy (`potmac power`): a hand-counted register
//! maps to the GE the library's derivation gives; the gate netlist simulates as the design
//! (its accumulator equals the golden model) and a netlist with one gate changed fails that
//! check; the four paper MACs order as the paper's power column does on random data.

mod common;

use common::{design, have, potmac, root, scratch};
use potmac::power::{self, Delay, PowerError, PowerOptions, Stimulus};
use potmac::tools::liberty::{self, Library};
use potmac::tools::yosys::{self, parse_stat, Target, YOSYS};
use potmac::tools::{icarus, run};
use std::time::Duration;

const T: Duration = Duration::from_secs(300);

/// Four XORs into a 4-bit register with asynchronous reset: 4 XOR2 (3.75 GE each, the
/// 12-transistor static XOR: width 30 / 8) and 4 DFFR (7.25 GE each: width 58 / 8) = 15 + 29.
#[test]
fn a_hand_counted_register_has_the_derived_gate_equivalents() {
    if !have(&[YOSYS]) {
        return;
    }
    let dir = scratch("ge");
    std::fs::create_dir_all(dir.join("synth")).unwrap();
    std::fs::write(dir.join(liberty::FILE), liberty::TEXT).unwrap();
    std::fs::write(
        dir.join("r.v"),
        "module r (input wire clk_i, input wire rst_ni, input wire [3:0] a_i, input wire [3:0] b_i, output reg [3:0] q_o);\n  always @(posedge clk_i or negedge rst_ni) begin\n    if (!rst_ni) q_o <= 4'd0;\n    else q_o <= a_i ^ b_i;\n  end\nendmodule\n",
    )
    .unwrap();
    // The generic script's mapping commands (templates/synth/generic.ys).
    let lib = liberty::FILE;
    std::fs::write(
        dir.join("ge.ys"),
        format!("read_verilog -sv r.v\nsynth -flatten -top r\ndfflibmap -liberty {lib}\nabc -liberty {lib}\nopt_clean -purge\ntee -q -o stat.json stat -json\n"),
    )
    .unwrap();
    run(
        &YOSYS,
        &yosys::args("ge.ys", "ge.log"),
        &dir,
        T,
        &dir.join("run.log"),
    )
    .unwrap()
    .check(&YOSYS)
    .unwrap();
    let s = parse_stat(
        &std::fs::read_to_string(dir.join("stat.json")).unwrap(),
        Target::Generic,
    )
    .unwrap();
    assert_eq!(s.by_type.get("DFFR"), Some(&4), "{:?}", s.by_type);
    assert_eq!(s.by_type.get("XOR2"), Some(&4), "{:?}", s.by_type);
    let a = Library::builtin().area(&s.by_type).unwrap();
    assert_eq!((a.comb, a.seq, a.total), (15.0, 29.0, 44.0));
}

fn small() -> potmac::config::Design {
    design("name: pw_small\nweights: {format: pot, bits: 3}\nactivations: {bits: 4, signed: false}\nmax_dot_length: 8\n")
}

fn opts(stimulus: Stimulus, delay: Delay) -> PowerOptions {
    PowerOptions {
        stimulus,
        cycles: 300,
        delay,
        seed: 3,
        timeout: T,
    }
}

/// The netlist is the design: every cycle and the final accumulator match the golden model
/// (unit and zero delay); with one gate of the mapped netlist changed, they do not.
#[test]
fn the_gate_netlist_matches_the_golden_model_and_a_changed_gate_fails() {
    if !have(&[YOSYS, icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("power");
    let d = small();
    let b = potmac::emit::bundle(&d, &potmac::emit::Options::default()).unwrap();
    let dir = potmac::emit::write(&b, &out).unwrap();
    let unit = power::measure(&d, &dir, &opts(Stimulus::Random, Delay::Unit)).unwrap();
    assert_eq!((unit.macs, unit.checked), (300, 300));
    assert!(unit.ge.seq > 0.0 && unit.ge.comb > 0.0);
    let zero =
        power::measure_gates(&d, &dir, &opts(Stimulus::Random, Delay::Zero), unit.ge).unwrap();
    assert_eq!(zero.final_acc, unit.final_acc);
    // Glitches only add toggles; functional toggles of flip-flops and inputs are the same.
    assert!(unit.per_mac.logic > zero.per_mac.logic, "{unit:?} {zero:?}");
    assert_eq!(unit.per_mac.inputs, zero.per_mac.inputs);
    assert_eq!(unit.per_mac.flip_flops, zero.per_mac.flip_flops);
    let held = power::measure_gates(&d, &dir, &opts(Stimulus::Held, Delay::Unit), unit.ge).unwrap();
    assert!(held.per_mac.total < unit.per_mac.total, "{held:?} {unit:?}");

    // One gate changed: the first XOR2 of the mapped netlist becomes an XNOR2.
    let gates = dir.join(Target::Generic.gates_for(""));
    let text = std::fs::read_to_string(&gates).unwrap();
    let at = text.find("  XOR2 ").expect("the netlist has an XOR2");
    let broken = format!("{}  XNOR2 {}", &text[..at], &text[at + "  XOR2 ".len()..]);
    std::fs::write(&gates, broken).unwrap();
    match power::measure_gates(&d, &dir, &opts(Stimulus::Random, Delay::Unit), unit.ge) {
        Err(PowerError::Mismatch { detail, .. }) => {
            assert!(
                detail.contains("checks of the testbench failed"),
                "{detail}"
            )
        }
        r => panic!("a changed gate was not caught: {r:?}"),
    }
}

/// `potmac power` on the four paper MACs, random data: the order of the paper's power column
/// (PoT < APoT, PoT < uniform W4A8 < uniform W8A8), JSON Lines with ratios to the first.
#[test]
fn paper_macs_order_like_the_paper_on_random_data() {
    if !have(&[YOSYS, icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("power-cli");
    let cfg = |n: &str| root().join(format!("verification/configs/paper/{n}.yaml"));
    let o = potmac()
        .args([
            "-q", "power", "--cycles", "300", "--format", "json", "--out",
        ])
        .arg(&out)
        .args(["uniform_w8a8", "uniform_w4a8", "pot_w4a8", "apot_w4a8"].map(cfg))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let r = |i: usize| rows[i]["cap_per_mac_ratio"].as_f64().unwrap();
    assert_eq!(r(0), 1.0);
    assert!(r(2) < r(3) && r(2) < r(1) && r(1) < 1.0, "{rows:?}");
    for row in &rows {
        assert_eq!(row["checked"], 300);
        assert!(row["ge_total"].as_f64().unwrap() > row["ge_seq"].as_f64().unwrap());
    }
    let o = potmac()
        .args(["power", "--stimulus", "real", "--out"])
        .arg(&out)
        .arg(cfg("pot_w4a8"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--export"));
}

/// An array runs its own testbench on the gate netlist (every output row checked), and the
/// MAC count is the GEMM's M·K·N.
#[test]
fn an_array_netlist_passes_its_testbench() {
    if !have(&[YOSYS, icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("power-array");
    let d = design("name: pw_arr\nweights: {format: pot, bits: 3}\nactivations: {bits: 4, signed: false}\nmax_dot_length: 8\narray: {rows: 2, cols: 2, dataflow: ws}\n");
    let b = potmac::emit::bundle(&d, &potmac::emit::Options::default()).unwrap();
    let dir = potmac::emit::write(&b, &out).unwrap();
    let mut o = opts(Stimulus::Random, Delay::Unit);
    o.cycles = 20;
    let r = power::measure(&d, &dir, &o).unwrap();
    // One GEMM: 20 rows × K = 2 × N = 2; the testbench checks each of the 20 output rows.
    assert_eq!((r.macs, r.checked, r.final_acc), (80, 20, None));
    assert!(r.per_mac.total > 0.0 && r.per_mac.flip_flops > 0.0);
}

/// `--stimulus real`: a small `potmac qat` export drives the MAC of its own format; a design
/// of another format is refused, naming the export's layer formats (exit 2).
#[test]
fn real_data_from_a_qat_export() {
    if !have(&[YOSYS, icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("power-real");
    let export = out.join("export");
    let o = potmac()
        .args([
            "-q",
            "qat",
            "--dataset",
            "digits",
            "--model",
            "mlp",
            "--weights",
            "pot:3",
        ])
        .args([
            "--hidden",
            "12",
            "--fp-epochs",
            "2",
            "--epochs",
            "1",
            "--golden-samples",
            "2",
        ])
        .arg("--out")
        .arg(&export)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cfg = out.join("p3.yaml");
    std::fs::write(&cfg, "name: pw_p3\nweights: {format: pot, bits: 3}\nactivations: {bits: 8, signed: false}\nmax_dot_length: 64\n").unwrap();
    let o = potmac()
        .args([
            "-q",
            "power",
            "--stimulus",
            "real",
            "--cycles",
            "150",
            "--format",
            "json",
        ])
        .arg("--export")
        .arg(&export)
        .arg("--out")
        .arg(out.join("hdl"))
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let row: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (row["stimulus"].as_str(), row["macs"].as_u64()),
        (Some("real"), Some(150))
    );
    assert_eq!(row["checked"], 150);
    let o = potmac()
        .args(["power", "--stimulus", "real", "--export"])
        .arg(&export)
        .arg("--out")
        .arg(out.join("hdl"))
        .arg(root().join("verification/configs/paper/uniform_w4a8.yaml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no layer uses the design's weights") && err.contains("pot, 3 bits"),
        "{err}"
    );
}

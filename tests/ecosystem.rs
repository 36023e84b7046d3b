//! The conventions of the HDL ecosystem, run for real on generated folders: the FuseSoC core's
//! simulation target, the cocotb runner on Icarus for a MAC and an array, and waveform dumps
//! from `make sim WAVES=1` on both simulators. Each also shows that it fails on a broken design.

mod common;

use common::{design, have, have_python, root, scratch};
use potmac::emit::{self, Options};
use potmac::tools::{icarus, verilator, Tool};
use std::path::Path;
use std::process::{Command, Output};

const FUSESOC: Tool = Tool {
    bin: "fusesoc",
    package: "fusesoc (pip install fusesoc)",
};
const MAKE: Tool = Tool {
    bin: "make",
    package: "make",
};

const OPTS: Options = Options {
    vectors: 100,
    seed: 3,
};

fn paper(name: &str) -> String {
    std::fs::read_to_string(root().join(format!("verification/configs/paper/{name}.yaml"))).unwrap()
}

fn generate(yaml: &str, out: &Path) -> (emit::Bundle, std::path::PathBuf) {
    let b = emit::bundle(&design(yaml), &OPTS).unwrap();
    let dir = emit::write(&b, out).unwrap();
    (b, dir)
}

fn run(dir: &Path, prog: &str, args: &[&str]) -> Output {
    Command::new(prog)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{prog}: {e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn fusesoc_runs_the_simulation_target_and_fails_on_bad_vectors() {
    if !have(&[FUSESOC, icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("fusesoc");
    let (b, dir) = generate(&paper("pot_w4a8"), &out);
    let core = format!("potmac:designs:{}", b.name);
    let args = ["--cores-root", ".", "run", "--target", "sim", core.as_str()];
    let o = run(&dir, "fusesoc", &args);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("PASS {}", b.vectors)),
        "{}",
        text(&o)
    );
    // A wrong expected value: the same target must fail.
    let exp = dir.join("vectors/expect.hex");
    let t = std::fs::read_to_string(&exp).unwrap();
    let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
    lines[3] = if lines[3] == "000001" {
        "000002"
    } else {
        "000001"
    }
    .into();
    std::fs::write(&exp, lines.join("\n") + "\n").unwrap();
    std::fs::remove_dir_all(dir.join("build")).unwrap();
    let o = run(&dir, "fusesoc", &args);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("FAIL 1"), "{}", text(&o));
}

#[test]
fn cocotb_passes_a_mac_and_an_array_on_icarus_and_fails_a_broken_mac() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) || !have_python("cocotb") {
        return;
    }
    let out = scratch("cocotb");
    let array = "name: cocotb_ws3x2\nweights: {format: apot, bits: 4}\n\
                 activations: {bits: 6, signed: true}\nmax_dot_length: 32\n\
                 array: {rows: 3, cols: 2, dataflow: ws}\n";
    let array_os = array.replace("ws3x2", "os2x3").replace(
        "{rows: 3, cols: 2, dataflow: ws}",
        "{rows: 2, cols: 3, dataflow: os}",
    );
    for yaml in [paper("pot_w4a8"), array.to_string(), array_os] {
        let (b, dir) = generate(&yaml, &out);
        let o = run(&dir, "python3", &["cocotb/run.py", "--sim", "icarus"]);
        assert!(o.status.success(), "{}: {}", b.name, text(&o));
        assert!(text(&o).contains("1 of 1 tests passed"), "{}", text(&o));
    }
    // The PoT MAC without the +1 of its fused subtraction is off by one on every negative
    // weight: the cocotb test must catch it.
    let (b, dir) = generate(&paper("pot_w4a8"), &out);
    let rtl = dir.join(format!("rtl/{}.v", b.top));
    let t = std::fs::read_to_string(&rtl).unwrap();
    let broken = t.replace(" + {{(AccWidth-1){1'b0}}, w_sign}", "");
    assert_ne!(t, broken);
    std::fs::write(&rtl, broken).unwrap();
    let o = run(&dir, "python3", &["cocotb/run.py", "--sim", "icarus"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("0 of 1 tests passed"), "{}", text(&o));
}

#[test]
fn make_sim_waves_writes_vcd_on_icarus_and_fst_on_verilator() {
    if !have(&[MAKE, icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let out = scratch("waves");
    let yaml = "name: waves_os2x2\nweights: {format: pot, bits: 4}\n\
                activations: {bits: 8, signed: false}\nmax_dot_length: 8\n\
                array: {rows: 2, cols: 2, dataflow: os}\n";
    let (_, dir) = generate(yaml, &out);
    for (sim, file, magic) in [
        ("icarus", "build/icarus/waves.vcd", &b"$"[..]),
        ("verilator", "build/verilator/waves.fst", &[0u8][..]),
    ] {
        let o = run(&dir, "make", &["sim", &format!("SIM={sim}"), "WAVES=1"]);
        assert!(o.status.success(), "{sim}: {}", text(&o));
        assert!(text(&o).contains(&format!("waves: {file}")), "{}", text(&o));
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(bytes.len() > 100 && bytes.starts_with(magic), "{file}");
        // Without WAVES the run dumps nothing.
        std::fs::remove_file(dir.join(file)).unwrap();
        let o = run(&dir, "make", &["sim", &format!("SIM={sim}")]);
        assert!(o.status.success(), "{sim}: {}", text(&o));
        assert!(!dir.join(file).exists(), "{file} written without WAVES=1");
    }
    // potmac sim --waves: the same files, their paths printed with the results.
    let cfg = out.join("waves.yaml");
    std::fs::write(&cfg, yaml).unwrap();
    let sim_out = out.join("sim");
    let o = common::potmac()
        .arg("sim")
        .arg(&cfg)
        .args(["--waves", "--vectors", "20", "--out"])
        .arg(&sim_out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    for file in ["build/icarus/waves.vcd", "build/verilator/waves.fst"] {
        let path = sim_out.join("waves_os2x2").join(file);
        assert!(path.is_file(), "{}", path.display());
        assert!(
            text(&o).contains(&format!("waves: {}", path.display())),
            "{}",
            text(&o)
        );
    }
}

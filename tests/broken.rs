//! The testbenches must be able to fail: a broken RTL line or a broken golden vector in a
//! generated folder makes `make sim` fail on both simulators, and `potmac sim --no-generate`
//! exit with code 1.

mod common;

use common::{have, potmac, root, scratch};
use potmac::tools::{icarus, verilator, Tool};
use std::path::Path;
use std::process::Command;

const MAKE: Tool = Tool {
    bin: "make",
    package: "make",
};

fn generate(out: &Path, config: &str) {
    let st = potmac()
        .args(["generate", "--vectors", "300", "--out"])
        .arg(out)
        .arg(root().join(config))
        .status()
        .unwrap();
    assert!(st.success());
}

fn make_sim(dir: &Path, sim: &str) -> (bool, String) {
    let o = Command::new("make")
        .arg("sim")
        .arg(format!("SIM={sim}"))
        .current_dir(dir)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

fn replace(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn broken_rtl_and_broken_vectors_fail_on_both_simulators() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR, MAKE]) {
        return;
    }
    let out = scratch("broken");
    generate(&out, "verification/configs/paper/pot_w4a8.yaml");
    let dir = out.join("pot_w4a8");
    for sim in ["icarus", "verilator"] {
        let (ok, log) = make_sim(&dir, sim);
        assert!(ok, "the untouched folder must pass on {sim}:\n{log}");
        assert!(log.contains("PASS "), "{log}");
    }

    // A broken RTL line: the subtract path loses its carry-in (x ^ s without + s).
    let rtl = dir.join("rtl/pot_w4a8_mac.v");
    let good = std::fs::read_to_string(&rtl).unwrap();
    replace(&rtl, "+ {{(AccWidth-1){1'b0}}, w_sign}", "");
    for sim in ["icarus", "verilator"] {
        let (ok, log) = make_sim(&dir, sim);
        assert!(!ok, "broken RTL passed on {sim}:\n{log}");
        assert!(log.contains("FAIL "), "{sim}: {log}");
    }
    let st = potmac()
        .args([
            "sim",
            "--no-generate",
            "--sim",
            "icarus",
            "--vectors",
            "300",
            "--out",
        ])
        .arg(&out)
        .arg(root().join("verification/configs/paper/pot_w4a8.yaml"))
        .output()
        .unwrap();
    assert_eq!(
        st.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&st.stdout)
    );
    assert!(String::from_utf8_lossy(&st.stdout).contains("FAIL"));
    std::fs::write(&rtl, good).unwrap();

    // One wrong expected value in the golden vectors.
    let exp = dir.join("vectors/expect.hex");
    let text = std::fs::read_to_string(&exp).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let k = lines.len() / 2;
    let flipped = u64::from_str_radix(&lines[k], 16).unwrap() ^ 1;
    lines[k] = format!("{flipped:0w$x}", w = lines[k].len());
    std::fs::write(&exp, lines.join("\n") + "\n").unwrap();
    for sim in ["icarus", "verilator"] {
        let (ok, log) = make_sim(&dir, sim);
        assert!(!ok, "broken vector passed on {sim}:\n{log}");
        assert!(log.contains("FAIL 1"), "{sim}: {log}");
    }

    // A truncated expected-values file cannot pass either (the sentinel is missing).
    lines.truncate(k);
    std::fs::write(&exp, lines.join("\n") + "\n").unwrap();
    let (ok, log) = make_sim(&dir, "icarus");
    assert!(!ok && log.contains("FAIL"), "{log}");
}

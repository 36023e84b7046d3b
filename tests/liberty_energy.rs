//! Energy in joules on real standard-cell libraries: potmac's per-net energies against
//! OpenSTA's `report_power` on the paper MACs (osu018, and SKY130 HD when `../shared/pdk/` has
//! it), and `potmac power --liberty` in pJ per MAC.

mod common;

use common::liberty::{osu018, sky130, PAPER};
use common::{have, potmac, root, run_ok, scratch};
use potmac::tools::sta::STA;
use potmac::tools::yosys::YOSYS;
use serde_json::Value;
use std::path::PathBuf;

/// potmac's energy per transition (pin capacitances, internal-power tables at propagated
/// transition times, leakage) against OpenSTA's `report_power` on the paper MACs, every net
/// at the same activity (one transition per clock period, the clock two): Debian's 2019
/// OpenSTA ignores per-pin activities (`set_power_activity -pins` fails in its Tcl, and
/// `sta::set_power_pin_activity` leaves its report unchanged), so a uniform activity is
/// the one both can be given. Leakage is compared as it is; switching and internal power in
/// OpenSTA 2019's conventions (the larger of the summed rise and fall pin capacitances; rise
/// and fall tables added per transition, see `potmac::power::joules`), which take the same
/// table lookups, transition times and loads as the figures `potmac power --liberty` prints.
#[test]
fn energy_per_transition_agrees_with_opensta() {
    use potmac::emit::{self, liberty::LibertyFiles, Options};
    use potmac::flow::synth::liberty::{self, LibertyOptions, CLOCK_PORT};
    use potmac::power::{joules, netlist::Netlist};
    use potmac::tools::liberty::tables::Tables;
    use potmac::tools::yosys::{self, Target};
    if !have(&[YOSYS, STA]) {
        return;
    }
    let mut libs: Vec<PathBuf> = osu018().into_iter().collect();
    if sky130().is_file() {
        libs.push(sky130());
    } else {
        // Never part of the project: skipped wherever it is absent, CI included.
        eprintln!(
            "skipping sky130: {} is absent (the SKY130 library is not part of potmac)",
            sky130().display()
        );
    }
    let out = scratch("liberty_energy");
    let t = std::time::Duration::from_secs(600);
    for path in libs {
        let o = LibertyOptions {
            path,
            dont_use: None,
            timing: false,
        };
        let l = liberty::load(&o).unwrap();
        let tables = Tables::parse(&l.text).unwrap();
        for name in PAPER {
            let yaml = std::fs::read_to_string(
                root().join(format!("verification/configs/paper/{name}.yaml")),
            )
            .unwrap();
            let b = emit::bundle(
                &common::design(&yaml),
                &Options {
                    vectors: 0,
                    seed: 1,
                },
            )
            .unwrap();
            let dir = emit::write(&b, &out.join(&l.stem)).unwrap();
            yosys::synth(&dir, Target::Generic, t).unwrap();
            liberty::measure(&dir, &b.top, "", false, &l, false, t).unwrap();
            let f = LibertyFiles::new(&l.stem, "");
            let period = 10;
            let tcl = emit::liberty::power_script(&f, &b.top, &l.library.name, CLOCK_PORT, period)
                .unwrap();
            std::fs::write(dir.join(&f.power_script), tcl).unwrap();
            let sta = potmac::tools::sta::power(&dir, &f.power_script, &f.power_log, t).unwrap();
            let text = std::fs::read_to_string(dir.join(&f.gates)).unwrap();
            let n = Netlist::parse(&text).unwrap();
            let nets = n.nets(&l.library, 0.0).unwrap();
            let e = joules::net_energy(&n, &nets, &l.library, &tables, CLOCK_PORT);
            let clk = nets.root.get(CLOCK_PORT).cloned().unwrap_or_default();
            let tp = f64::from(period) * 1e-9;
            let per_s = |m: &std::collections::BTreeMap<String, f64>| {
                m.iter()
                    .map(|(k, x)| x * if *k == clk { 2.0 } else { 1.0 })
                    .sum::<f64>()
                    / tp
            };
            let (sw, int, ours) = (
                per_s(&e.sta2019_switching),
                per_s(&e.sta2019),
                per_s(&e.internal),
            );
            let err = |a: f64, b: f64| (a - b).abs() / b;
            eprintln!(
                "{} {name}: switching {sw:.4e} vs {:.4e} W, internal {int:.4e} vs {:.4e} W \
                 ({:.2} %; per Liberty's definition {ours:.4e} W), leakage {:.4e} vs {:.4e} W",
                l.stem,
                sta.switching,
                sta.internal,
                100.0 * err(int, sta.internal),
                e.leakage_w,
                sta.leakage
            );
            // Issue 21 asks for 10 % on the total; each part agrees within 1 % (osu018) and
            // 0.3 % (sky130) today, so 3 % catches a regression in any of them.
            for (what, a, b, tol) in [
                ("switching", sw, sta.switching, 0.03),
                ("internal", int, sta.internal, 0.03),
                ("leakage", e.leakage_w, sta.leakage, 0.03),
                ("total", sw + int + e.leakage_w, sta.total, 0.10),
            ] {
                assert!(
                    err(a, b) < tol,
                    "{} {name} {what}: {a:.4e} W vs OpenSTA {b:.4e} W",
                    l.stem
                );
            }
            // The printed figure is the mean of the rise and fall tables, OpenSTA 2019 adds
            // them: between a third and two thirds of it.
            assert!(ours > 0.3 * int && ours < 0.67 * int, "{ours} vs {int}");
        }
    }
}

/// `potmac power --liberty`: the paper MACs mapped to osu018, simulated (checked against the
/// golden model every cycle) and weighed in pJ per MAC; PoT below uniform W8A8, the parts
/// adding up to the total, and so the logic's and the flip-flops' shares; a library without
/// `nom_voltage` is a usage error naming the flag.
#[test]
fn power_in_picojoules_on_osu018() {
    use potmac::tools::icarus::{IVERILOG, VVP};
    if !have(&[YOSYS, IVERILOG, VVP]) {
        return;
    }
    let Some(lib) = osu018() else { return };
    let out = scratch("liberty_power");
    let lines = run_ok(
        potmac()
            .args(["-q", "power", "--cycles", "200"])
            .args(PAPER.map(|n| root().join(format!("verification/configs/paper/{n}.yaml"))))
            .arg("--liberty")
            .arg(&lib)
            .arg("--out")
            .arg(&*out)
            .args(["--format", "json"]),
    );
    eprintln!("{lines}");
    let rows: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4, "{lines}");
    let total = |n: &str| {
        let r = rows.iter().find(|r| r["design"] == n).unwrap();
        r["pj_per_mac"].as_f64().unwrap()
    };
    for r in &rows {
        assert_eq!(r["library"], "osu018_stdcells", "{r}");
        let part = |k: &str| r[k].as_f64().unwrap_or_else(|| panic!("no {k} in {r}"));
        let (s, i, l) = (
            part("pj_switching_per_mac"),
            part("pj_internal_per_mac"),
            part("pj_leakage_per_mac"),
        );
        assert!(s > 1.0 && i > 1.0 && l > 0.0 && l < 0.01, "{r}");
        assert!((s + i + l - part("pj_per_mac")).abs() < 1e-3, "{r}");
        let (logic, ff) = (part("pj_logic_per_mac"), part("pj_ff_per_mac"));
        assert!(logic > 1.0 && ff > 1.0, "{r}");
        assert!((logic + ff - part("pj_per_mac")).abs() < 1e-3, "{r}");
        assert_eq!(r["macs"], 200, "{r}");
        // One MAC operation a cycle, plus the testbench's reset and drain cycles: the run's
        // energy is the same per MAC × MACs as per cycle × cycles.
        let cycles = part("lib_cycles");
        assert!((200.0..=220.0).contains(&cycles), "{r}");
        let (per_cycle, per_mac) = (part("pj_per_cycle"), part("pj_per_mac"));
        assert!(
            (per_cycle * cycles - per_mac * 200.0).abs() < 1e-3 * per_mac * 200.0,
            "{r}"
        );
    }
    assert!(total("pot_w4a8") < 0.75 * total("uniform_w8a8"), "{lines}");
    // No nom_voltage: no energy (exit 2, the flag named).
    let text = std::fs::read_to_string(&lib).unwrap();
    let bad = out.join("novolt.lib");
    std::fs::write(&bad, text.replace("nom_voltage : 1.8;", "")).unwrap();
    let o = potmac()
        .args(["-q", "power", "--cycles", "10"])
        .arg(root().join("verification/configs/paper/pot_w4a8.yaml"))
        .arg("--liberty")
        .arg(&bad)
        .arg("--out")
        .arg(out.join("bad"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--liberty") && err.contains("nom_voltage"),
        "{err}"
    );
}

/// `potmac power --liberty --dont-use`: the patterns are synth's (the same flag): cells they
/// match never appear in the mapped netlist that is simulated and weighed, which still
/// passes the golden model's check; without the flag the same design uses them.
#[test]
fn power_honours_dont_use_on_osu018() {
    use potmac::tools::icarus::{IVERILOG, VVP};
    if !have(&[YOSYS, IVERILOG, VVP]) {
        return;
    }
    let Some(lib) = osu018() else { return };
    let out = scratch("liberty_power_dont_use");
    let config = root().join("verification/configs/paper/pot_w4a8.yaml");
    let gates = |dir: &str| {
        let v = out
            .join(dir)
            .join("pot_w4a8/build/lib_osu018_stdcells/gates.v");
        std::fs::read_to_string(&v).unwrap_or_else(|e| panic!("{}: {e}", v.display()))
    };
    let used = |text: &str, cell: &str| text.lines().any(|l| l.trim_start().starts_with(cell));
    let power = |dir: &str, extra: &[&str]| {
        let o = run_ok(
            potmac()
                .args(["-q", "power", "--cycles", "100", "--format", "json"])
                .arg(&config)
                .arg("--liberty")
                .arg(&lib)
                .args(extra)
                .arg("--out")
                .arg(out.join(dir)),
        );
        serde_json::from_str::<Value>(o.trim()).unwrap()
    };
    let plain = power("default", &[]);
    let text = gates("default");
    for cell in ["OAI21X", "XNOR2X"] {
        assert!(used(&text, cell), "{cell} not used by default:\n{text}");
    }
    let marked = power("marked", &["--dont-use", "OAI21X?,XNOR2*"]);
    let text = gates("marked");
    for cell in ["OAI21X", "XNOR2X"] {
        assert!(!used(&text, cell), "{cell} used although marked:\n{text}");
    }
    for r in [&plain, &marked] {
        let part = |k: &str| r[k].as_f64().unwrap_or_else(|| panic!("no {k} in {r}"));
        let sum = part("pj_logic_per_mac") + part("pj_ff_per_mac");
        assert!((sum - part("pj_per_mac")).abs() < 1e-3, "{r}");
    }
    // The flag needs --liberty, as synth's does.
    let o = potmac()
        .args(["-q", "power", "--dont-use", "INVX1"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

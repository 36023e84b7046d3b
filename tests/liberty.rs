//! `potmac synth --liberty`: the paper MACs mapped to real standard-cell libraries (OSU 0.18
//! µm from Debian's `qflow-tech-osu018`, and SKY130 HD when `../shared/pdk/` has it) and
//! timed by OpenSTA. PoT must come out smaller than uniform W8A8 in µm², the area must be
//! Yosys's own `stat -liberty` figure, Fmax plausible, and a bad library an error (exit 2).

mod common;

use common::liberty::{osu018, sky130, PAPER};
use common::{have, potmac, root, run_ok, scratch};
use potmac::tools::sta::STA;
use potmac::tools::yosys::YOSYS;
use serde_json::Value;
use std::path::Path;

/// Synthesize the paper MACs on `lib` through the CLI and return the `--json` rows by name.
fn paper_on(lib: &Path, what: &str) -> Vec<(String, Value)> {
    let out = scratch(what);
    let json = out.join("rows.json");
    let t0 = std::time::Instant::now();
    let table = run_ok(
        potmac()
            .args(["-q", "synth"])
            .args(PAPER.map(|n| root().join(format!("verification/configs/paper/{n}.yaml"))))
            .arg("--liberty")
            .arg(lib)
            .arg("--out")
            .arg(&*out)
            .arg("--json")
            .arg(&json),
    );
    eprintln!("{table}({what}: {:.1} s)", t0.elapsed().as_secs_f64());
    assert!(
        table.contains("Fmax MHz") && table.contains("NAND2 eq."),
        "{table}"
    );
    let rows: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    rows.into_iter()
        .map(|r| {
            let name = r["name"].as_str().unwrap().to_string();
            let l = r["liberty"].clone();
            assert!(l.is_object(), "{name}: no library figures in {r}");
            // The area potmac adds up from the library is the one Yosys reports.
            let dir = out.join(&name);
            let stem = stem(lib);
            let txt =
                std::fs::read_to_string(dir.join(format!("build/lib_{stem}/area.txt"))).unwrap();
            let chip: f64 = txt
                .lines()
                .find_map(|l| l.trim().strip_prefix("Chip area for module"))
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|x| x.trim().parse().ok())
                .unwrap_or_else(|| panic!("no chip area in {txt}"));
            let total = l["area"]["total"].as_f64().unwrap();
            assert!(
                (chip - total).abs() < 1e-6 * chip,
                "{name}: {chip} vs {total}"
            );
            (name, l)
        })
        .collect()
}

fn stem(lib: &Path) -> String {
    potmac::tools::liberty::foreign::stem(lib)
}

fn get<'a>(rows: &'a [(String, Value)], name: &str) -> &'a Value {
    &rows.iter().find(|r| r.0 == name).unwrap().1
}

/// The properties both libraries must show on the paper MACs.
fn check_paper(rows: &[(String, Value)], lib: &str) {
    let area = |n: &str| get(rows, n)["area"]["total"].as_f64().unwrap();
    for n in ["pot_w4a8", "apot_w4a8", "uniform_w4a8"] {
        assert!(
            area(n) < area("uniform_w8a8"),
            "{lib}: {n} {} µm² vs uniform W8A8 {} µm²",
            area(n),
            area("uniform_w8a8")
        );
    }
    eprintln!(
        "{lib}: PoT/uniform W8A8 area {:.3}, PoT/uniform W4A8 {:.3}",
        area("pot_w4a8") / area("uniform_w8a8"),
        area("pot_w4a8") / area("uniform_w4a8")
    );
    for (name, l) in rows {
        let acc_bits = match name.as_str() {
            "uniform_w8a8" => 24,
            "uniform_w4a8" => 20,
            "apot_w4a8" => 21,
            _ => 23,
        };
        assert_eq!(
            l["ffs"], acc_bits,
            "{lib} {name}: one flip-flop per accumulator bit"
        );
        let a = &l["area"];
        let (comb, seq) = (a["comb"].as_f64().unwrap(), a["seq"].as_f64().unwrap());
        assert!(comb > 0.0 && seq > 0.0, "{lib} {name}: {a}");
        let eq = l["nand2_eq"].as_f64().unwrap();
        let nand2 = l["nand2_area"].as_f64().unwrap();
        assert!((eq * nand2 - (comb + seq)).abs() < 1e-6 * eq * nand2);
        // A MAC is some hundreds of NAND2s.
        assert!((200.0..3000.0).contains(&eq), "{lib} {name}: {eq} NAND2s");
        let t = &l["timing"];
        let fmax = t["fmax_mhz"].as_f64().unwrap();
        let period = t["min_period_ns"].as_f64().unwrap();
        assert!(
            (50.0..2000.0).contains(&fmax),
            "{lib} {name}: Fmax {fmax} MHz"
        );
        assert!((fmax * period - 1000.0).abs() < 1e-6);
        // The critical path ends at an accumulator register (or its reset pin).
        let end = t["end_register"].as_str().unwrap_or_default();
        assert!(end.starts_with("acc_o["), "{lib} {name}: path ends at {t}");
    }
}

#[test]
fn paper_macs_on_osu018() {
    if !have(&[YOSYS, STA]) {
        return;
    }
    let Some(lib) = osu018() else { return };
    let rows = paper_on(&lib, "liberty_osu018");
    check_paper(&rows, "osu018");
    let l = get(&rows, "pot_w4a8");
    assert_eq!(l["library"], "osu018_stdcells");
    assert_eq!(l["nand2_cell"], "NAND2X1");
}

#[test]
fn paper_macs_on_sky130() {
    let lib = sky130();
    if !lib.is_file() {
        // Never part of the project: skip wherever it is absent, CI included.
        eprintln!(
            "skipping: {} is absent (the SKY130 library is not part of potmac)",
            lib.display()
        );
        return;
    }
    if !have(&[YOSYS, STA]) {
        return;
    }
    let rows = paper_on(&lib, "liberty_sky130");
    check_paper(&rows, "sky130");
    for (name, l) in &rows {
        assert_eq!(l["nand2_cell"], "sky130_fd_sc_hd__nand2_1");
        assert!(l["dont_use"].as_u64().unwrap() > 50, "{l}");
        for cell in l["by_type"].as_object().unwrap().keys() {
            for bad in ["lpflow", "clkinv", "clkbuf", "probe", "dlygate"] {
                assert!(!cell.contains(bad), "{name}: dont-use cell {cell} used");
            }
        }
    }
}

/// A missing or malformed library, or one on an FPGA target, is a usage error (exit 2) that
/// names the file; nothing is synthesized.
#[test]
fn a_bad_liberty_exits_2_naming_the_file() {
    if !have(&[YOSYS]) {
        return;
    }
    let out = scratch("liberty_bad");
    let junk = out.join("junk.lib");
    std::fs::write(
        &junk,
        "library (x) { cell (A) { pin (Y) { direction : output; } } }\n",
    )
    .unwrap();
    let missing = out.join("no/such.lib.gz");
    let config = root().join("verification/configs/paper/pot_w4a8.yaml");
    let cases: [(&Path, &[&str], &str); 3] = [
        (&missing, &[], "no/such.lib.gz"),
        (&junk, &["--no-timing"], "junk.lib"),
        (&junk, &["--target", "ice40"], "--liberty"),
    ];
    for (lib, extra, want) in cases {
        let o = potmac()
            .args(["-q", "synth"])
            .arg(&config)
            .arg("--liberty")
            .arg(lib)
            .args(extra)
            .arg("--out")
            .arg(out.join("designs"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{lib:?} {extra:?}: {err}");
        assert!(err.contains(want), "{lib:?} {extra:?}: {err}");
        assert!(!out.join("designs/pot_w4a8/build").exists());
    }
}

/// The small accelerator (2×2, with its host interface) through the library API: the whole
/// top on osu018, RAMs left out of area and timing, and OpenSTA reports a path.
#[test]
fn small_accelerator_on_osu018() {
    use potmac::emit::{self, Options};
    use potmac::flow::synth::liberty::{self, LibertyOptions};
    use potmac::tools::yosys::{self, Target};
    if !have(&[YOSYS, STA]) {
        return;
    }
    let Some(lib) = osu018() else { return };
    let out = scratch("liberty_accel");
    let yaml =
        std::fs::read_to_string(root().join("verification/configs/accel/pot_w4a8_accel2x2.yaml"))
            .unwrap();
    let b = emit::bundle(
        &common::design(&yaml),
        &Options {
            vectors: 0,
            seed: 1,
        },
    )
    .unwrap();
    let dir = emit::write(&b, &out).unwrap();
    let t = std::time::Duration::from_secs(600);
    let t0 = std::time::Instant::now();
    let generic = yosys::synth(&dir, Target::Generic, t).unwrap();
    let o = LibertyOptions {
        path: lib,
        dont_use: None,
        timing: true,
    };
    let l = liberty::load(&o).unwrap();
    let r = liberty::measure(&dir, &b.top, "", true, &l, true, t).unwrap();
    let timing = r.timing.as_ref().unwrap();
    eprintln!(
        "2x2 accelerator on osu018: {} cells, {} FFs, {:.0} µm², {:.1} MHz ({} → {}), {:.1} s",
        r.cells,
        r.ffs,
        r.area.total,
        timing.fmax_mhz,
        timing.start(),
        timing.end(),
        t0.elapsed().as_secs_f64()
    );
    assert!(
        generic.memories.unwrap_or(0) > 0,
        "the RAMs stay memory cells"
    );
    assert!(
        r.by_type.keys().all(|k| !k.starts_with('$')),
        "{:?}",
        r.by_type
    );
    assert_eq!(
        r.ffs, generic.ffs,
        "the same flip-flops as the generic netlist"
    );
    assert!(
        r.area.total > 100_000.0 && r.nand2_eq.unwrap() > 4000.0,
        "{r:?}"
    );
    assert!(
        timing.fmax_mhz > 1.0 && timing.fmax_mhz < 2000.0,
        "{timing:?}"
    );
}

/// A sweep with `liberty:` reports each generic point's area, NAND2 equivalents and OpenSTA
/// timing on the library, equal to `potmac synth --liberty` on the point's own config; the
/// iCE40 point of the same grid gets none; a field that is no liberty file is refused by name.
#[test]
fn a_sweep_maps_its_points_to_the_library() {
    if !have(&[YOSYS, STA]) {
        return;
    }
    let Some(lib) = osu018() else { return };
    let dir = scratch("liberty_sweep");
    let spec_text = format!(
        "name: lib\ngrids:\n  - formats: [uniform, pot]\n    weight_bits: [3]\n    \
         activation_bits: [4]\n    max_dot_length: 16\n    targets: [generic, ice40]\n    \
         liberty: {}\n",
        lib.display()
    );
    let spec = dir.join("lib.yaml");
    std::fs::write(&spec, &spec_text).unwrap();
    run_ok(
        potmac()
            .args(["-q", "sweep"])
            .arg(&spec)
            .arg("--out")
            .arg(dir.join("sweep")),
    );
    let rows: Vec<Value> = std::fs::read_to_string(dir.join("sweep/results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    let points = potmac::sweep::spec::Spec::from_yaml(&spec_text, "t")
        .unwrap()
        .points;
    for p in points.iter().filter(|p| p.liberty.is_some()) {
        let name = p.name();
        let row = rows
            .iter()
            .find(|r| r["name"] == name.as_str() && r["target"] == "generic")
            .unwrap_or_else(|| panic!("{name}: no generic row"));
        let config = dir.join(format!("{name}.yaml"));
        std::fs::write(&config, p.config_yaml()).unwrap();
        let json = dir.join(format!("{name}.json"));
        run_ok(
            potmac()
                .args(["-q", "synth"])
                .arg(&config)
                .arg("--liberty")
                .arg(&lib)
                .arg("--out")
                .arg(dir.join("synth"))
                .arg("--json")
                .arg(&json),
        );
        let s: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let l = &s[0]["liberty"];
        let near = |a: &Value, b: f64, what: &str| {
            let a = a.as_f64().unwrap_or_else(|| panic!("{name} {what}: {row}"));
            assert!(
                (a - b).abs() <= 0.051,
                "{name} {what}: sweep {a}, synth {b}"
            );
        };
        near(
            &row["lib_area"],
            l["area"]["total"].as_f64().unwrap(),
            "area",
        );
        near(
            &row["lib_area_ffs"],
            l["area"]["seq"].as_f64().unwrap(),
            "FF area",
        );
        near(
            &row["lib_nand2_eq"],
            l["nand2_eq"].as_f64().unwrap(),
            "NAND2 eq.",
        );
        near(
            &row["lib_fmax_mhz"],
            l["timing"]["fmax_mhz"].as_f64().unwrap(),
            "Fmax",
        );
        assert!(row["lib_min_period_ns"].as_f64().unwrap() > 0.0, "{row}");
    }
    for r in rows.iter().filter(|r| r["target"] == "ice40") {
        assert!(r.get("lib_area").is_none_or(Value::is_null), "{r}");
    }
    // Not a liberty file: exit 2 naming the field, nothing written.
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        spec_text.replace(&lib.display().to_string(), "cells.txt"),
    )
    .unwrap();
    let o = potmac()
        .args(["-q", "sweep"])
        .arg(&bad)
        .arg("--out")
        .arg(dir.join("bad"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("grids[0].liberty"), "{err}");
    assert!(!dir.join("bad").exists());
}

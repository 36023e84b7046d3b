//! Yosys and nextpnr on the paper designs: PoT W4A8 must come out smaller than uniform W4A8
//! (generic transistors and cells, iCE40 LUTs), DSPs must be off, and place and route must
//! report an Fmax.

mod common;

use common::{design, have, root, scratch};
use potmac::emit::{self, Options};
use potmac::tools::nextpnr::{self, NEXTPNR};
use potmac::tools::yosys::{self, SynthStats, Target, YOSYS};
use std::time::Duration;

const T: Duration = Duration::from_secs(600);

fn synth(name: &str, target: Target, out: &std::path::Path) -> SynthStats {
    let yaml =
        std::fs::read_to_string(root().join(format!("verification/configs/paper/{name}.yaml")))
            .unwrap();
    let b = emit::bundle(
        &design(&yaml),
        &Options {
            vectors: 0,
            seed: 1,
        },
    )
    .unwrap();
    let dir = emit::write(&b, out).unwrap();
    yosys::synth(&dir, target, T).unwrap()
}

#[test]
fn pot_w4a8_is_smaller_than_uniform_w4a8() {
    if !have(&[YOSYS]) {
        return;
    }
    let out = scratch("synth_generic");
    let pot = synth("pot_w4a8", Target::Generic, &out);
    let uni = synth("uniform_w4a8", Target::Generic, &out);
    let (pt, ut) = (pot.transistors.unwrap(), uni.transistors.unwrap());
    eprintln!(
        "generic transistors: pot {pt}, uniform {ut}; cells {} vs {}",
        pot.cells, uni.cells
    );
    assert!(pt < ut, "PoT {pt} transistors vs uniform {ut}");
    assert!(pot.cells < uni.cells);
    assert_eq!(
        (pot.ffs, uni.ffs),
        (23, 20),
        "one flip-flop per accumulator bit"
    );

    let out = scratch("synth_ice40");
    let pot = synth("pot_w4a8", Target::Ice40, &out);
    let uni = synth("uniform_w4a8", Target::Ice40, &out);
    eprintln!("ice40 LUTs: pot {:?}, uniform {:?}", pot.luts, uni.luts);
    assert!(pot.luts.unwrap() < uni.luts.unwrap());
    assert_eq!(pot.dsps + uni.dsps, 0);

    let out = scratch("synth_xc7");
    let uni8 = synth("uniform_w8a8", Target::Xc7, &out);
    assert_eq!(uni8.dsps, 0, "DSPs must be disabled: {:?}", uni8.by_type);
    assert!(uni8.luts.unwrap() > 100);
}

#[test]
fn nextpnr_reports_fmax_for_the_registered_wrapper() {
    if !have(&[YOSYS, NEXTPNR]) {
        return;
    }
    let out = scratch("pnr");
    let yaml =
        std::fs::read_to_string(root().join("verification/configs/paper/pot_w4a8.yaml")).unwrap();
    let b = emit::bundle(
        &design(&yaml),
        &Options {
            vectors: 0,
            seed: 1,
        },
    )
    .unwrap();
    let dir = emit::write(&b, &out).unwrap();
    let f = potmac::tools::pnr::fmax(&dir, T).unwrap();
    eprintln!("pot_w4a8 iCE40 HX8K Fmax {f:.1} MHz");
    assert!(f > 20.0 && f < 1000.0, "{f}");
}

/// Leaf cells of `m`, its submodules' counted once per instance (the `modules` section of a
/// hierarchical `stat -json`, keyed as Yosys writes them: `\name` or `$paramod...`).
fn leaf_cells(modules: &serde_json::Map<String, serde_json::Value>, m: &str) -> u64 {
    let by_type = modules[m]["num_cells_by_type"].as_object().unwrap();
    by_type
        .iter()
        .map(|(t, n)| {
            let n = n.as_u64().unwrap();
            let sub = [format!("\\{t}"), t.clone()]
                .into_iter()
                .find(|k| modules.contains_key(k));
            match sub {
                Some(k) => n * leaf_cells(modules, &k),
                None => n,
            }
        })
        .sum()
}

#[test]
fn hierarchical_array_totals_are_its_modules_times_their_instances() {
    if !have(&[YOSYS]) {
        return;
    }
    let out = scratch("synth_hier");
    let yaml = "name: hier_ws2x2\nweights: {format: pot, bits: 4, zero: code}\n\
                activations: {bits: 8, signed: false}\nmax_dot_length: 16\n\
                array: {rows: 2, cols: 2, dataflow: ws}\n";
    let b = emit::bundle(
        &design(yaml),
        &Options {
            vectors: 0,
            seed: 1,
        },
    )
    .unwrap();
    let dir = emit::write(&b, &out).unwrap();
    let hier = yosys::synth_variant(&dir, Target::Generic, yosys::HIER_VARIANT, T).unwrap();
    let flat = yosys::synth(&dir, Target::Generic, T).unwrap();
    eprintln!(
        "2x2 cells: hierarchical {}, flat {}; transistors {:?} vs {:?}; GE {:?} vs {:?}",
        hier.cells, flat.cells, hier.transistors, flat.transistors, hier.ge, flat.ge
    );
    // The design totals are the modules' cells times their instances.
    let text = std::fs::read_to_string(dir.join(Target::Generic.stat_json_for("hier"))).unwrap();
    let head = &text[..text.rfind("\"design\":").unwrap()];
    let modules: serde_json::Value =
        serde_json::from_str(&format!("{}}}", &head[..head.rfind("},").unwrap() + 1])).unwrap();
    let modules = modules["modules"].as_object().unwrap();
    let top = format!("\\{}", b.top);
    assert_eq!(leaf_cells(modules, &top), hier.cells);
    let pe = "\\hier_ws2x2_pe";
    let pe_cells = leaf_cells(modules, pe);
    assert!(pe_cells > 0);
    assert!(
        hier.cells >= 4 * pe_cells,
        "{} < 4 x {pe_cells}",
        hier.cells
    );
    // Same logic, synthesized without flattening: close to the flat figures.
    assert!(hier.ffs >= flat.ffs && hier.ffs <= flat.ffs * 2);
    let (ht, ft) = (hier.transistors.unwrap(), flat.transistors.unwrap());
    assert!(ht * 2 > ft && ht < ft * 2, "{ht} vs {ft}");
    assert!(hier.ge.unwrap().total > 0.0);
}

/// Cell counts of a plain Yosys `stat` text report (the last `Number of cells` section).
fn plain_counts(text: &str) -> std::collections::BTreeMap<String, u64> {
    let tail = &text[text.rfind("Number of cells").expect("a stat report")..];
    tail.lines()
        .skip(1)
        .map_while(|l| {
            let mut w = l.split_whitespace();
            let (t, n) = (w.next()?, w.next()?.parse().ok()?);
            Some((t.to_string(), n))
        })
        .collect()
}

/// potmac's figures of an accelerator are its whole top: within 2 % of a plain
/// `synth_ice40 -top <top>; stat` over the folder's RTL files (LUTs, flip-flops, block RAMs),
/// whatever the folder's RTL holds. The top and the files come from the bundle and the
/// folder's file list.
#[test]
fn accelerator_figures_are_the_whole_top() {
    if !have(&[YOSYS]) {
        return;
    }
    let out = scratch("synth_accel_top");
    let yaml =
        std::fs::read_to_string(root().join("verification/configs/accel/pot_w4a8_accel2x2.yaml"))
            .unwrap();
    let b = emit::bundle(
        &design(&yaml),
        &Options {
            vectors: 0,
            seed: 1,
        },
    )
    .unwrap();
    let dir = emit::write(&b, &out).unwrap();
    let t0 = std::time::Instant::now();
    let ours = yosys::synth(&dir, Target::Ice40, T).unwrap();
    eprintln!(
        "potmac ice40 whole top: {:.1} s",
        t0.elapsed().as_secs_f64()
    );

    // The plain run: every file of filelist.f, the bundle's top, nothing else.
    let files = std::fs::read_to_string(dir.join("filelist.f")).unwrap();
    let mut script: String = files
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|f| format!("read_verilog -sv {f}\n"))
        .collect();
    script += &format!(
        "synth_ice40 -top {}\ntee -o build/plain_stat.txt stat\n",
        b.top
    );
    std::fs::write(dir.join("build/plain.ys"), script).unwrap();
    let st = std::process::Command::new("yosys")
        .args(["-q", "-l", "build/plain.log", "-s", "build/plain.ys"])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(st.success(), "plain yosys failed: {}", dir.display());
    let plain = plain_counts(&std::fs::read_to_string(dir.join("build/plain_stat.txt")).unwrap());
    let sum = |p: &dyn Fn(&str) -> bool| -> u64 {
        plain.iter().filter(|(k, _)| p(k)).map(|(_, n)| n).sum()
    };
    let (luts, ffs, brams) = (
        sum(&|k| k == "SB_LUT4"),
        sum(&|k| k.starts_with("SB_DFF")),
        sum(&|k| k == "SB_RAM40_4K"),
    );
    eprintln!(
        "2x2 accelerator, iCE40: potmac LUTs {:?} FFs {} BRAMs {:?}; plain Yosys LUTs {luts} \
         FFs {ffs} BRAMs {brams}",
        ours.luts, ours.ffs, ours.brams
    );
    let near = |a: u64, b: u64| a.abs_diff(b) as f64 <= 0.02 * b.max(1) as f64;
    assert!(
        near(ours.luts.unwrap(), luts),
        "LUTs {:?} vs {luts}",
        ours.luts
    );
    assert!(near(ours.ffs, ffs), "FFs {} vs {ffs}", ours.ffs);
    assert!(
        near(ours.brams.unwrap(), brams),
        "BRAMs {:?} vs {brams}",
        ours.brams
    );
    assert_eq!(ours.dsps, 0, "DSPs are off by default");
}

/// `--pnr` on an accelerator: the small one (2×2 with the whole host interface, about 5,100
/// LUT4s and 4,700 flip-flops on iCE40, more than an HX8K's 7,680 cells once packed) places
/// and routes on the ECP5-25F, with a bitstream, and nextpnr reports its Fmax and utilization.
#[test]
fn small_accelerator_places_and_routes_on_ecp5() {
    if !have(&[YOSYS, nextpnr::NEXTPNR_ECP5, nextpnr::ECPPACK]) {
        return;
    }
    let out = scratch("pnr_accel");
    let yaml =
        std::fs::read_to_string(root().join("verification/configs/accel/pot_w4a8_accel2x2.yaml"))
            .unwrap();
    let d = design(&yaml);
    let o = potmac::flow::synth::SynthOptions {
        target: Target::Ecp5,
        dsp: false,
        pnr: true,
        device: Some(nextpnr::Device::Ecp5_25k),
        bitstream: true,
        // Two placer seeds: both routed, the faster kept and packed.
        seeds: vec![2, 1],
        baseline: false,
        hierarchical: false,
        liberty: None,
        run: potmac::flow::RunOpts {
            out: out.to_path_buf(),
            timeout: T,
            regenerate: potmac::flow::Regenerate::Always,
        },
    };
    let b = emit::bundle(
        &d,
        &Options {
            vectors: 0,
            seed: 1,
        },
    )
    .unwrap();
    let dir = emit::write(&b, &out).unwrap();
    let t0 = std::time::Instant::now();
    let p = potmac::flow::synth::place_and_route(&dir, &d, &o)
        .unwrap()
        .unwrap();
    eprintln!(
        "2x2 accelerator on ECP5 {}: Fmax {:.1} MHz, {:?} ({:.1} s)",
        p.device,
        p.fmax_mhz,
        p.utilization,
        t0.elapsed().as_secs_f64()
    );
    assert!(p.fmax_mhz > 1.0 && p.fmax_mhz < 1000.0);
    assert!(p.utilization.contains_key("TRELLIS_COMB"));
    assert_eq!(p.arch, "ecp5");
    assert_eq!(p.seeds.iter().map(|s| s.0).collect::<Vec<_>>(), [2, 1]);
    let best = p.seeds.iter().map(|s| s.1).fold(f64::MIN, f64::max);
    assert_eq!(p.fmax_mhz, best, "{:?}", p.seeds);
    assert!(p.seeds.contains(&(p.seed, p.fmax_mhz)), "{:?}", p.seeds);
    for seed in [1, 2] {
        let log = dir.join(format!("build/nextpnr_ecp5_seed{seed}.log"));
        assert!(log.is_file(), "{}", log.display());
        assert!(dir
            .join(format!("build/pnr_ecp5_seed{seed}.config"))
            .is_file());
    }
    // The report left in place is the kept seed's.
    let report = std::fs::read_to_string(dir.join("build/pnr_ecp5_report.json")).unwrap();
    assert_eq!(nextpnr::parse_fmax(&report).unwrap(), p.fmax_mhz);
    assert!(dir.join(p.bitstream.as_ref().unwrap()).is_file());
    // The ECP5 wrapper of the memory banks is what was placed: their DP16KD read through the
    // block RAM's own output register (REGMODE_B "OUTREG"); the small memories are LUT RAM.
    let net: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("build/pnr_ecp5_netlist.json")).unwrap(),
    )
    .unwrap();
    let cells: Vec<&serde_json::Value> = net["modules"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|m| m["cells"].as_object().into_iter().flat_map(|c| c.values()))
        .collect();
    let outreg = cells
        .iter()
        .filter(|c| c["type"] == "DP16KD" && c["parameters"]["REGMODE_B"] == "OUTREG")
        .count();
    let lutram = cells
        .iter()
        .filter(|c| c["type"] == "TRELLIS_DPR16X4")
        .count();
    eprintln!("DP16KD with OUTREG: {outreg}; TRELLIS_DPR16X4: {lutram}");
    assert!(outreg > 0, "no DP16KD reads through its output register");
    assert!(lutram > 0, "no LUT RAM");
}

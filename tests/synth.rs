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
    let f = nextpnr::fmax(&dir, T).unwrap();
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

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
